"""What the bot says: plain words a 70-year-old types or says (or a menu button), answered in short Chinese.

`respond` takes a parsed message and returns the reply text ("" for none). A message is first an answer
to what the bot asked in the last minutes (core.residents.chat_state), else it is understood afresh
(bot.understand: exact rules, then the intent model). It works in the caller's transaction and never
commits; the endpoint commits once, together with the delivery record, so that a retried delivery can
neither vote twice nor answer differently.
"""
import re
from typing import Callable

from bot import addresses, voting
from bot.menu import command_for_key
from bot.understand import understand
from bot.voting import MAX_LISTED
from core.complaints.tickets import (MAX_TEXT, ComplaintRefused, Router, add_chat_photo, earlier_reporter, file_complaint,
                                     for_flat, rate, urgent_notice)
from core.consultation import demands, notices, surveys
from core.consultation.models.demand import CATEGORY_LABELS
from core.db import db, db_now, local
from core.residents import bindings, chat_state
from core.residents.links import issue_link
from core.votes import objections, proxies
from core.votes.tally import votes_for_flat
from nlp.intents import default_model
from nlp.intent_rules import as_typed

HELP = ("您好！直接说就行，比如“楼道灯坏了”“我同意”。也可以发送这些字：\n"
        "【投票】看正在进行的表决\n"
        "【同意】【不同意】【弃权】表明意见\n"
        "【我的投票】看我投了什么\n"
        "【进度】看表决进度\n"
        "【异议】表决截止后，认为我家意见记错了，如：异议 我投的是同意\n"
        "【报修】后面写上问题，如：报修 楼道灯不亮\n"
        "【查询】看报修和投诉的进展\n"
        "【评价】给办结的报修打分，如：评价 5\n"
        "【需求】说说小区改造最想要什么\n"
        "【公示】看改造方案公示\n"
        "【问卷】填满意度调查\n"
        "【网页】打开我的网页\n"
        "【绑定】绑定房屋　【解绑】解除绑定\n"
        "【帮助】看这段说明")

PROXY_HELP = ("您是受托人，可以替委托您的业主投票：\n"
              "【投票】看正在进行的表决\n"
              "【同意】【不同意】【弃权】表明意见\n"
              "【我的投票】看投了什么\n"
              "【进度】看表决进度\n"
              "【解绑】不再受托\n"
              "报修、提需求等请用业主本人的微信。")

BIND_HELP = ("请先绑定您的房屋。两种办法，任选一种：\n"
             "1. 发送社区给您的8位绑定码，例如：绑定 12345678\n"
             "2. 发送：绑定 小区名 楼栋-单元-房号 业主姓名 手机后四位\n"
             "例如：绑定 幸福里 3-2-301 张三 5678")

WELCOME = "欢迎关注！这里可以参加小区改造的表决，提意见，报问题。\n\n" + BIND_HELP

Url = Callable[[str], str]  # a site path → the absolute address residents open


YES = {"是", "是的", "对", "对的", "1", "确认", "好", "好的", "嗯", "要", "登记", "可以", "行", "ok", "yes", "y"}
NO = {"不", "不是", "否", "不要", "不用", "取消", "算了", "2", "no", "n", "不对", "错了"}
# What the bot offers when it did not understand (an intent → the words of the offer).
OFFERS = {"complaint": "报修或投诉", "list_votes": "参加表决", "progress": "看表决进度", "my_votes": "看我投了什么",
          "complaint_status": "查报修进展", "rate": "给报修打分", "demand": "说说改造需求", "notices": "看方案公示",
          "survey": "填问卷", "web_link": "打开我的网页", "bind": "绑定房屋", "unbind": "解除绑定", "help": "看使用帮助",
          "agree": "表示同意", "disagree": "表示不同意", "abstain": "表示弃权"}
# A message that only says "I want to complain" (and not what about) once these words are taken out.
_ONLY_ASKING = re.compile(r"我|要|想|需要|帮我|请|麻烦|给|一下|个|有|的|在|哪|里|怎么|如何|投诉|报修|报个修|举报|反映|"
                          r"问题|情况|事|登记|说|找|你们|能|可以|吗|呢|啊|吧|了")
CHOICES = {"agree", "disagree", "abstain"}


def respond(message, url: Url, router: Router) -> str:
    """The reply to one message or event from WeChat; `router` routes the complaints it files."""
    kind = message.type
    if kind in ("text", "voice"):
        said = (message.content if kind == "text" else getattr(message, "recognition", "")) or ""
        if not said.strip():
            return "没有听清，请再说一遍，或者打字发送。"
        return _said(message.source, said, message, url, router)
    event = getattr(message, "event", "")
    if event in ("subscribe", "subscribe_scan"):
        known = bindings.live_binding(message.source) is not None or proxies.bound_to(message.source)
        return "欢迎回来！\n\n" + HELP if known else WELCOME
    if event == "unsubscribe":
        bindings.unbind(message.source, "unsubscribed", sent_at=message.create_time)
        proxies.unbind(message.source)
        return ""
    if event == "click":
        command = command_for_key(message.key)
        return _said(message.source, command, message, url, router, menu=True) if command else HELP
    if kind == "event":
        return ""  # view, location, template-send reports …: nothing to say
    if kind == "image":
        return _photo(message)
    return "暂时只能看懂文字和语音。\n\n" + HELP


def _said(openid: str, said: str, message, url: Url, router: Router, menu: bool = False) -> str:
    """A typed or spoken message (or a menu button's words): first an answer to what the bot asked, if
    it asked something in the last minutes, else what the message itself asks for."""
    if re.match(r"^\s*异议", said):  # "异议 我投的是同意，记成了不同意": an objection to a vote's result
        owner = _owner(openid)
        return _object(owner, re.sub(r"^\s*异议[\s:：,，]*", "", said)) if owner else BIND_HELP
    heard = understand(said)
    expecting = None if menu else chat_state.current(openid)
    if expecting is not None:
        chat_state.forget(openid)
        answer = _answer(expecting, openid, said, heard, message, url, router)
        if answer is not None:
            return answer
    return _act(openid, said, heard, message, url, router)


def _answer(expecting, openid: str, said: str, heard, message, url: Url, router: Router) -> str | None:
    """The reply when the message answers the bot's question; None when it asks something new instead."""
    what, data, normal = expecting.what, expecting.data, heard.normal
    owner = _owner(openid)
    if what == "bind_details":
        if bindings.live_binding(openid) is not None or not re.search(r"\d|[一二三四五六七八九十]", said):
            return None  # bound meanwhile, or not details at all ("你好"): read afresh
        return None if heard.by == "rule" and heard.intent != "bind" else _bind(openid, heard, said)
    if what == "confirm_unbind":
        if normal in YES:
            return _unbind(openid, owner, voting.voices(openid, owner))
        return "好的，没有解除绑定。" if normal in NO else None
    if what == "pick_vote" and normal.isdigit():
        return voting.ballot(voting.voices(openid, owner), data["choice"], int(normal), message, openid)
    if what == "confirm_ballot":
        if normal in YES:
            return voting.confirmed(voting.voices(openid, owner), data, message)
        if normal in NO:
            return "好的，没有记录。发送“投票”可以看正在进行的表决。"
        return None
    if owner is None:
        return None
    if what == "confirm_complaint":
        if normal in YES:
            return _complain(owner, data["text"], router)
        if normal in NO:
            return "好的，没有登记。需要时再告诉我。"
        return "（刚才的问题没有登记。）\n" + _act(openid, said, heard, message, url, router)
    if what == "complaint_text":
        if normal in NO:
            return "好的，已取消。"
        if heard.by == "rule" and heard.intent not in ("complaint", "other"):
            return None
        return _complain(owner, said.strip(), router)
    if what == "rating":
        stars = heard.slots.get("stars") or (int(normal) if normal in ("1", "2", "3", "4", "5") else None)
        return _rate(owner, stars, heard.slots.get("ticket"), as_typed(said, heard.slots.get("comment", ""))) \
            if stars else None
    numbered = _NUMBERS_FIRST.match(said) if what == "demand_menu" else None
    if numbered:
        return _demands(openid, owner, [int(n) for n in re.findall(r"\d+", numbered.group(1))],
                        numbered.group(2), url)
    if what == "survey_links" and (normal.isdigit() or heard.intent == "rate"):
        return "问卷要点开链接，在页面上填写；聊天里回复的分数不会记入问卷。\n" + _surveys(openid, owner, url)
    if what == "pick_offer" and normal.isdigit() and 1 <= int(normal) <= len(data["intents"]):
        offered = data["intents"][int(normal) - 1]
        return _act(openid, "", _Heard(offered), message, url, router)
    return None


def likeliest(normal: str) -> list[str]:
    """The intents the model finds likeliest for a message, best first (for the offer of three)."""
    model = default_model()
    row = model.probabilities([normal])[0]
    return [model.intents[i] for i in row.argsort()[::-1]]


class _Heard:
    """An intent the resident picked from the bot's offer (as if they had said it plainly)."""

    def __init__(self, intent: str):
        self.intent, self.confidence, self.by, self.slots, self.normal = intent, 1.0, "offer", {}, ""


def _owner(openid: str):
    binding = bindings.live_binding(openid)
    return binding.owner if binding else None


# Below these the model's guess is offered, not acted on: a ballot needs a surer guess than a question.
UNSURE = 0.4
UNSURE_BALLOT = 0.6


def _act(openid: str, said: str, heard, message, url: Url, router: Router) -> str:
    intent, slots = heard.intent, heard.slots
    if heard.by == "model" and heard.confidence < (UNSURE_BALLOT if intent in CHOICES else UNSURE):
        return _offer(openid, heard, _owner(openid))
    if intent == "bind":
        return _bind(openid, heard, said)
    owner = _owner(openid)
    speaking = voting.voices(openid, owner)
    if intent == "help":
        return HELP if owner else PROXY_HELP if speaking else WELCOME
    if intent == "other":
        return _offer(openid, heard, owner)
    if not speaking:
        gone = proxies.lapsed(openid)  # a proxy who was bound: say why they no longer vote
        if gone is not None:
            return (f"您受托为{gone.flat.label}投票的委托{proxies.state(gone, db_now(db.session))}，"
                    "不能再替这套房屋投票。如有疑问，请联系社区。\n\n" + BIND_HELP)
        return BIND_HELP
    if intent == "unbind":  # asked first: binding again needs the worker's code or the register's details
        chat_state.expect(openid, "confirm_unbind")
        flats = "、".join(voice.label for voice in speaking)
        return (f"确定要解除与 {flats} 的绑定吗？解除后这个微信不能再投票、报修，要重新绑定。\n"
                "回复“是”解除，回复“不”取消。")
    if intent == "list_votes":
        return voting.open_votes(speaking, url)
    if intent in CHOICES:
        return voting.ballot(speaking, intent, slots.get("vote"), message, openid, said)
    if intent == "my_votes":
        return voting.my_ballots(speaking)
    if intent == "progress":
        return voting.progress(speaking, slots.get("vote"))
    if owner is None:  # a proxy only: the principal's other business is the principal's
        return PROXY_HELP
    if intent == "web_link":
        return f"请在30分钟内打开（只能用一次）：\n{url('/r/login/' + issue_link(owner))}"
    if intent == "complaint":
        return _complaint_said(openid, owner, said, heard, router)
    if intent == "complaint_status":
        return _my_complaints(owner)
    if intent == "rate":
        if slots.get("stars"):
            return _rate(owner, slots["stars"], slots.get("ticket"), as_typed(said, slots.get("comment", "")))
        waiting = _awaiting_rating(owner)
        if waiting is None:
            return "您没有等待评价的报修。办结后会通知您。问卷请发送“问卷”，点开链接填写。"
        chat_state.expect(openid, "rating")  # say what is rated: a "5" meant for a survey must not score a ticket
        return (f"给报修 {waiting.ticket}（{_gist(waiting.text)}）打分：请回复 1 到 5 的数字，5 分最满意。"
                "问卷请点开问卷链接填写。")
    if intent == "demand":
        return _demands(openid, owner, slots.get("items"), as_typed(said, slots.get("comment", "")), url)
    if intent == "notices":
        return _notices(owner, url)
    if intent == "survey":
        return _surveys(openid, owner, url)
    return _offer(openid, heard, owner)


def _unbind(openid: str, owner, speaking) -> str:
    if owner is not None:
        bindings.unbind(openid)
    held = proxies.unbind(openid)
    flats = "、".join(voice.label for voice in speaking)
    return f"已解除与 {flats} 的绑定。" if owner is not None or held else "您还没有绑定房屋。"


def _offer(openid: str, heard, owner) -> str:
    """Not understood: a greeting gets a greeting; anything else the three likeliest things, by number."""
    if heard.by == "empty":
        return "没有看到文字，请再发一次。"
    if heard.confidence >= 0.6 and heard.intent == "other":
        return "您好！需要时直接说，比如“楼道灯坏了”“我同意”“进度怎么样”。发送“帮助”看能做什么。"
    intents = [i for i in likeliest(heard.normal) if i in OFFERS and (owner is not None or i in ("bind", "help"))]
    if owner is None:
        intents = ["bind", "help"]
    intents = intents[:3] or ["help"]
    chat_state.expect(openid, "pick_offer", {"intents": intents})
    lines = ["没太明白您的意思。您是想："] + [f"{n}. {OFFERS[i]}" for n, i in enumerate(intents, start=1)]
    return "\n".join(lines + ["回复数字就行，或发送“帮助”。"])


def _complaint_said(openid: str, owner, said: str, heard, router: Router) -> str:
    """A problem told in plain words is confirmed once before it is filed; 报修/投诉 + the problem is filed
    at once (the resident said what they want); "我要投诉" alone asks what the problem is."""
    text = said.strip()
    for word in ("报修", "投诉"):
        if heard.normal.startswith(word) and len(_ONLY_ASKING.sub("", heard.normal)) >= 2:
            return _complain(owner, re.sub(rf"^\s*{word}[\s:：,，]*", "", text), router)
    if len(_ONLY_ASKING.sub("", heard.normal.replace(" ", ""))) < 2:
        chat_state.expect(openid, "complaint_text")
        return "请说说是什么问题、在哪里，比如：3栋2单元楼道灯不亮。"
    chat_state.expect(openid, "confirm_complaint", {"text": text})
    return f"要登记为报修吗？\n“{text[:60]}”\n回复“是”确认，回复“不”取消。"


def _bind(openid: str, heard, said: str) -> str:
    """绑定 + an 8-digit code, or + estate, flat, name and phone's last four; 绑定 alone asks for them."""
    typed = re.sub(r"^\s*绑定(房屋)?", "", said).strip()
    # A flat in the message means register details, even when its last digits look like a code.
    code = heard.slots.get("code") if isinstance(addresses.parse(typed), str) else None
    try:
        if code:
            bindings.check_code_allowed(openid)
            proxy = proxies.bind_with_code(openid, code)
            if proxy is not None:
                return (f"绑定成功：您是 {proxy.flat.label} 的受托人，可以替业主代表投票。\n"
                        "发送“投票”看正在进行的表决。")
            binding = bindings.bind_with_code(openid, code)
        else:
            details = typed or heard.slots.get("details")
            current = bindings.live_binding(openid)
            if current is not None:  # never ask an owner who is bound for binding details
                return f"您已绑定 {current.owner.flat.label}。如需更换，请先发送“解绑”。"
            if not details:
                chat_state.expect(openid, "bind_details")
                return BIND_HELP
            parsed = addresses.parse(details)
            if isinstance(parsed, str):
                chat_state.expect(openid, "bind_details")
                return parsed
            binding = bindings.bind_with_register(openid, parsed.estate, parsed.flat_code, parsed.name,
                                                  parsed.phone_last4)
    except bindings.BindingRefused as refused:
        return str(refused)
    return f"绑定成功：{binding.owner.flat.label}，业主 {binding.owner.name}。\n\n" + HELP


def _object(owner, text: str) -> str:
    """询异 by chat: the flat's closed vote whose objection window is open (its number first if several)."""
    in_window = [v for v in votes_for_flat(owner.flat_id) if objections.result_status(v) == "objection"]
    number, _, rest = text.partition(" ")
    if number.isdigit() and any(v.id == int(number) for v in in_window):
        in_window, text = [v for v in in_window if v.id == int(number)], rest.strip()
    if not in_window:
        if any(v.status == "open" for v in votes_for_flat(owner.flat_id)):
            return ("您的房屋现在没有处在异议期的表决。表决还在进行：投错了直接改投即可，例如回复“不同意”，"
                    "截止前以最后一次为准。表决结束后的异议期内，才可以发“异议 说明”。")
        return "您的房屋现在没有处在异议期的表决。"
    if len(in_window) > 1:
        listing = "\n".join(f"【{v.id}】{v.matter}" for v in in_window[:MAX_LISTED])
        return f"有{len(in_window)}项表决在异议期，请加上编号，例如“异议 {in_window[0].id} 说明”：\n{listing}"
    vote = in_window[0]
    try:
        objections.raise_objection(vote, owner, text, channel="wechat")
    except objections.ObjectionRefused as refused:
        return str(refused)
    return f"已收到您对《{vote.matter}》的异议。社区工作人员会在表决页面公开答复。"


def _complain(owner, text: str, router: Router) -> str:
    try:
        complaint, cut = file_complaint(text, "wechat", router, owner=owner)
    except ComplaintRefused as refused:
        return str(refused)
    note = f"（内容超过{MAX_TEXT}字，只保存了前{MAX_TEXT}字。）" if cut else ""
    lead = complaint.lead
    if lead is not complaint:
        handling = (f"{earlier_reporter(complaint)}已经报过同一个问题（编号 {lead.ticket}，共 {complaint.reporters} 户反映），合并办理"
                    + (f"，由{lead.department.name}负责" if lead.department and lead.status != "returned" else "")
                    + "。" + urgent_notice(lead))
    elif complaint.urgent:
        where = (f"已转给{complaint.department.name}，" if complaint.department is not None
                 else "已通知值班人员，" if router.duty_openids else "已提醒社区工作人员优先处理，")
        handling = where + urgent_notice(complaint)
    elif complaint.department is not None:
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
        lead = complaint.lead  # a ticket merged into another is handled by that one's department
        where = f"（{lead.department.name}）" if lead.department and complaint.status not in ("returned", "declined") else ""
        lines.append(f"{complaint.ticket} {complaint.status_label}{where}：{complaint.summary}")
        if complaint.status == "declined" and complaint.events:
            lines.append(f"  原因：{complaint.events[-1].note}")
    if any(c.status == "resolved" for c in tickets):
        lines.append("已办结的请打分：评价 5（5分最满意）。")
    lines.append("报新问题请发送：报修 + 问题。")
    return "\n".join(lines)


def _awaiting_rating(owner):
    """The flat's latest ticket that is resolved and not yet rated (the one a bare score is for), or None."""
    return next((c for c in for_flat(owner.flat_id, limit=50) if c.status == "resolved"), None)


def _rate(owner, stars: int, ticket: str | None = None, comment: str = "") -> str:
    """A score for the named ticket, or for the flat's latest one waiting for a rating."""
    if ticket:
        complaint = next((c for c in for_flat(owner.flat_id, limit=50) if c.ticket == ticket), None)
        if complaint is None:
            return f"没有找到您房屋的工单 {ticket}。发送“查询”看看编号。"
    else:
        complaint = _awaiting_rating(owner)
        if complaint is None:
            return "您没有等待评价的报修。办结后会通知您。"
    try:
        rate(complaint, owner, str(stars), comment)
    except ComplaintRefused as refused:
        return str(refused)
    return f"谢谢您的评价：{complaint.ticket} {complaint.rating}分。"


# "14 17 3 想早点装电梯" right after the demand menu: its numbers, then an optional sentence.
_NUMBERS_FIRST = re.compile(r"^\s*(\d+(?:[\s,，、]+\d+)*)\s*(.*)$", re.S)


def _demands(openid: str, owner, positions: list[int] | None, comment: str, url: Url) -> str:
    """需求: the menu with numbers; 需求 14 17 3 想早点装电梯: the first three numbers are the top three."""
    survey = demands.open_for_flat(owner.flat)
    if survey is None:
        return "现在没有进行中的需求征集。开始时会通知您。"
    if not positions:
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
        chat_state.expect(openid, "demand_menu")  # the numbers may come next without the word 需求
        return "\n".join(lines)
    try:
        response = demands.answer(survey, owner, positions, positions[:3], comment.strip(), "wechat")
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


def _gist(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 16 else text[:15] + "…"


def _surveys(openid: str, owner, url: Url) -> str:
    listed = surveys.open_for_flat(owner.flat)[:MAX_LISTED]
    if not listed:
        demand = demands.open_for_flat(owner.flat)
        return f"现在没有满意度问卷。正在征集改造需求《{demand.title}》，发送“需求”参加。" if demand else "现在没有进行中的问卷。"
    lines = ["请填写问卷："]
    for survey in listed:
        done = "（您家已填）" if surveys.has_answered(survey, owner.flat_id) else ""
        lines.append(f"《{survey.title}》{done}截止 {local(survey.closes_at)}\n{url(f'/r/surveys/{survey.id}')}")
    # A number sent next is an answer meant for the survey: it is answered on its page, not in the chat.
    chat_state.expect(openid, "survey_links")
    return "\n".join(lines)
