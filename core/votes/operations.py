"""Votes: creating, opening (freezing the electorate), closing (freezing the tally).

Operations take the acting person, flush, and never commit; the caller commits once.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from core import audit
from core.db import db, db_now
from core.register.lookup import scope_flats_query
from core.votes import reminders
from core.votes.checkpoints import write_checkpoint
from core.votes.consent import RuleError, rule_for
from core.votes.log import electorate_digest, genesis_hash, log_entries
from core.votes.models import Vote, VoteFlat
from core.votes.tally import live_tally


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


def _checked(estate_id: int, matter: str, rule: str, opens_at: datetime, closes_at: datetime, building, unit,
             fractions: dict | None):
    """A vote's fields as the worker gave them, checked: (matter, building, unit); raises VoteError."""
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
    if building is not None and building.estate_id != estate_id:
        raise VoteError("楼栋不属于这个小区。")
    return matter, building, unit


def create_vote(actor, estate, matter: str, rule: str, opens_at: datetime, closes_at: datetime,
                building=None, unit=None, fractions: dict | None = None, description: str = "") -> Vote:
    """A draft vote over an estate, one of its buildings, or one of its units."""
    matter, building, unit = _checked(estate.id, matter, rule, opens_at, closes_at, building, unit, fractions)
    vote = Vote(estate=estate, building=building, unit=unit, matter=matter, description=description or "",
                rule=rule, fractions=fractions if rule == "custom" else None, opens_at=opens_at,
                closes_at=closes_at, created_by_id=getattr(actor, "id", None))
    db.session.add(vote)
    db.session.flush()
    audit.record(actor, "vote.create", f"vote:{vote.id}", matter)
    return vote


def update_draft(vote_id: int, actor, matter: str, rule: str, opens_at: datetime, closes_at: datetime,
                 building=None, unit=None, fractions: dict | None = None, description: str = "") -> Vote:
    """Change a draft (nothing of it is public yet); a published vote cannot be changed."""
    vote = lock_vote(vote_id)
    if vote.status != "draft":
        raise VoteError("表决已经发布，不能再修改。")
    matter, building, unit = _checked(vote.estate_id, matter, rule, opens_at, closes_at, building, unit, fractions)
    vote.matter, vote.description, vote.rule = matter, description or "", rule
    vote.fractions = fractions if rule == "custom" else None
    vote.opens_at, vote.closes_at = opens_at, closes_at
    vote.building_id = building.id if building is not None else None
    vote.unit_id = unit.id if unit is not None else None
    db.session.flush()
    db.session.expire(vote, ["building", "unit"])
    audit.record(actor, "vote.edit", f"vote:{vote.id}", matter)
    return vote


def delete_draft(vote_id: int, actor) -> str:
    """Delete a draft; returns its matter. A published vote is the estate's record and stays."""
    vote = lock_vote(vote_id)
    if vote.status != "draft":
        raise VoteError("表决已经发布，不能删除。")
    matter = vote.matter
    db.session.delete(vote)
    db.session.flush()
    audit.record(actor, "vote.delete", f"vote:{vote_id}", matter)
    return matter


@dataclass(frozen=True)
class ElectoratePreview:
    """What publishing a draft would freeze, for the worker to check first."""

    flats: int
    persons: int
    area: Decimal
    together: list[list[str]]  # flats counted as one person (司法解释第九条), as codes, when more than one


def electorate_preview(vote: Vote) -> ElectoratePreview:
    """The flats, persons and area in the draft's scope now (what open_vote would freeze)."""
    flats = db.session.scalars(scope_flats_query(vote.estate_id, vote.building_id, vote.unit_id)).all()
    groups: dict = {}
    for flat in flats:
        groups.setdefault(flat.counting_key or ("flat", flat.id), []).append(flat.code)
    return ElectoratePreview(flats=len(flats), persons=len(groups), area=sum((f.area for f in flats), Decimal(0)),
                             together=[codes for codes in groups.values() if len(codes) > 1])


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
        db.session.add(VoteFlat(vote_id=vote.id, flat_id=flat.id, area=flat.area, person_key=flat.counting_key))
    vote.electorate_hash = electorate_digest((f.id, f.area, f.counting_key) for f in flats)
    vote.status = "open"
    vote.opened_at = now
    db.session.flush()
    audit.record(actor, "vote.open", f"vote:{vote.id}", f"{len(flats)} flats, electorate {vote.electorate_hash[:12]}")
    reminders.vote_opened(vote)
    return vote


DEFAULT_OBJECTION_DAYS = 7


def close_vote(vote_id: int, actor=None, signer=None, objection_days: int = DEFAULT_OBJECTION_DAYS) -> bool:
    """Freeze the tally with the log's final hash, sign the closed log (when given the signer), and open the
    objection window (询异); True if this call closed it (closing twice is a no-op)."""
    vote = lock_vote(vote_id)
    if vote.status != "open":
        return False
    entries = log_entries(vote.id)
    tally = live_tally(vote)
    vote.final_hash = entries[-1].hash if entries else genesis_hash(vote)
    vote.final_tally = {**tally.as_dict(), "log_length": len(entries)}
    vote.status = "closed"
    vote.closed_at = db_now(db.session)
    days = vote.objection_days if vote.objection_days is not None else objection_days
    vote.objection_ends_at = vote.closed_at + timedelta(days=days)
    db.session.flush()
    if signer is not None:
        write_checkpoint(vote, signer, "close", entries)
    reminders.vote_closed(vote)
    audit.record(actor, "vote.close", f"vote:{vote.id}",
                 f"passed={tally.passed} head={vote.final_hash[:12]}")
    return True


def close_due_votes(signer=None, objection_days: int = DEFAULT_OBJECTION_DAYS) -> list[int]:
    """Close every open vote whose closing time has passed by the database clock; safe to run any number of times."""
    now = db_now(db.session)
    due = db.session.scalars(select(Vote.id).where(Vote.status == "open", Vote.closes_at <= now)).all()
    return [vote_id for vote_id in due if close_vote(vote_id, signer=signer, objection_days=objection_days)]
