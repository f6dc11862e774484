"""A vote's ballot log: insert-only entries, each hashed with the one before it (a hash chain), and the
check that recomputes everything a tally rests on (electorate digest, chain, current ballots, frozen tally)."""
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core.db import db
from core.votes.models import Ballot, BallotEntry, Vote, VoteFlat
from core.votes.tally import tally_from_ballots


def person_ordinals(rows) -> dict[int, int]:
    """flat id → 1, 2, 3 …: the electorate's persons (flats sharing a person key) numbered in flat order.

    The digest and the public proof bundle name persons by these numbers, never by their keys: a key may
    be the hash of an ID number, which a public file must not carry."""
    numbers, ordinals = {}, {}
    for flat_id, _area, *person in sorted(rows, key=lambda row: row[0]):
        if person and person[0]:
            ordinals[flat_id] = numbers.setdefault(person[0], len(numbers) + 1)
    return ordinals


def electorate_digest(rows) -> str:
    """sha256 over (flat id, area[, person number]) of the frozen electorate, in flat order.

    The person (the law's headcount: flats of one person) is covered when a flat has one, by its number
    (person_ordinals); a flat without one is written as before, so the digests of votes opened earlier do
    not change."""
    rows = list(rows)
    ordinals = person_ordinals(rows)
    lines = []
    for flat_id, area, *_ in sorted(rows, key=lambda row: row[0]):
        # Areas as stored (two decimals), whether they come from memory (45) or the database (45.00).
        line = f"{flat_id}:{Decimal(area).quantize(Decimal('0.01'))}"
        if flat_id in ordinals:
            line += f":p{ordinals[flat_id]}"
        lines.append(line)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def genesis_hash(vote: Vote) -> str:
    return hashlib.sha256(f"yishi:vote:{vote.id}:{vote.electorate_hash}".encode()).hexdigest()


def canonical_time(moment: datetime) -> str:
    """A moment as the hash sees it: UTC, ISO 8601, to the microsecond the database keeps.

    The same instant gives the same text whether it was built in +08:00, in UTC, naive (taken as UTC, as
    the database stores it) or read back from SQLite or PostgreSQL. Microseconds are written when they are
    not zero, exactly as `datetime.isoformat()` always did for the UTC values read back from the database,
    so every entry hashed before this function existed (all of them UTC but paper sheets entered in the
    console, see `LEGACY_ZONE`) keeps its hash.
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat()


def _id(value) -> int | None:
    return None if value is None else int(value)


def _text(value) -> str:
    return "" if value is None else str(value)


def entry_payload(entry: BallotEntry, time=canonical_time) -> str:
    """The canonical text an entry's hash covers (everything but its own hash).

    Numbers as integers and texts as strings, whatever type a driver hands back; moments in UTC. The
    proxy a ballot was cast under is covered when there is one; entries without one are written as
    before it existed, so that their hashes do not change.
    """
    fields = {
        "vote": _id(entry.vote_id), "seq": _id(entry.seq), "flat": _id(entry.flat_id), "choice": _text(entry.choice),
        "channel": _text(entry.channel), "owner": _id(entry.owner_id), "recorded_by": _id(entry.recorded_by_id),
        "collected_by": _text(entry.collected_by), "paper_ref": _text(entry.paper_ref),
        "recorded_at": canonical_time(entry.recorded_at), "effective_at": time(entry.effective_at),
        "key": _text(entry.idempotency_key),
    }
    if entry.proxy_id is not None:
        fields["proxy"] = _id(entry.proxy_id)
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


# Before canonical_time, a paper sheet entered in the console was hashed while its collection time was
# still the form's Asia/Shanghai value ("…T10:00:00+08:00"), and stored as UTC. Verification accepts that
# one other spelling of the same instant for paper entries, so that logs written then still verify; it
# hides no edit (the instant, and everything else, must match). New entries are never hashed that way.
LEGACY_ZONE = ZoneInfo("Asia/Shanghai")


def _legacy_payload(entry: BallotEntry) -> str:
    return entry_payload(entry, time=lambda moment: moment.astimezone(LEGACY_ZONE).isoformat())


def chain_hash(prev_hash: str, entry: BallotEntry) -> str:
    """Decidim's chained hash: sha256(previous + "." + data)."""
    return hashlib.sha256(f"{prev_hash}.{entry_payload(entry)}".encode()).hexdigest()


def log_entries(vote_id: int) -> list[BallotEntry]:
    return db.session.scalars(select(BallotEntry).where(BallotEntry.vote_id == vote_id).order_by(BallotEntry.seq)).all()


def current_from_log(entries) -> dict[int, BallotEntry]:
    """Each flat's ballot that counts: its latest by effective time (ties: the later entry)."""
    current: dict[int, BallotEntry] = {}
    for entry in entries:
        best = current.get(entry.flat_id)
        if best is None or (entry.effective_at, entry.seq) > (best.effective_at, best.seq):
            current[entry.flat_id] = entry
    return current


@dataclass
class Verification:
    ok: bool
    entries: int
    head: str
    problems: list[str] = field(default_factory=list)
    first_broken_seq: int | None = None


def verify_vote(vote: Vote) -> Verification:
    """Recompute the electorate digest, the hash chain, the current ballots and (once closed) the frozen tally."""
    problems: list[str] = []
    first_broken = None
    frozen = db.session.execute(
        select(VoteFlat.flat_id, VoteFlat.area, VoteFlat.person_key).where(VoteFlat.vote_id == vote.id)).all()
    if vote.status != "draft" and electorate_digest(tuple(row) for row in frozen) != vote.electorate_hash:
        problems.append("the frozen electorate does not match its digest")
    entries = log_entries(vote.id)
    prev = genesis_hash(vote)
    for expected_seq, entry in enumerate(entries, start=1):
        reason = None
        if entry.seq != expected_seq:
            reason = f"sequence gap: expected {expected_seq}"
        elif entry.prev_hash != prev:
            reason = "does not point to the entry before it"
        elif chain_hash(prev, entry) != entry.hash and not (
                entry.channel == "paper"
                and hashlib.sha256(f"{prev}.{_legacy_payload(entry)}".encode()).hexdigest() == entry.hash):
            reason = "its content does not match its hash (edited?)"
        if reason:
            problems.append(f"entry {entry.seq}: {reason}")
            first_broken = first_broken or entry.seq
            break
        prev = entry.hash
    current = current_from_log(entries)
    stored = {b.flat_id: (b.entry_id, b.choice) for b in db.session.scalars(select(Ballot).where(Ballot.vote_id == vote.id))}
    if stored != {flat: (e.id, e.choice) for flat, e in current.items()}:
        problems.append("the current ballots differ from what the log says")
    if vote.status == "closed":
        recount = tally_from_ballots(vote, {flat: (e.choice, e.effective_at, e.seq) for flat, e in current.items()}).as_dict()
        frozen_tally = {k: v for k, v in (vote.final_tally or {}).items() if k != "log_length"}
        if recount != frozen_tally:
            problems.append("the frozen tally differs from a recount of the log")
        if vote.final_hash != (entries[-1].hash if entries else genesis_hash(vote)):
            problems.append("the final hash is not the head of the log")
    return Verification(ok=not problems, entries=len(entries), head=prev, problems=problems,
                        first_broken_seq=first_broken)
