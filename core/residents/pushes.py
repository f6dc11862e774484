"""The outbox of WeChat template messages: queued in the transaction of what they announce. Flush, never commit.

A push is a row, not a call: it is sent by the scheduler after the commit (bot.pushes), so a rolled
back vote announces nothing and a WeChat outage loses nothing. The key says what the push is about,
and is unique, so the same news is queued once however often the code that queues it runs.
"""
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.db import db, db_now
from core.register.lookup import scope_flats_query
from core.register.models import Flat, Owner
from core.residents.models import Binding, Push

KINDS = ("vote_opened", "vote_reminder", "vote_result", "ballot_recorded", "notice_published", "survey_opened",
         "reply_posted", "complaint_status", "complaint_urgent")


def tell_flat(kind: str, subject: str, flat_id: int, data: dict, url: str) -> int:
    """Queue one push about `subject` to each resident bound to this flat (an answer to what they wrote)."""
    return sum(enqueue(f"{kind}:{subject}:{openid}", openid, kind, data, url) for openid in bound_to([flat_id]))


def enqueue(key: str, openid: str, kind: str, data: dict, url: str = "") -> bool:
    """Queue one push unless its key is queued already; True if this call queued it."""
    if kind not in KINDS:
        raise ValueError(kind)
    if db.session.scalar(select(Push.id).where(Push.key == key)) is not None:
        return False
    try:
        with db.session.begin_nested():  # a concurrent twin loses here without spoiling the caller's transaction
            db.session.add(Push(key=key, openid=openid, kind=kind, data=data, url=url,
                                next_attempt_at=db_now(db.session)))
    except IntegrityError:
        return False
    return True


def bound_to(flat_ids) -> list[str]:
    """The openids of residents bound to the flats a subquery selects, oldest binding first."""
    return db.session.scalars(select(Binding.openid).join(Owner, Owner.id == Binding.owner_id)
                              .where(Binding.ended_at.is_(None), Owner.flat_id.in_(flat_ids))
                              .order_by(Binding.id)).all()


def bound_openids(estate_id: int, building_id: int | None = None, unit_id: int | None = None) -> list[str]:
    """The openids of residents bound to flats of an estate, or of one of its buildings or units."""
    return bound_to(scope_flats_query(estate_id, building_id, unit_id).with_only_columns(Flat.id))


def announce(kind: str, subject: str, estate_id: int, data: dict, url: str, building_id=None, unit_id=None) -> int:
    """Queue one push of `kind` about `subject` (say "notice:7") to every bound resident in scope, once each."""
    return sum(enqueue(f"{kind}:{subject}:{openid}", openid, kind, data, url)
               for openid in bound_openids(estate_id, building_id, unit_id))


def due_pushes(now, limit: int = 50) -> list[Push]:
    """Pending pushes whose time has come, oldest first, locked so that a second sender skips them."""
    return db.session.scalars(
        select(Push).where(Push.status == "pending", Push.next_attempt_at <= now)
        .order_by(Push.id).limit(limit).with_for_update(skip_locked=True)
    ).all()


RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))


def mark_sent(push: Push, now, msgid: str = "") -> None:
    push.status, push.sent_at, push.wechat_msgid, push.last_error = "sent", now, msgid[:40], ""
    push.attempts += 1


def mark_failed(push: Push, now, error: str, permanent: bool = False) -> None:
    """Record a failed try; retry later with a growing delay, or give up after the last delay."""
    push.attempts += 1
    push.last_error = error[:300]
    if permanent or push.attempts > len(RETRY_DELAYS):
        push.status = "failed"
    else:
        push.next_attempt_at = now + RETRY_DELAYS[push.attempts - 1]


def mark_skipped(push: Push, reason: str) -> None:
    push.status, push.last_error = "skipped", reason[:300]


def complaint_status(complaint, event) -> bool:
    """Tell the resident who filed the ticket of a change in its status, if they are bound to WeChat."""
    if complaint.owner_id is None:
        return False
    openid = db.session.scalar(select(Binding.openid).where(Binding.owner_id == complaint.owner_id,
                                                            Binding.ended_at.is_(None)))
    if openid is None:
        return False
    # A template's `phrase` keyword holds 5 characters: the request to rate goes into the summary.
    # A `thing` keyword holds 20 characters: an assignment names the department (a re-routing's news).
    summary = {"resolved": "已办结，请点开评价", "declined": "点开看原因",
               "assigned": f"由{event.department.name}办理"[:20] if event.department else complaint.summary,
               }.get(event.status, complaint.summary)
    return enqueue(f"complaint_status:{event.id}", openid, "complaint_status",
                   {"ticket": complaint.ticket, "status": event.status_label, "summary": summary},
                   f"/r/complaints/{complaint.id}")
