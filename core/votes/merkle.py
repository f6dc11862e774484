"""A Merkle tree over a vote's log in the manner of RFC 6962 (Certificate Transparency), §2.1.

leaf hash = SHA-256(0x00 || leaf data), node = SHA-256(0x01 || left || right); the root of n leaves splits
them at the largest power of two below n. A signed root of size n pins the first n entries: the log cannot
lose or change any of them without the root changing, and one entry's inclusion is proved by about log2(n)
hashes. tools/verify_vote_proof.py repeats these few lines on purpose, to stay standalone.
"""
import hashlib
import json
from datetime import datetime, timezone

EMPTY_ROOT = hashlib.sha256(b"").hexdigest()


def utc_text(moment: datetime) -> str:
    """A fixed text for a moment whatever zone it comes back from the database in (naive = UTC)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def leaf_fields(entry) -> dict:
    """The public part of an entry, plus its chain hash, which covers the rest (who, which sheet, the key)."""
    return {"seq": entry.seq, "flat": entry.flat_id, "choice": entry.choice, "channel": entry.channel,
            "recorded_at": utc_text(entry.recorded_at), "effective_at": utc_text(entry.effective_at), "hash": entry.hash}


def leaf_data(fields: dict) -> bytes:
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def root(leaves: list[bytes]) -> bytes:
    """MTH(D[n]) of leaf hashes."""
    if not leaves:
        return bytes.fromhex(EMPTY_ROOT)
    if len(leaves) == 1:
        return leaves[0]
    k = _split(len(leaves))
    return _node(root(leaves[:k]), root(leaves[k:]))


class Prefixes:
    """Roots of many prefixes of one list of leaves: the subtrees they share are hashed once, so checking
    a checkpoint a minute against a long log costs about log2(n) new hashes each, not n."""

    def __init__(self, leaves: list[bytes]):
        self.leaves = leaves
        self._memo: dict[tuple[int, int], bytes] = {}

    def _range(self, lo: int, hi: int) -> bytes:
        if hi - lo == 1:
            return self.leaves[lo]
        found = self._memo.get((lo, hi))
        if found is None:
            k = _split(hi - lo)
            found = self._memo[(lo, hi)] = _node(self._range(lo, lo + k), self._range(lo + k, hi))
        return found

    def root(self, size: int) -> bytes:
        return self._range(0, size) if size else bytes.fromhex(EMPTY_ROOT)


def inclusion_path(index: int, leaves: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]): the sibling hashes from leaf `index` up to the root of `leaves`."""
    if len(leaves) <= 1:
        return []
    k = _split(len(leaves))
    if index < k:
        return inclusion_path(index, leaves[:k]) + [root(leaves[k:])]
    return inclusion_path(index - k, leaves[k:]) + [root(leaves[:k])]


def root_from_path(index: int, size: int, leaf: bytes, path: list[bytes]) -> bytes:
    """The root that a leaf and its path imply (RFC 9162 §2.1.3.2); a wrong path gives a different root."""
    if index >= size:
        raise ValueError("leaf index beyond the tree")
    fn, sn, node = index, size - 1, leaf
    for sibling in path:
        if sn == 0:
            raise ValueError("path longer than the tree")
        if fn & 1 or fn == sn:
            node = _node(sibling, node)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            node = _node(node, sibling)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ValueError("path shorter than the tree")
    return node


def entry_leaves(entries) -> list[bytes]:
    return [leaf_hash(leaf_data(leaf_fields(entry))) for entry in entries]
