"""Signed checkpoints of vote logs: whoever can write the database cannot shorten or rewrite a log unseen.

A chain alone can be recomputed after an edit, and its newest entries dropped with their ballot rows. So
every minute while ballots arrive, and at the close, the log's size, Merkle root (core.votes.merkle) and
chain head are signed with an Ed25519 key kept outside the database: `YISHI_LOG_SIGNING_KEY`, or a file
in the instance folder made on first use (0600). The public receipts page and the result notice show the
latest checkpoint and the key's fingerprint; `flask votes verify` checks the log against every checkpoint.
Flush, never commit.
"""
import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import and_, exists, or_, select

from core.db import db, db_now, local
from core.votes import merkle
from core.votes.log import Verification, genesis_hash, log_entries, verify_vote
from core.votes.models import BallotEntry, Vote, VoteCheckpoint

CHECKPOINT_EVERY_SECONDS = 60


class SigningKeyError(RuntimeError):
    """The configured signing key cannot be read."""


def fingerprint(public_hex: str) -> str:
    """A short name for a public key, for people to compare: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(bytes.fromhex(public_hex)).hexdigest()[:16]


@dataclass(frozen=True)
class Signer:
    key: Ed25519PrivateKey
    public_hex: str
    trusted: frozenset  # public keys (hex) whose checkpoints verify: this one and those rotated out

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_hex)

    def sign(self, text: bytes) -> str:
        return self.key.sign(text).hex()


def _parse_private(text: str) -> Ed25519PrivateKey:
    text = text.strip()
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_private_key(text.encode(), password=None)
            if not isinstance(key, Ed25519PrivateKey):
                raise SigningKeyError("the PEM key is not an Ed25519 key")
            return key
        raw = bytes.fromhex(text) if len(text) == 64 else base64.b64decode(text + "=" * (-len(text) % 4),
                                                                            altchars=b"-_" if "-" in text or "_" in text else None)
        return Ed25519PrivateKey.from_private_bytes(raw)
    except SigningKeyError:
        raise
    except (ValueError, TypeError) as error:
        raise SigningKeyError(f"YISHI_LOG_SIGNING_KEY is not an Ed25519 private key "
                              f"(PEM, 64 hex digits or base64 of 32 bytes): {error}") from None


def _public_hex(key: Ed25519PrivateKey) -> str:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


_cache: dict = {}


def signer_from(config) -> Signer:
    """The installation's signer: LOG_SIGNING_KEY (from YISHI_LOG_SIGNING_KEY) or LOG_SIGNING_KEY_FILE,
    created with a new key on first use and readable by its owner only."""
    value, path = config.get("LOG_SIGNING_KEY", ""), config["LOG_SIGNING_KEY_FILE"]
    trusted_extra = tuple(k.strip().lower() for k in config.get("LOG_TRUSTED_KEYS", "").split(",") if k.strip())
    cache_key = (value, path, trusted_extra)
    if cache_key in _cache:
        return _cache[cache_key]
    if value:
        key = _parse_private(value)
    else:
        file = Path(path)
        if not file.exists():
            file.parent.mkdir(parents=True, exist_ok=True)
            pem = Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
            # Written whole under another name, then linked into place: two processes starting at once
            # keep one key (the first link wins), and no one reads a half-written file.
            temp = file.with_name(f".{file.name}.{os.getpid()}")
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(pem)
            try:
                os.link(temp, file)
            except FileExistsError:
                pass
            finally:
                temp.unlink()
        key = _parse_private(file.read_text())
    public = _public_hex(key)
    signer = Signer(key, public, frozenset((public,) + trusted_extra))
    _cache[cache_key] = signer
    return signer


def trusted_keys(config) -> frozenset | None:
    """The public keys whose checkpoints count, without making a key: None when this installation has none
    (a backup checked on another machine), and then only the signatures themselves are checked."""
    extra = frozenset(k.strip().lower() for k in config.get("LOG_TRUSTED_KEYS", "").split(",") if k.strip())
    if config.get("LOG_SIGNING_KEY") or Path(config["LOG_SIGNING_KEY_FILE"]).exists():
        return signer_from(config).trusted
    return extra or None


def signed_text(vote_id: int, tree_size: int, root_hash: str, chain_head: str, signed_at: str) -> bytes:
    """What a checkpoint's signature covers; tools/verify_vote_proof.py builds the same text."""
    return (f"yishi-vote-log/v1\nvote {vote_id}\nsize {tree_size}\nroot {root_hash}\n"
            f"chain {chain_head}\ntime {signed_at}\n").encode()


def _time_text(checkpoint: VoteCheckpoint) -> str:
    return merkle.utc_text(checkpoint.signed_at)


def checkpoint_text(checkpoint: VoteCheckpoint) -> bytes:
    return signed_text(checkpoint.vote_id, checkpoint.tree_size, checkpoint.root_hash, checkpoint.chain_head,
                       _time_text(checkpoint))


def latest(vote_id: int) -> VoteCheckpoint | None:
    return db.session.scalar(select(VoteCheckpoint).where(VoteCheckpoint.vote_id == vote_id)
                             .order_by(VoteCheckpoint.tree_size.desc(), VoteCheckpoint.id.desc()).limit(1))


def checkpoints(vote_id: int) -> list[VoteCheckpoint]:
    return db.session.scalars(select(VoteCheckpoint).where(VoteCheckpoint.vote_id == vote_id)
                              .order_by(VoteCheckpoint.id)).all()


def leaf_rows(vote_id: int):
    """The columns a leaf covers, in log order: one statement (a prefix of what is committed), no ORM objects."""
    return db.session.execute(
        select(BallotEntry.seq, BallotEntry.flat_id, BallotEntry.choice, BallotEntry.channel,
               BallotEntry.recorded_at, BallotEntry.effective_at, BallotEntry.hash)
        .where(BallotEntry.vote_id == vote_id).order_by(BallotEntry.seq)).all()


def write_checkpoint(vote: Vote, signer: Signer, reason: str = "interval", entries=None) -> VoteCheckpoint:
    """Sign the log as it stands (the whole of it, read in one statement, so a prefix of what is committed)."""
    entries = leaf_rows(vote.id) if entries is None else entries
    # The database's clock, to the second: the text signed is the text stored, whatever the backend keeps.
    now = db_now(db.session).replace(microsecond=0)
    checkpoint = VoteCheckpoint(vote_id=vote.id, tree_size=len(entries),
                                root_hash=merkle.root(merkle.entry_leaves(entries)).hex(),
                                chain_head=entries[-1].hash if entries else genesis_hash(vote),
                                signed_at=now, reason=reason, public_key=signer.public_hex, signature="")
    checkpoint.signature = signer.sign(checkpoint_text(checkpoint))
    db.session.add(checkpoint)
    db.session.flush()
    return checkpoint


def checkpoint_due_votes(signer: Signer) -> dict[int, int]:
    """Sign the open votes whose log grew since their last checkpoint, and closed votes not yet signed at
    their close (closed by a path that had no key, or before checkpoints existed); {vote id: signed size}."""
    signed_at_close = exists().where(VoteCheckpoint.vote_id == Vote.id, VoteCheckpoint.reason == "close")
    due = db.session.scalars(select(Vote).where(or_(Vote.status == "open", and_(Vote.status == "closed",
                                                                                  ~signed_at_close)))
                             .order_by(Vote.id)).all()
    done = {}
    for vote in due:
        if vote.status == "closed":
            done[vote.id] = write_checkpoint(vote, signer, "close").tree_size
            continue
        last = latest(vote.id)
        entries = leaf_rows(vote.id)
        if entries and (last is None or last.tree_size < len(entries)):
            done[vote.id] = write_checkpoint(vote, signer, "interval", entries).tree_size
    return done


def check_against_checkpoints(vote: Vote, entries, trusted: frozenset | None) -> list[str]:
    """Problems of the stored log against its signed checkpoints: a bad or foreign signature, fewer entries
    than a checkpoint signed (truncated), or a prefix whose head differs from the signed one (rewritten)."""
    problems = []
    prefixes = merkle.Prefixes(merkle.entry_leaves(entries))
    genesis = genesis_hash(vote)
    found = checkpoints(vote.id)
    for cp in found:
        when = local(cp.signed_at)
        label = f"checkpoint of {when} (size {cp.tree_size})"
        try:
            Ed25519PublicKey.from_public_bytes(bytes.fromhex(cp.public_key)).verify(
                bytes.fromhex(cp.signature), checkpoint_text(cp))
        except (InvalidSignature, ValueError):
            problems.append(f"{label}: its signature does not verify (checkpoint altered?)")
            continue
        if trusted is not None and cp.public_key not in trusted:
            problems.append(f"{label}: signed by an unknown key {fingerprint(cp.public_key)} "
                            "(not YISHI_LOG_SIGNING_KEY nor in YISHI_LOG_TRUSTED_KEYS)")
            continue
        if cp.tree_size > len(entries):
            problems.append(f"log truncated: the {label} signed {cp.tree_size} entries, "
                            f"the log now has {len(entries)}")
            continue
        head = entries[cp.tree_size - 1].hash if cp.tree_size else genesis
        if prefixes.root(cp.tree_size).hex() != cp.root_hash or head != cp.chain_head:
            problems.append(f"log rewritten: its first {cp.tree_size} entries do not reproduce the head "
                            f"signed at {when} (signed {cp.chain_head[:12]}, stored {head[:12]})")
    if vote.status == "closed":
        length = (vote.final_tally or {}).get("log_length")
        if not any(cp.reason == "close" and cp.tree_size == length for cp in found):
            problems.append("no signed checkpoint at the close matches the closed log")
    return problems


def verify_signed(vote: Vote, trusted: frozenset | None) -> Verification:
    """verify_vote (electorate, chain, current ballots, frozen tally), then the log against its checkpoints."""
    report = verify_vote(vote)
    extra = check_against_checkpoints(vote, log_entries(vote.id), trusted)
    report.problems.extend(extra)
    report.ok = not report.problems
    return report
