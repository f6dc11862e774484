"""Casting ballots: online by a flat's owner, or on paper entered by a community worker.

Every cast is appended to the vote's chained log under the vote's lock; the flat's current
ballot is the latest by when the owner decided. Flush, never commit.
"""
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import exists, select

from core.accounts import Role
from core.db import clock, db, local
from core.register.privacy import mask_name
from core.votes import proxies
from core.residents import pushes
from core.votes.consent import CHOICE_LABELS, CHOICES
from core.votes.log import chain_hash, genesis_hash
from core.votes.models import Ballot, BallotEntry, Vote, VoteFlat
from core.votes.tally import flat_ballot

CHANNEL_LABELS = {"web": "网页", "wechat": "微信", "paper": "纸质"}
CHANNELS = tuple(CHANNEL_LABELS)


class BallotRefused(Exception):
    """A ballot that is not accepted; the message is for the voter, and nothing was stored."""


@dataclass(frozen=True)
class Paper:
    """What a worker records for a paper ballot (院坝会, door to door)."""

    collected_by: str
    collected_at: datetime
    reference: str


def sheet_number(text: str) -> str:
    """A 表决票编号 as stored and compared: full-width digits and letters made half-width, spaces trimmed."""
    return unicodedata.normalize("NFKC", text or "").strip().upper()  # a-000 and A-000 are one sheet


def online_refusal(owner, vote=None, now=None) -> str:
    """Why this owner may not cast their flat's ballot online ("" when they may): one flat, one voice —
    the flat's voting representative (业主代表) casts it, or a co-owner holding a valid proxy for the vote
    (委托投票); other co-owners read and comment."""
    if owner.moved_out_at is not None:
        return f"{owner.flat.label}已经过户，您不能再为它投票。您之前投的票记录在案，新业主可以在截止前改投。"
    if owner.is_representative:
        return ""
    if vote is not None and proxies.valid_for(owner, owner.flat_id, vote, now) is not None:
        return ""
    rep = owner.flat.representative
    who = f"业主代表{mask_name(rep.name)}" if rep else "业主代表"
    return (f"您好！一套房屋只投一票，{owner.flat.label}的表决票由{who}投。"
            "您可以查看表决内容和进度，也可以提意见。如需由您投票，请业主代表到社区办理委托，或更换业主代表。")


def cast(vote_id: int, flat, choice: str, *, channel: str, idempotency_key: str,
         owner=None, proxy=None, recorded_by=None, paper: Paper | None = None) -> BallotEntry:
    """Append a ballot to the log and make it the flat's current one if it is the latest; returns the entry.

    Online, the caster is the flat's `owner` (its representative, or a co-owner holding a proxy), or a
    `proxy` bound in the chat who is not on the flat's register. A retry with the same idempotency key
    returns the entry stored the first time.
    """
    if channel not in CHANNELS:
        raise ValueError(channel)
    if not idempotency_key or len(idempotency_key) > 64:
        raise BallotRefused("请求无效，请刷新页面后重试。")
    # Ballots to one vote queue on the vote's lock, so it is held for as few round trips as can be: one
    # takes the lock and reads whether the flat is in the frozen electorate (it does not change once the
    # vote is open); one, after the lock, reads the clock, an earlier entry with this key and the log's head.
    vote, in_scope = _lock_with_scope(vote_id, flat.id)
    now, earlier_id, head_seq, head_hash = _after_lock(vote.id, idempotency_key)
    if earlier_id is not None:
        earlier = db.session.get(BallotEntry, earlier_id)
        if earlier.flat_id != flat.id:
            raise BallotRefused("请求无效，请刷新页面后重试。")
        return earlier
    if vote.status == "closed" or now >= vote.closes_at:
        raise BallotRefused(f"表决已于 {local(vote.ended_at)} 截止，不能再投票。" + (
            "纸质票须在截止前录入：截止时计票已经固定。" if channel == "paper" else ""))
    if vote.status != "open" or now < vote.opens_at:
        raise BallotRefused(f"表决将于 {local(vote.opens_at)} 开始，请届时再投。")
    if choice not in CHOICES:
        raise BallotRefused("请选择：同意、不同意或弃权。")
    if not in_scope:
        # A worker may have picked a flat of another estate (the console lists this vote's only): name its estate.
        raise BallotRefused(f"{flat.unit.building.estate.name}{flat.label}不在本次表决范围内。" if channel == "paper"
                            else "您的房屋不在本次表决范围内。")

    if channel == "paper":
        if recorded_by is None or not (recorded_by.role == Role.ADMIN or (
                recorded_by.role == Role.WORKER and recorded_by.community_id == vote.estate.community_id)):
            raise BallotRefused("只有本社区工作人员可以录入纸质表决票。")
        if paper is None or not paper.collected_by.strip() or not paper.reference.strip():
            raise BallotRefused("请填写收票人和表决票编号。")
        reference = sheet_number(paper.reference)
        if len(reference) > 40:
            raise BallotRefused("表决票编号不能超过 40 个字。")
        used = db.session.scalar(select(BallotEntry).where(BallotEntry.vote_id == vote.id,
                                                           BallotEntry.paper_ref == reference))
        if used is not None:
            raise BallotRefused(f"表决票编号 {reference} 已经录入过（{used.flat.label}）。同一次表决中，"
                                "一张表决票只有一个编号，请核对票面上的编号。")
        # The log holds UTC, as the database gives it back: what is hashed is what is stored.
        collected = paper.collected_at if paper.collected_at.tzinfo else paper.collected_at.replace(tzinfo=timezone.utc)
        effective = collected.astimezone(timezone.utc)
        if not (vote.opens_at <= effective <= now):
            raise BallotRefused("收票时间须在表决开始之后、现在之前。")
    elif proxy is not None:
        if proxy.flat_id != flat.id or not proxies.holds(proxy, vote, now):
            raise BallotRefused(f"您受托为{flat.label}投票的委托已撤销、已到期或不包括这项表决，不能再投。"
                                "如有疑问，请联系社区。")
        effective = now
    else:
        if owner is None or owner.flat_id != flat.id:
            raise BallotRefused("您还没有绑定这套房屋，不能替它投票。")
        refusal = online_refusal(owner, vote, now)
        if refusal:
            raise BallotRefused(refusal)
        # A co-owner votes under a proxy; the log names it.
        proxy = None if owner.is_representative else proxies.valid_for(owner, flat.id, vote, now)
        effective = now

    entry = BallotEntry(
        vote_id=vote.id, seq=(head_seq or 0) + 1, flat_id=flat.id, choice=choice, channel=channel,
        owner_id=owner.id if owner is not None else None, proxy_id=proxy.id if proxy is not None else None,
        recorded_by_id=recorded_by.id if recorded_by is not None else None,
        collected_by=paper.collected_by.strip()[:40] if paper else "",
        paper_ref=sheet_number(paper.reference) if paper else "",
        recorded_at=now, effective_at=effective, idempotency_key=idempotency_key,
        prev_hash=head_hash or genesis_hash(vote),
    )
    entry.hash = chain_hash(entry.prev_hash, entry)
    db.session.add(entry)
    db.session.flush()

    current = db.session.execute(
        select(Ballot, BallotEntry.seq).join(BallotEntry, BallotEntry.id == Ballot.entry_id)
        .where(Ballot.vote_id == vote.id, Ballot.flat_id == flat.id)
    ).first()
    if current is None:
        db.session.add(Ballot(vote_id=vote.id, flat_id=flat.id, entry_id=entry.id, choice=choice, effective_at=effective))
    elif (effective, entry.seq) > (current.Ballot.effective_at, current.seq):
        ballot = current.Ballot
        ballot.entry_id, ballot.choice, ballot.effective_at = entry.id, choice, effective
    db.session.flush()
    if channel == "paper":
        # The flat's bound owners learn of every sheet entered in their name: a sheet they did not sign is
        # then noticed while the vote is open, not at the dispute. A sheet collected before their own later
        # ballot is recorded but not counted, and the push says so — also when that later ballot was given
        # on another flat of the same person (司法解释第九条: the person's latest counts).
        counting = flat_ballot(vote, flat.id)
        counted = counting is not None and counting.entry_id == entry.id
        for openid in pushes.bound_to([flat.id]):
            pushes.enqueue(f"ballot_recorded:{entry.id}:{openid}", openid, "ballot_recorded",
                           {"matter": f"纸质票{CHOICE_LABELS[choice]}：{vote.matter}",
                            "choice": "已计入" if counted else "未计入", "collected_at": local(effective)},
                           f"/r/votes/{vote.id}")
    return entry


def _lock_with_scope(vote_id: int, flat_id: int) -> tuple[Vote, bool]:
    """The vote, holding its row lock (as operations.lock_vote), and whether the flat is in its electorate."""
    in_scope = exists().where(VoteFlat.vote_id == vote_id, VoteFlat.flat_id == flat_id)
    row = db.session.execute(
        select(Vote, in_scope).where(Vote.id == vote_id).with_for_update(of=Vote)
        .execution_options(populate_existing=True)
    ).first()
    if row is None:
        raise BallotRefused("没有这项表决。")
    return row[0], bool(row[1])


def _after_lock(vote_id: int, idempotency_key: str):
    """(the database clock, the id of an entry already stored under this key, the log head's seq and hash),
    read in one statement once the lock is held: each of these must be read after it."""
    head = (select(BallotEntry.seq, BallotEntry.hash).where(BallotEntry.vote_id == vote_id)
            .order_by(BallotEntry.seq.desc()).limit(1).subquery())
    return db.session.execute(select(
        clock(db.session),
        select(BallotEntry.id).where(BallotEntry.vote_id == vote_id, BallotEntry.idempotency_key == idempotency_key)
        .scalar_subquery(),
        select(head.c.seq).scalar_subquery(), select(head.c.hash).scalar_subquery(),
    )).one()


def owner_has_voted(owner) -> bool:
    """Whether any vote's log or proxy names this owner (then the register must keep them)."""
    return db.session.scalar(select(BallotEntry.id).where(BallotEntry.owner_id == owner.id).limit(1)) is not None \
        or proxies.names_owner(owner)
