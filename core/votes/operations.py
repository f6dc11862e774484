"""Votes: creating, opening (freezing the electorate), closing (freezing the tally), verifying the log.

Operations take the acting person, flush, and never commit; the caller commits once.
"""
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from core import audit
from core.db import db, db_now
from core.register.lookup import scope_flats_query
from core.votes import reminders
from core.votes.consent import RuleError, rule_for
from core.votes.models import Ballot, BallotEntry, Vote, VoteFlat


class VoteError(ValueError):
    """A vote cannot be created or changed as asked; the message is for the worker."""


def lock_vote(vote_id: int) -> Vote:
    """Load a vote holding its row lock (PostgreSQL); on SQLite BEGIN IMMEDIATE already serialises writers."""
    vote = db.session.execute(
        select(Vote).where(Vote.id == vote_id).with_for_update().execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if vote is None:
        raise VoteError("没有这项表决。")
    return vote


def create_vote(actor, estate, matter: str, rule: str, opens_at: datetime, closes_at: datetime,
                building=None, unit=None, fractions: dict | None = None, description: str = "") -> Vote:
    """A draft vote over an estate, one of its buildings, or one of its units."""
    matter = (matter or "").strip()
    if not matter or len(matter) > 120:
        raise VoteError("请填写表决事项（120 字以内）。")
    try:
        rule_for(rule, fractions)
    except RuleError as error:
        raise VoteError(f"表决规则有误：{error}") from None
    if closes_at <= opens_at:
        raise VoteError("截止时间必须晚于开始时间。")
    if unit is not None:
        building = unit.building
    if building is not None and building.estate_id != estate.id:
        raise VoteError("楼栋不属于这个小区。")
    vote = Vote(estate=estate, building=building, unit=unit, matter=matter, description=description or "",
                rule=rule, fractions=fractions if rule == "custom" else None, opens_at=opens_at,
                closes_at=closes_at, created_by_id=getattr(actor, "id", None))
    db.session.add(vote)
    db.session.flush()
    audit.record(actor, "vote.create", f"vote:{vote.id}", matter)
    return vote


def electorate_digest(rows) -> str:
    """sha256 over (flat id, area) of the frozen electorate, in flat order."""
    # Areas as stored (two decimals), whether they come from memory (45) or the database (45.00).
    text = "\n".join(f"{flat_id}:{Decimal(area).quantize(Decimal('0.01'))}" for flat_id, area in sorted(rows))
    return hashlib.sha256(text.encode()).hexdigest()


def genesis_hash(vote: Vote) -> str:
    return hashlib.sha256(f"yishi:vote:{vote.id}:{vote.electorate_hash}".encode()).hexdigest()


def open_vote(vote_id: int, actor) -> Vote:
    """Freeze the electorate (flats and areas in scope now) and start accepting ballots at opens_at."""
    vote = lock_vote(vote_id)
    if vote.status != "draft":
        raise VoteError("这项表决已经发布过了。")
    now = db_now(db.session)
    if vote.closes_at <= now:
        raise VoteError("截止时间已过，请修改后再发布。")
    flats = db.session.scalars(scope_flats_query(vote.estate_id, vote.building_id, vote.unit_id)).all()
    if not flats:
        raise VoteError("表决范围内还没有登记住户。")
    for flat in flats:
        db.session.add(VoteFlat(vote_id=vote.id, flat_id=flat.id, area=flat.area))
    vote.electorate_hash = electorate_digest((f.id, f.area) for f in flats)
    vote.status = "open"
    vote.opened_at = now
    db.session.flush()
    audit.record(actor, "vote.open", f"vote:{vote.id}", f"{len(flats)} flats, electorate {vote.electorate_hash[:12]}")
    reminders.vote_opened(vote)
    return vote


def entry_payload(entry: BallotEntry) -> str:
    """The canonical text an entry's hash covers (everything but its own hash)."""
    return json.dumps({
        "vote": entry.vote_id, "seq": entry.seq, "flat": entry.flat_id, "choice": entry.choice,
        "channel": entry.channel, "owner": entry.owner_id, "recorded_by": entry.recorded_by_id,
        "collected_by": entry.collected_by, "paper_ref": entry.paper_ref,
        "recorded_at": entry.recorded_at.isoformat(), "effective_at": entry.effective_at.isoformat(),
        "key": entry.idempotency_key,
    }, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


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


def close_vote(vote_id: int, actor=None) -> bool:
    """Freeze the tally with the log's final hash; True if this call closed it (closing twice is a no-op)."""
    from core.votes.tally import live_tally

    vote = lock_vote(vote_id)
    if vote.status != "open":
        return False
    entries = log_entries(vote.id)
    tally = live_tally(vote)
    vote.final_hash = entries[-1].hash if entries else genesis_hash(vote)
    vote.final_tally = {**tally.as_dict(), "log_length": len(entries)}
    vote.status = "closed"
    vote.closed_at = db_now(db.session)
    db.session.flush()
    audit.record(actor, "vote.close", f"vote:{vote.id}",
                 f"passed={tally.passed} head={vote.final_hash[:12]}")
    return True


def close_due_votes() -> list[int]:
    """Close every open vote whose closing time has passed by the database clock; safe to run any number of times."""
    now = db_now(db.session)
    due = db.session.scalars(select(Vote.id).where(Vote.status == "open", Vote.closes_at <= now)).all()
    return [vote_id for vote_id in due if close_vote(vote_id)]


@dataclass
class Verification:
    ok: bool
    entries: int
    head: str
    problems: list[str] = field(default_factory=list)
    first_broken_seq: int | None = None


def verify_vote(vote: Vote) -> Verification:
    """Recompute the electorate digest, the hash chain, the current ballots and (once closed) the frozen tally."""
    from core.votes.tally import tally_from_choices

    problems: list[str] = []
    first_broken = None
    frozen = db.session.execute(select(VoteFlat.flat_id, VoteFlat.area).where(VoteFlat.vote_id == vote.id)).all()
    if vote.status != "draft" and electorate_digest((f, a) for f, a in frozen) != vote.electorate_hash:
        problems.append("the frozen electorate does not match its digest")
    entries = log_entries(vote.id)
    prev = genesis_hash(vote)
    for expected_seq, entry in enumerate(entries, start=1):
        reason = None
        if entry.seq != expected_seq:
            reason = f"sequence gap: expected {expected_seq}"
        elif entry.prev_hash != prev:
            reason = "does not point to the entry before it"
        elif chain_hash(prev, entry) != entry.hash:
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
        recount = tally_from_choices(vote, {flat: e.choice for flat, e in current.items()}).as_dict()
        frozen_tally = {k: v for k, v in (vote.final_tally or {}).items() if k != "log_length"}
        if recount != frozen_tally:
            problems.append("the frozen tally differs from a recount of the log")
        if vote.final_hash != (entries[-1].hash if entries else genesis_hash(vote)):
            problems.append("the final hash is not the head of the log")
    return Verification(ok=not problems, entries=len(entries), head=prev, problems=problems,
                        first_broken_seq=first_broken)
