#!/usr/bin/env python3
"""Check a Yishi vote proof offline, without the server or its database.

    python tools/verify_vote_proof.py BUNDLE.json [--key PUBLIC_KEY_OR_FINGERPRINT] [--head ROOT_OR_CHAIN_HEAD]
    python tools/verify_vote_proof.py --receipt RECEIPT.json [--key ...]

A bundle comes from `flask votes export-proof ID OUT.json`; a receipt proof from the public receipts page
(下载包含证明). For a bundle this recomputes the electorate digest and the genesis hash, follows the hash
chain's links, rebuilds the RFC 6962 Merkle tree of the entries, checks every checkpoint's Ed25519
signature and that its head is reproduced by the entries' prefix of its size, and recounts the tally.
--key pins the signing key (as printed on the result notice: the 64-hex public key or its 16-hex
fingerprint); --head pins a signed head you copied earlier (its Merkle root or chain head), so that a
bundle that dropped entries together with their checkpoints fails too.

Needs only Python 3.9+ and the `cryptography` package (for Ed25519). Exit 0: verified; 1: it does not
verify (the reasons are printed); 2: the file cannot be read.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from decimal import Decimal

CHOICES = ("agree", "disagree", "abstain")
CHANNELS = ("web", "wechat", "paper")


# RFC 6962 §2.1 — the same few lines as core/votes/merkle.py, repeated so that this file stands alone.
def leaf_hash(fields: dict) -> bytes:
    data = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    return hashlib.sha256(b"\x00" + data).digest()


def node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def tree_root(leaves: list) -> bytes:
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node(tree_root(leaves[:k]), tree_root(leaves[k:]))


def prefix_roots(leaves: list):
    """root(size) for many prefixes of the same leaves, hashing the subtrees they share once."""
    memo = {}

    def subtree(lo: int, hi: int) -> bytes:
        if hi - lo == 1:
            return leaves[lo]
        if (lo, hi) not in memo:
            k = 1
            while k * 2 < hi - lo:
                k *= 2
            memo[(lo, hi)] = node(subtree(lo, lo + k), subtree(lo + k, hi))
        return memo[(lo, hi)]

    return lambda size: subtree(0, size) if size else hashlib.sha256(b"").digest()


def root_from_path(index: int, size: int, leaf: bytes, path: list) -> bytes:
    """RFC 9162 §2.1.3.2."""
    if index >= size:
        raise ValueError("leaf index beyond the tree")
    fn, sn, r = index, size - 1, leaf
    for sibling in path:
        if sn == 0:
            raise ValueError("path longer than the tree")
        if fn & 1 or fn == sn:
            r = node(sibling, r)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node(r, sibling)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ValueError("path shorter than the tree")
    return r


def signed_text(vote_id, cp) -> bytes:
    return (f"yishi-vote-log/v1\nvote {vote_id}\nsize {cp['tree_size']}\nroot {cp['root']}\n"
            f"chain {cp['chain_head']}\ntime {cp['signed_at']}\n").encode()


def fingerprint(public_hex: str) -> str:
    return hashlib.sha256(bytes.fromhex(public_hex)).hexdigest()[:16]


def check_signature(vote_id, cp, pinned_key) -> str | None:
    """None if the checkpoint's signature verifies (with the pinned key, if any), else why not."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if pinned_key and pinned_key.lower() not in (cp["public_key"].lower(), fingerprint(cp["public_key"])):
        return f"signed by key {fingerprint(cp['public_key'])}, not the pinned key {pinned_key}"
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(cp["public_key"])).verify(
            bytes.fromhex(cp["signature"]), signed_text(vote_id, cp))
    except (InvalidSignature, ValueError):
        return "its signature does not verify (altered?)"
    return None


LEAF_KEYS = ("seq", "flat", "choice", "channel", "recorded_at", "effective_at", "hash")


def verify_bundle(bundle: dict, pinned_key: str | None = None, pinned_head: str | None = None) -> tuple[list, list]:
    """(problems, notes): an empty problem list means the bundle verifies."""
    problems, notes = [], []
    if bundle.get("format") != "yishi-vote-proof/v1":
        return [f"not a vote proof bundle (format {bundle.get('format')!r})"], notes
    vote = bundle["vote"]
    flats = bundle["electorate"]["flats"]
    areas = {f["flat"]: Decimal(f["area"]).quantize(Decimal("0.01")) for f in flats}
    # The law's headcount: flats of one person carry the same person number and count as one person.
    persons = {f["flat"]: f"p{f['person']}" if f.get("person") else f"f{f['flat']}" for f in flats}
    text = "\n".join(f"{flat}:{area}" + (f":{persons[flat]}" if persons[flat].startswith("p") else "")
                     for flat, area in sorted(areas.items()))
    digest = hashlib.sha256(text.encode()).hexdigest()
    if digest != bundle["electorate"]["digest"]:
        problems.append("the electorate (flats and areas) does not match its digest")
    genesis = hashlib.sha256(f"yishi:vote:{vote['id']}:{bundle['electorate']['digest']}".encode()).hexdigest()
    if genesis != bundle.get("genesis_hash"):
        problems.append("the genesis hash does not follow from the vote and its electorate")

    entries = bundle["entries"]
    prev = genesis
    for number, entry in enumerate(entries, start=1):
        where = f"entry {number}"
        if entry.get("seq") != number:
            problems.append(f"{where}: sequence number {entry.get('seq')}, expected {number} (entries missing?)")
            break
        if entry.get("prev_hash") != prev:
            problems.append(f"{where}: does not point to the entry before it")
            break
        if entry.get("choice") not in CHOICES or entry.get("channel") not in CHANNELS:
            problems.append(f"{where}: unknown choice or channel")
        if entry.get("flat") not in areas:
            problems.append(f"{where}: its flat is not in the electorate")
        prev = entry["hash"]
    leaves = [leaf_hash({k: e.get(k) for k in LEAF_KEYS}) for e in entries]
    root_of = prefix_roots(leaves)

    checkpoints = bundle.get("checkpoints", [])
    if not checkpoints:
        problems.append("no signed checkpoint: nothing pins the log")
    for cp in checkpoints:
        label = f"checkpoint of {cp['signed_at']} (size {cp['tree_size']})"
        why = check_signature(vote["id"], cp, pinned_key)
        if why:
            problems.append(f"{label}: {why}")
            continue
        size = cp["tree_size"]
        if size > len(entries):
            problems.append(f"log truncated: the {label} signed {size} entries, the bundle has {len(entries)}")
            continue
        head = entries[size - 1]["hash"] if size else genesis
        if root_of(size).hex() != cp["root"] or head != cp["chain_head"]:
            problems.append(f"entries changed: the first {size} entries do not reproduce the head signed at "
                            f"{cp['signed_at']}")
    if pinned_head and not any(pinned_head.lower() in (cp["root"], cp["chain_head"]) for cp in checkpoints):
        problems.append(f"no checkpoint has the pinned head {pinned_head}")

    if vote["status"] == "closed":
        if not any(cp["reason"] == "close" and cp["tree_size"] == len(entries) for cp in checkpoints):
            problems.append("the closed log is not covered by a signed checkpoint at the close "
                            f"({len(entries)} entries)")
        if vote.get("final_hash") != (entries[-1]["hash"] if entries else genesis):
            problems.append("the final hash is not the head of the log")
    else:
        signed = max((cp["tree_size"] for cp in checkpoints), default=0)
        if signed < len(entries):
            notes.append(f"the vote is open: entries {signed + 1}–{len(entries)} are not signed yet")

    # The tally: each flat's ballot that counts is its latest by when the owner decided (ties: later entry).
    current = {}
    for entry in entries:
        best = current.get(entry["flat"])
        if best is None or (entry["effective_at"], entry["seq"]) > (best["effective_at"], best["seq"]):
            current[entry["flat"]] = entry
    # One ballot a person: the latest of the current ballots on their flats counts for all of them.
    by_person = {}
    for entry in current.values():
        person = persons.get(entry["flat"], f"f{entry['flat']}")
        best = by_person.get(person)
        if best is None or (entry["effective_at"], entry["seq"]) > (best["effective_at"], best["seq"]):
            by_person[person] = entry
    area_of = {}
    for flat, area in areas.items():
        area_of[persons[flat]] = area_of.get(persons[flat], Decimal("0.00")) + area
    counts = {"total_count": len(area_of), "total_area": str(sum(areas.values(), Decimal("0.00"))),
              "participation_count": len(by_person),
              "participation_area": str(sum((area_of.get(p, Decimal(0)) for p in by_person), Decimal("0.00")))}
    for choice in CHOICES:
        counts[f"{choice}_count"] = sum(1 for e in by_person.values() if e["choice"] == choice)
    counts["agree_area"] = str(sum((area_of.get(p, Decimal(0)) for p, e in by_person.items() if e["choice"] == "agree"),
                                   Decimal("0.00")))
    frozen = vote.get("final_tally")
    if frozen:
        for key, value in counts.items():
            if key in frozen and str(frozen[key]) != str(value):
                problems.append(f"tally: {key} recounts to {value}, the frozen result says {frozen[key]}")
    notes.append("recount: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return problems, notes


def verify_receipt(proof: dict, pinned_key: str | None = None) -> tuple[list, list]:
    if proof.get("format") != "yishi-vote-proof/v1/receipt":
        return [f"not a receipt proof (format {proof.get('format')!r})"], []
    cp = proof["checkpoint"]
    why = check_signature(proof["vote"], cp, pinned_key)
    if why:
        return [f"checkpoint: {why}"], []
    leaf = leaf_hash({k: proof["entry"].get(k) for k in LEAF_KEYS})
    try:
        root = root_from_path(proof["leaf_index"], cp["tree_size"], leaf, [bytes.fromhex(h) for h in proof["path"]])
    except ValueError as error:
        return [f"the inclusion path is malformed: {error}"], []
    if root.hex() != cp["root"]:
        return ["this entry is not in the signed log (its fields or the path differ from what was signed)"], []
    if not proof["entry"]["hash"].startswith(proof["receipt"].replace("-", "").lower()):
        return ["the receipt code is not this entry's"], []
    return [], [f"receipt {proof['receipt']} is entry {proof['leaf_index'] + 1} of the log of vote {proof['vote']}, "
                f"choice {proof['entry']['choice']}, signed at {cp['signed_at']} by key {fingerprint(cp['public_key'])}"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", nargs="?", help="the bundle from `flask votes export-proof`")
    parser.add_argument("--receipt", help="a receipt's inclusion proof, from the receipts page")
    parser.add_argument("--key", help="the signing key to require: 64 hex digits, or its 16-digit fingerprint")
    parser.add_argument("--head", help="a signed head to require: a checkpoint's Merkle root or chain head")
    args = parser.parse_args(argv)
    path = args.receipt or args.file
    if not path:
        parser.error("give a bundle file or --receipt FILE")
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        problems, notes = verify_receipt(data, args.key) if args.receipt else verify_bundle(data, args.key, args.head)
    except (OSError, ValueError, KeyError, TypeError) as error:
        print(f"error: cannot read {path}: {error!r}", file=sys.stderr)
        return 2
    for note in notes:
        print(note)
    if problems:
        print("NOT VERIFIED:")
        for problem in problems:
            print(f"  - {problem}")
        return 1
    print("VERIFIED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
