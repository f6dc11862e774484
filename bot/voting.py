"""Votes in the chat: the flats a WeChat user speaks for, their open votes, ballots in plain words.

A user speaks for their own flat when bound to its owner (core.residents.bindings), and for a principal's
flat when bound to a proxy (委托书) with the worker's code (core.votes.proxies): a child living elsewhere
votes for a parent's flat, a neighbour for both flats. Votes are listed and numbered as (flat, vote)
pairs, so that "同意 2" means the same line of the same list for everyone. Never commits.
"""
import re
from dataclasses import dataclass
from typing import Callable

from bot.protocol import delivery_key
from core.db import db, db_now, local
from core.residents import chat_state
from core.votes import proxies
from core.votes.ballots import BallotRefused, cast, online_refusal
from core.votes.consent import CHOICE_LABELS
from core.votes.models import Vote
from core.votes.tally import flat_ballot, live_tally, progress_sentence, votes_for_flat

MAX_LISTED = 5

Url = Callable[[str], str]


@dataclass(frozen=True)
class Voice:
    """A flat this user speaks for in votes: as its owner, or as a proxy of its representative."""

    flat: object
    owner: object = None
    proxy: object = None

    @property
    def label(self) -> str:
        return f"{self.flat.label}（受托）" if self.proxy is not None else self.flat.label


def voices(openid: str, owner) -> list[Voice]:
    """The user's own flat first (when bound to an owner), then the flats of the proxies they hold."""
    found = [Voice(owner.flat, owner=owner)] if owner is not None else []
    for proxy in proxies.bound_to(openid):
        if all(voice.flat.id != proxy.flat_id for voice in found):
            found.append(Voice(proxy.flat, proxy=proxy))
    return found


def _accepting(voice: Voice) -> list[Vote]:
    """The flat's votes that take ballots now (for a proxy: those the proxy covers)."""
    now = db_now(db.session)
    votes = [v for v in votes_for_flat(voice.flat.id) if v.status == "open" and v.opens_at <= now < v.closes_at]
    return [v for v in votes if voice.proxy is None or proxies.holds(voice.proxy, v, now)]


def pairs(speaking: list[Voice]) -> list[tuple[Voice, Vote]]:
    """Every (flat, vote) the user can vote on now, as the list numbers them."""
    return [(voice, vote) for voice in speaking for vote in _accepting(voice)][:MAX_LISTED]


def _line(voice: Voice, vote: Vote, several_flats: bool) -> str:
    return f"《{vote.matter}》" + (f"（{voice.label}）" if several_flats else "")


def open_votes(speaking: list[Voice], url: Url) -> str:
    listed = pairs(speaking)
    if not listed:
        return "您的房屋现在没有进行中的表决。有新表决时会通知您。"
    several = len(speaking) > 1
    lines = ["进行中的表决："]
    for n, (voice, vote) in enumerate(listed, start=1):
        ballot = flat_ballot(vote, voice.flat.id)
        mine = f"已投：{CHOICE_LABELS[ballot.choice]}" if ballot else "还没有投"
        link = f"\n{url(f'/r/votes/{vote.id}')}" if voice.owner is not None else ""
        lines.append(f"{n}.{_line(voice, vote, several)}\n截止 {local(vote.closes_at)}，{mine}{link}")
    refusal = next((online_refusal(v.owner, vote) for v, vote in listed if v.owner is not None), "")
    if refusal and len(speaking) == 1:
        lines.append(refusal)
    else:
        if len(listed) == 1:
            lines.append("直接回复“同意”、“不同意”或“弃权”即可表决。")
        else:  # the same number for each choice: the line of the list it is about
            lines.append("回复“同意 1”、“不同意 1”或“弃权 1”即可表决（数字是上面的序号）。")
    return "\n".join(lines)


# Words that say who agrees and how much, not what about: what is left of a ballot's first clause is its
# object ("我家不同意装电梯" → 装电梯), which must be the vote's matter before a ballot is cast on it.
_NOT_OBJECT = re.compile(r"改主意|改成|改为|改投|改一下|改|换成|重新|还是|"
                         r"我们|我家|我们家|家里|全家|俺家|俺|我|咱|都|就|也|是|的|了|啊|呀|吧|呢|嗯|哦|那个|这个|"
                         r"不同意|同意|不赞成|赞成|不支持|支持|反对|弃权|没意见|举双手|双手|一票|投|票|非常|坚决|"
                         r"完全|肯定|当然|十分|特别|很|可以|行|好|对|要|想|希望|愿意|表示|意见")


def ballot_object(said: str) -> str:
    """What a ballot in words is about, from its first clause ("" when it says only the choice)."""
    clause = next((part for part in re.split(r"[，,。.!！?？；;、]", said) if part.strip()), "")
    return re.sub(r"[^\u4e00-\u9fff]", "", _NOT_OBJECT.sub("", clause))


def _mentions(matter: str, topic: str) -> bool:
    return any(topic[i:i + 2] in matter for i in range(len(topic) - 1))


def ballot(speaking: list[Voice], choice: str, number: int | None, message, openid: str, said: str = "") -> str:
    """A choice for the only open vote, or for the line numbered as the list numbers them (1, 2, 3), or for
    the one vote whose matter the words name; with several and nothing to tell them apart, the bot lists
    them and waits for the number. Words about something else than the only open vote ("我家不同意装电梯"
    while the vote is about the whole renovation) are asked about first."""
    listed = pairs(speaking)
    if not listed:
        return "您的房屋现在没有进行中的表决。"
    several = len(speaking) > 1
    topic = ballot_object(said) if number is None else ""
    if number is None and len(topic) >= 2:
        named = [(voice, vote) for voice, vote in listed if _mentions(vote.matter, topic)]
        if len(named) == 1:
            return cast_for(*named[0], choice, message)
        if len(listed) == 1:
            voice, vote = listed[0]
            chat_state.expect(openid, "confirm_ballot", {"choice": choice, "vote": vote.id, "flat": voice.flat.id})
            return (f"现在只有这一项表决：{_line(voice, vote, several)}。\n您是对它表示{CHOICE_LABELS[choice]}吗？"
                    "回复“是”确认，回复“不”取消。")
    if number is None and len(listed) > 1:
        chat_state.expect(openid, "pick_vote", {"choice": choice})
        listing = "\n".join(f"{n}.{_line(voice, vote, several)}" for n, (voice, vote) in enumerate(listed, start=1))
        return f"现在有{len(listed)}项表决，您要对哪一项表示{CHOICE_LABELS[choice]}？回复数字：\n{listing}"
    if number is not None and not 1 <= number <= len(listed):
        return f"没有第 {number} 项进行中的表决（可能刚刚截止）。请发送“投票”查看。"
    return cast_for(*listed[number - 1 if number is not None else 0], choice, message)


def confirmed(speaking: list[Voice], data: dict, message) -> str | None:
    """The ballot the user confirmed with 是; None when that vote no longer takes it."""
    found = next(((voice, vote) for voice, vote in pairs(speaking)
                  if vote.id == data["vote"] and voice.flat.id == data.get("flat", voice.flat.id)), None)
    return cast_for(*found, data["choice"], message) if found else None


def cast_for(voice: Voice, vote: Vote, choice: str, message) -> str:
    earlier = flat_ballot(vote, voice.flat.id)
    was = earlier.choice if earlier is not None else None  # read now: cast updates the same row
    try:  # the delivery is the idempotency key: a retried delivery never votes twice
        entry = cast(vote.id, voice.flat, choice, channel="wechat", owner=voice.owner, proxy=voice.proxy,
                     idempotency_key=("wx:" + delivery_key(message))[:64])
    except BallotRefused as refused:
        return str(refused)
    whose = f"（{voice.flat.label}，受托投票）" if voice.proxy is not None else ""
    changed = f"（原来是：{CHOICE_LABELS[was]}）" if was is not None and was != entry.choice else ""
    return (f"已记录：{CHOICE_LABELS[entry.choice]}《{vote.matter}》{whose}{changed}。\n"
            f"回执码 {entry.receipt}，请保存。截止（{local(vote.closes_at)}）前可以改。")


def my_ballots(speaking: list[Voice]) -> str:
    lines = []
    for voice in speaking:
        votes = votes_for_flat(voice.flat.id)
        if voice.proxy is not None and voice.proxy.vote_id is not None:  # a proxy for one vote sees that one
            votes = [v for v in votes if v.id == voice.proxy.vote_id]
        votes = votes[:MAX_LISTED]
        lines.append(f"{voice.label} 的投票：" if votes else f"{voice.label} 还没有参加过表决。")
        for vote in votes:
            current = flat_ballot(vote, voice.flat.id)
            lines.append(f"《{vote.matter}》：未投" if current is None else
                         f"《{vote.matter}》：{CHOICE_LABELS[current.choice]}，回执码 {current.entry.receipt}")
    return "\n".join(lines) if len(speaking) > 1 or len(lines) > 1 else "您的房屋还没有参加过表决。"


def progress(speaking: list[Voice], number: int | None = None) -> str:
    votes = list({v.id: v for voice in speaking for v in votes_for_flat(voice.flat.id) if v.status == "open"}.values())
    if number is not None:
        votes = votes[number - 1:number] if 1 <= number <= len(votes) else []
    if not votes:
        return "您的房屋现在没有进行中的表决。"
    return "\n".join(f"《{vote.matter}》\n{progress_sentence(live_tally(vote))}截止 {local(vote.closes_at)}。"
                     for vote in votes[:3])
