"""What the bot says: commands a 70-year-old can type (or say, or tap in the menu), answered in short Chinese.

`respond` takes a parsed message and returns the reply text ("" for none). It works in the caller's
transaction and never commits; the endpoint commits once, together with the delivery record, so that
a retried delivery can neither vote twice nor answer differently.
"""
import re
import unicodedata
from typing import Callable

from bot.menu import command_for_key
from bot.protocol import delivery_key
from core.complaints.tickets import MAX_TEXT, ComplaintRefused, Router, add_chat_photo, file_complaint, for_flat, rate
from core.consultation import demands, notices, surveys
from core.consultation.models.demand import CATEGORY_LABELS
from core.db import db, db_now, local
from core.residents import bindings
from core.residents.links import issue_link
from core.votes.ballots import BallotRefused, cast
from core.votes.consent import CHOICE_LABELS
from core.votes.models import Vote
from core.votes.tally import flat_ballot, live_tally, votes_for_flat

HELP = ("您好！可以发送这些字：\n"
        "【投票】看正在进行的表决\n"
        "【同意】【不同意】【弃权】表明意见\n"
        "【我的投票】看我投了什么\n"
        "【进度】看表决进度\n"
        "【报修】后面写上问题，如：报修 楼道灯不亮\n"
        "【查询】看报修和投诉的进展\n"
        "【评价】给办结的报修打分，如：评价 5\n"
        "【需求】说说小区改造最想要什么\n"
        "【公示】看改造方案公示\n"
        "【问卷】填满意度调查\n"
        "【网页】打开我的网页\n"
        "【绑定】绑定房屋\n"
        "【帮助】看这段说明")

BIND_HELP = ("请先绑定您的房屋。两种办法，任选一种：\n"
             "1. 发送社区给您的8位绑定码，例如：绑定 12345678\n"
             "2. 发送：绑定 小区名 楼栋-单元-房号 业主姓名 手机后四位\n"
             "例如：绑定 幸福里 3-2-301 张三 5678")

WELCOME = "欢迎关注！这里可以参加小区改造的表决，提意见，报问题。\n\n" + BIND_HELP

CHOICE_WORDS = {"同意": "agree", "不同意": "disagree", "弃权": "abstain"}
MAX_LISTED = 5

Url = Callable[[str], str]  # a site path → the absolute address residents open


def _normalise(text: str) -> str:
    """Full-width letters and digits to half-width, spaces collapsed, end punctuation dropped."""
    text = unicodedata.normalize("NFKC", text or "")
    return re.sub(r"\s+", " ", text).strip(" 。.!！?？")


def respond(message, url: Url, router: Router) -> str:
    """The reply to one message or event from WeChat; `router` routes the complaints it files."""
    kind = message.type
    if kind in ("text", "voice"):
        said = (message.content if kind == "text" else getattr(message, "recognition", "")) or ""
        if not said.strip():
            return "没有听清，请再说一遍，或者打字发送。"
        return _command(message.source, said, message, url, router)
    event = getattr(message, "event", "")
    if event in ("subscribe", "subscribe_scan"):
        return WELCOME if bindings.live_binding(message.source) is None else "欢迎回来！\n\n" + HELP
    if event == "unsubscribe":
        bindings.unbind(message.source, "unsubscribed", sent_at=message.create_time)
        return ""
    if event == "click":
        command = command_for_key(message.key)
        return _command(message.source, command, message, url, router) if command else HELP
    if kind == "event":
        return ""  # view, location, template-send reports …: nothing to say
    if kind == "image":
        return _photo(message)
    return "暂时只能看懂文字和语音。\n\n" + HELP


def _command(openid: str, said: str, message, url: Url, router: Router) -> str:
    """`said` as typed (or heard); commands are matched on its normalised form, complaints keep it as is."""
    text = _normalise(said)
    word, _, rest = text.partition(" ")
    if re.fullmatch(r"\d{8}", text):
        word, rest = "绑定", text
    for prefix in ("报修", "投诉", "评价", "需求"):  # "报修楼道灯不亮", typed without a space
        if text.startswith(prefix) and word != prefix:
            word, rest = prefix, text[len(prefix):]
    if word == "绑定":
        return _bind(openid, rest)
    binding = bindings.live_binding(openid)
    if word in ("帮助", "菜单", "?", "？", "你好", "您好"):
        return HELP if binding else WELCOME
    if binding is None:
        return BIND_HELP if word in _NEEDS_BINDING or word in CHOICE_WORDS else WELCOME
    owner = binding.owner
    if word == "解绑":
        bindings.unbind(openid)
        return f"已解除与 {owner.flat.label} 的绑定。"
    if word == "投票":
        return _open_votes(owner, url)
    if word in CHOICE_WORDS:
        return _ballot(owner, CHOICE_WORDS[word], rest, message)
    if word == "我的投票":
        return _my_ballots(owner)
    if word == "进度":
        return _progress(owner, rest)
    if word in ("网页", "链接", "登录"):
        return f"请在30分钟内打开（只能用一次）：\n{url('/r/login/' + issue_link(owner))}"
    if word in ("报修", "投诉"):
        return _complain(owner, said.strip()[len(word):], router)
    if word == "查询":
        return _my_complaints(owner)
    if word == "评价":
        return _rate(owner, rest)
    if word == "需求":
        return _demands(owner, rest, url)
    if word == "公示":
        return _notices(owner, url)
    if word == "问卷":
        return _surveys(owner, url)
    return HELP


_NEEDS_BINDING = ("解绑", "投票", "我的投票", "进度", "网页", "链接", "登录", "需求", "报修", "投诉", "查询", "评价",
                  "公示", "问卷")


def _bind(openid: str, rest: str) -> str:
    parts = rest.split()
    try:
        if len(parts) == 1 and re.fullmatch(r"\d{8}", parts[0]):
            binding = bindings.bind_with_code(openid, parts[0])
        elif len(parts) == 4:
            binding = bindings.bind_with_register(openid, *parts)
        else:
            return BIND_HELP
    except bindings.BindingRefused as refused:
        return str(refused)
    return f"绑定成功：{binding.owner.flat.label}，业主 {binding.owner.name}。\n\n" + HELP


def _accepting(owner) -> list[Vote]:
    """The flat's votes that take ballots now."""
    now = db_now(db.session)
    return [v for v in votes_for_flat(owner.flat_id) if v.status == "open" and v.opens_at <= now < v.closes_at]


def _open_votes(owner, url: Url) -> str:
    votes = _accepting(owner)
    if not votes:
        return "您的房屋现在没有进行中的表决。有新表决时会通知您。"
    lines = ["进行中的表决："]
    for vote in votes[:MAX_LISTED]:
        ballot = flat_ballot(vote, owner.flat_id)
        mine = f"您已投：{CHOICE_LABELS[ballot.choice]}" if ballot else "您还没有投"
        lines.append(f"【{vote.id}】{vote.matter}\n截止 {local(vote.closes_at)}，{mine}\n{url(f'/r/votes/{vote.id}')}")
    example = "同意" if len(votes) == 1 else f"同意 {votes[0].id}"
    lines.append(f"直接回复“{example}”、“不同意”或“弃权”即可表决。")
    return "\n".join(lines)


def _pick(owner, rest: str) -> tuple[Vote | None, str]:
    """The vote a choice is meant for: the only open one, or the one whose number was given."""
    votes = _accepting(owner)
    if rest.strip().isdigit():
        chosen = next((v for v in votes if v.id == int(rest)), None)
        return (chosen, "") if chosen else (None, f"没有编号为 {rest.strip()} 的进行中表决。请发送“投票”查看。")
    if len(votes) == 1:
        return votes[0], ""
    if not votes:
        return None, "您的房屋现在没有进行中的表决。"
    listing = "\n".join(f"【{v.id}】{v.matter}" for v in votes[:MAX_LISTED])
    return None, f"现在有{len(votes)}项表决，请加上编号，例如“同意 {votes[0].id}”：\n{listing}"


def _ballot(owner, choice: str, rest: str, message) -> str:
    vote, problem = _pick(owner, rest)
    if vote is None:
        return problem
    try:  # the delivery is the idempotency key: a retried delivery never votes twice
        entry = cast(vote.id, owner.flat, choice, channel="wechat",
                     idempotency_key=("wx:" + delivery_key(message))[:64], owner=owner)
    except BallotRefused as refused:
        return str(refused)
    return (f"已记录：{CHOICE_LABELS[entry.choice]}《{vote.matter}》。\n"
            f"回执码 {entry.receipt}，请保存。截止（{local(vote.closes_at)}）前可以改。")


def _my_ballots(owner) -> str:
    votes = votes_for_flat(owner.flat_id)[:MAX_LISTED]
    if not votes:
        return "您的房屋还没有参加过表决。"
    lines = [f"{owner.flat.label} 的投票："]
    for vote in votes:
        ballot = flat_ballot(vote, owner.flat_id)
        if ballot is None:
            lines.append(f"《{vote.matter}》：未投")
        else:
            lines.append(f"《{vote.matter}》：{CHOICE_LABELS[ballot.choice]}，回执码 {ballot.entry.receipt}")
    return "\n".join(lines)


def _progress(owner, rest: str) -> str:
    votes = [v for v in votes_for_flat(owner.flat_id) if v.status == "open"]
    if rest.strip().isdigit():
        votes = [v for v in votes if v.id == int(rest)]
    if not votes:
        return "您的房屋现在没有进行中的表决。"
    lines = []
    for vote in votes[:3]:
        tally = live_tally(vote)
        line = (f"《{vote.matter}》\n已投 {tally.participation_count}/{tally.total_count} 户，"
                f"同意 {tally.agree_count} 户。")
        if tally.passed:
            line += "已达到通过标准。"
        else:
            area = f"、面积 {tally.missing_area} 平方米" if tally.missing_area else ""
            line += f"还差同意 {tally.missing_count} 户{area}。"
        lines.append(line + f"截止 {local(vote.closes_at)}。")
    return "\n".join(lines)


def _complain(owner, text: str, router: Router) -> str:
    try:
        complaint, cut = file_complaint(text, "wechat", router, owner=owner)
    except ComplaintRefused as refused:
        return str(refused)
    note = f"（内容超过{MAX_TEXT}字，只保存了前{MAX_TEXT}字。）" if cut else ""
    if complaint.department is not None:
        handling = f"已转给{complaint.department.name}，{complaint.department.sla_hours}小时内处理。"
    else:
        handling = "社区工作人员会尽快交给负责的部门。"
    return f"已受理，编号 {complaint.ticket}。{note}\n{handling}\n有进展会通知您。发送“查询”可以随时查看。"


def _photo(message) -> str:
    binding = bindings.live_binding(message.source)
    if binding is None:
        return BIND_HELP
    try:
        complaint = add_chat_photo(binding.owner, getattr(message, "media_id", "") or "")
    except ComplaintRefused as refused:
        return str(refused)
    return f"照片收到了，附在工单 {complaint.ticket} 上。"


def _my_complaints(owner) -> str:
    tickets = for_flat(owner.flat_id)
    if not tickets:
        return "您还没有报修或投诉。需要时发送：报修 + 问题。"
    lines = ["您的报修和投诉："]
    for complaint in tickets:
        where = f"（{complaint.department.name}）" if complaint.department and complaint.status != "returned" else ""
        lines.append(f"{complaint.ticket} {complaint.status_label}{where}：{complaint.summary}")
    if any(c.status == "resolved" for c in tickets):
        lines.append("已办结的请打分：评价 5（5分最满意）。")
    return "\n".join(lines)


def _rate(owner, rest: str) -> str:
    """评价 [编号] 分数 [意见]: the named ticket, or the flat's latest one waiting for a rating."""
    parts = rest.split(" ", 2)
    ticket = parts.pop(0).upper() if parts and parts[0].upper().startswith("TS") else None
    stars = parts.pop(0) if parts else ""
    comment = " ".join(parts)
    tickets = for_flat(owner.flat_id, limit=50)
    if ticket:
        complaint = next((c for c in tickets if c.ticket == ticket), None)
        if complaint is None:
            return f"没有找到您房屋的工单 {ticket}。发送“查询”看看编号。"
    else:
        complaint = next((c for c in tickets if c.status == "resolved"), None)
        if complaint is None:
            return "您没有等待评价的报修。办结后会通知您。"
    try:
        rate(complaint, owner, stars, comment)
    except ComplaintRefused as refused:
        return str(refused)
    return f"谢谢您的评价：{complaint.ticket} {complaint.rating}分。"


def _demands(owner, rest: str, url: Url) -> str:
    """需求: the menu with numbers; 需求 14 17 3 想早点装电梯: the first three numbers are the top three."""
    survey = demands.open_for_flat(owner.flat)
    if survey is None:
        return "现在没有进行中的需求征集。开始时会通知您。"
    numbers = re.match(r"^[\d\s,，、]+", rest)
    if not numbers:
        lines = [f"《{survey.title}》截止 {local(survey.closes_at)}"]
        for category, label in CATEGORY_LABELS.items():
            items = [f"{i.position}{i.name}" for i in survey.items if i.category == category]
            if items:
                lines.append(f"{label}：" + " ".join(items))
        mine = demands.response_of(survey, owner.flat_id)
        if mine is not None:
            lines.append("您家已选：" + _picked(mine))
        lines.append("回复“需求”加编号，最想要的写在前面，例如：需求 14 17 3\n也可以在后面加一句话。"
                     f"\n在网页上选：{url(f'/r/demands/{survey.id}')}")
        return "\n".join(lines)
    positions = [int(n) for n in re.findall(r"\d+", numbers.group(0))]
    try:
        response = demands.answer(survey, owner, positions, positions[:3], rest[numbers.end():].strip(), "wechat")
    except demands.DemandRefused as refused:
        return str(refused)
    return f"已记录您家的需求：{_picked(response)}。截止（{local(survey.closes_at)}）前可以改。"


def _picked(response) -> str:
    ranked = sorted(response.choices, key=lambda c: (c.rank or 9, c.item.position))
    return "、".join(f"{'①②③'[c.rank - 1] if c.rank else ''}{c.item.name}" for c in ranked)


def _notices(owner, url: Url) -> str:
    listed = notices.for_flat(owner.flat)[:MAX_LISTED]
    if not listed:
        return "您的房屋现在没有方案公示。"
    lines = ["方案公示："]
    for notice in listed:
        period = f"公示到 {local(notice.ends_at)}" if notice.status == "published" else "公示已结束"
        lines.append(f"《{notice.title}》{period}\n{url(f'/r/notices/{notice.id}')}")
    lines.append("打开链接可以看全文、提意见或异议。")
    return "\n".join(lines)


def _surveys(owner, url: Url) -> str:
    listed = surveys.open_for_flat(owner.flat)[:MAX_LISTED]
    if not listed:
        return "现在没有进行中的问卷。"
    lines = ["请填写问卷："]
    for survey in listed:
        done = "（您家已填）" if surveys.has_answered(survey, owner.flat_id) else ""
        lines.append(f"《{survey.title}》{done}截止 {local(survey.closes_at)}\n{url(f'/r/surveys/{survey.id}')}")
    return "\n".join(lines)
