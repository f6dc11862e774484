"""The chat's short memory: what the bot asked one WeChat user and expects next. Flush, never commit.

A state lasts STATE_LIFETIME by the database clock; after that the next message is read afresh.
It is written in the delivery's transaction, so a retried delivery sees what the first one saw.
"""
from dataclasses import dataclass
from datetime import timedelta

from core.db import db, db_now
from core.residents.models import ChatState

STATE_LIFETIME = timedelta(minutes=10)


@dataclass(frozen=True)
class Expecting:
    what: str  # complaint_text | confirm_complaint | bind_details | rating | pick_vote | pick_suggestion
    data: dict


def current(openid: str) -> Expecting | None:
    """What the bot expects from this user now, or None (never asked, answered, or expired)."""
    state = db.session.get(ChatState, openid)
    if state is None or state.expires_at <= db_now(db.session):
        return None
    return Expecting(state.expecting, dict(state.data or {}))


def expect(openid: str, what: str, data: dict | None = None) -> None:
    """Remember that the next message answers `what` (replacing anything expected before)."""
    state = db.session.get(ChatState, openid) or ChatState(openid=openid)
    state.expecting, state.data = what, data or {}
    state.expires_at = db_now(db.session) + STATE_LIFETIME
    db.session.add(state)
    db.session.flush()


def forget(openid: str) -> None:
    """Expect nothing in particular any more."""
    state = db.session.get(ChatState, openid)
    if state is not None:
        db.session.delete(state)
        db.session.flush()
