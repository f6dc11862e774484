"""Pushes about votes: the news that a vote is open, and one reminder before the close to flats that
have not voted. Queued in the caller's transaction (core.residents.pushes); flush, never commit."""
from datetime import timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import aliased

from core.db import db, db_now, local
from core.residents.pushes import bound_to, enqueue
from core.votes import proxies
from core.votes.models import Ballot, Proxy, Vote, VoteFlat


def _bound_in_scope(vote: Vote, only_without_ballot: bool = False) -> list[str]:
    """Bound residents of the vote's frozen electorate (optionally only flats with no ballot yet)."""
    flats = select(VoteFlat.flat_id).where(VoteFlat.vote_id == vote.id)
    if only_without_ballot:
        # A flat has voted when it has a ballot, or when the person it counts under (司法解释第九条) voted
        # on another of their flats.
        same_person = aliased(VoteFlat)
        flats = flats.where(
            ~exists().where(Ballot.vote_id == vote.id, Ballot.flat_id == VoteFlat.flat_id),
            ~exists().where(Ballot.vote_id == vote.id, Ballot.flat_id == same_person.flat_id,
                            same_person.vote_id == vote.id, same_person.person_key == VoteFlat.person_key))
    owners = bound_to(flats)
    # Proxies bound in the chat (core.votes.proxies) hear of the votes they may cast, as the owners do.
    now = db_now(db.session)
    held = db.session.scalars(select(Proxy).where(Proxy.openid.is_not(None), Proxy.flat_id.in_(flats))
                              .order_by(Proxy.id)).all()
    return owners + [p.openid for p in held if proxies.holds(p, vote, now) and p.openid not in owners]


def _vote_data(vote: Vote) -> dict:
    return {"matter": vote.matter, "scope": vote.scope_label, "opens_at": local(vote.opens_at),
            "closes_at": local(vote.closes_at)}


def vote_opened(vote: Vote) -> int:
    """Tell every bound resident in the vote's electorate that it is open; returns how many were queued."""
    return sum(enqueue(f"vote_opened:{vote.id}:{openid}", openid, "vote_opened", _vote_data(vote),
                       f"/r/votes/{vote.id}") for openid in _bound_in_scope(vote))


def remind_due_votes(lead: timedelta) -> dict[int, int]:
    """For open votes closing within `lead`, remind once each bound resident whose flat has not voted.

    Returns {vote id: reminders queued}. A vote is marked reminded, so later runs skip it.
    """
    now = db_now(db.session)
    due = db.session.scalars(select(Vote).where(
        Vote.status == "open", Vote.reminded_at.is_(None), Vote.opens_at <= now,
        Vote.closes_at > now, Vote.closes_at <= now + lead).with_for_update()).all()
    queued = {}
    for vote in due:
        queued[vote.id] = sum(
            enqueue(f"vote_reminder:{vote.id}:{openid}", openid, "vote_reminder", _vote_data(vote),
                    f"/r/votes/{vote.id}") for openid in _bound_in_scope(vote, only_without_ballot=True))
        vote.reminded_at = now
    db.session.flush()
    return queued


def vote_closed(vote: Vote) -> int:
    """Tell every bound resident of the electorate that the vote has closed (the result is on its page, with
    the objection window); the confirmed result follows as its own push."""
    # Provisional until the objection window ends (the confirmed result is its own push): said so.
    outcome = "初步通过" if (vote.final_tally or {}).get("passed") else "初步未通过"
    data = {"matter": vote.matter, "outcome": outcome, "confirmed_at": local(vote.closed_at)}
    return sum(enqueue(f"vote_closed:{vote.id}:{openid}", openid, "vote_result", data, f"/r/votes/{vote.id}")
               for openid in _bound_in_scope(vote))
