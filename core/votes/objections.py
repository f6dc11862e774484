"""询异: after the close, a window (VOTE_OBJECTION_DAYS, or the vote's own) in which an owner may say their
flat's ballot is recorded wrong; a worker of the community answers each one publicly; once the window is
over and every objection answered, the scheduler confirms the result and tells the bound residents.
Flush, never commit.
"""
from sqlalchemy import select

from core import audit
from core.db import db, db_now, local
from core.residents.pushes import bound_to, enqueue, tell_flat
from core.votes.models import Vote, VoteFlat, VoteObjection

MAX_TEXT = 500

RESULT_LABELS = {"objection": "公示中（可提出异议）", "answering": "公示期已过，待答复异议", "confirmed": "结果已确认"}


class ObjectionRefused(Exception):
    """An objection or answer that is not accepted; the message is for the person, and nothing was stored."""


def result_status(vote: Vote, now=None) -> str | None:
    """None before the close; objection (window open), answering (window over, objections unanswered), confirmed."""
    if vote.status != "closed":
        return None
    if vote.confirmed_at is not None:
        return "confirmed"
    now = now or db_now(db.session)
    if vote.objection_ends_at is None or now < vote.objection_ends_at:
        return "objection"
    return "answering"


def for_vote(vote_id: int) -> list[VoteObjection]:
    return db.session.scalars(select(VoteObjection).where(VoteObjection.vote_id == vote_id)
                              .order_by(VoteObjection.id)).all()


def raise_objection(vote: Vote, owner, text: str, channel: str = "web") -> VoteObjection:
    """An owner's 'my ballot is recorded wrong', while the window is open."""
    text = (text or "").strip()
    if vote.status != "closed":
        raise ObjectionRefused("表决还没有截止，现在可以直接改票。")
    if result_status(vote) != "objection":
        raise ObjectionRefused(f"异议期已于 {local(vote.objection_ends_at)} 结束。")
    if owner is None or db.session.get(VoteFlat, (vote.id, owner.flat_id)) is None:
        raise ObjectionRefused("您的房屋不在本次表决范围内。")
    if not text:
        raise ObjectionRefused("请写明哪里记录有误。")
    if len(text) > MAX_TEXT:
        raise ObjectionRefused(f"请在 {MAX_TEXT} 字以内说明。")
    objection = VoteObjection(vote_id=vote.id, flat_id=owner.flat_id, owner_id=owner.id, channel=channel,
                              text=text, created_at=db_now(db.session), answer="")
    db.session.add(objection)
    db.session.flush()
    return objection


def answer_objection(objection: VoteObjection, actor, text: str) -> VoteObjection:
    """A worker's public answer (shown on the vote's page to every resident in scope)."""
    text = (text or "").strip()
    if not text:
        raise ObjectionRefused("请填写答复。")
    if len(text) > MAX_TEXT:
        raise ObjectionRefused(f"答复请在 {MAX_TEXT} 字以内。")
    vote = db.session.get(Vote, objection.vote_id)
    if vote.confirmed_at is not None:
        raise ObjectionRefused("结果已确认，不能再修改答复。")
    first = not objection.answer
    objection.answer, objection.answered_by_id, objection.answered_at = text, actor.id, db_now(db.session)
    db.session.flush()
    if first:
        tell_flat("reply_posted", f"vote_objection:{objection.id}", objection.flat_id,
                  {"title": f"异议：{vote.matter}", "status": "已答复", "replied_at": local(objection.answered_at)},
                  f"/r/votes/{vote.id}")
    audit.record(actor, "vote.objection_answer", f"vote:{vote.id}", f"objection {objection.id}")
    return objection


def confirm_due_votes() -> list[int]:
    """Confirm the result of closed votes whose window is over and whose objections are all answered, and
    queue a push to every bound resident of the electorate; safe to run any number of times."""
    now = db_now(db.session)
    due = db.session.scalars(select(Vote).where(
        Vote.status == "closed", Vote.confirmed_at.is_(None), Vote.objection_ends_at <= now)
        .order_by(Vote.id).with_for_update()).all()
    confirmed = []
    for vote in due:
        if any(not o.answer for o in for_vote(vote.id)):
            continue  # the console lists it as 待答复; it is confirmed on the first run after the last answer
        vote.confirmed_at = now
        outcome = "已通过" if (vote.final_tally or {}).get("passed") else "未通过"
        data = {"matter": vote.matter, "outcome": outcome, "confirmed_at": local(now)}
        flats = select(VoteFlat.flat_id).where(VoteFlat.vote_id == vote.id)
        for openid in bound_to(flats):
            enqueue(f"vote_result:{vote.id}:{openid}", openid, "vote_result", data, f"/r/votes/{vote.id}")
        audit.record(None, "vote.confirm", f"vote:{vote.id}", outcome)
        confirmed.append(vote.id)
    db.session.flush()
    return confirmed
