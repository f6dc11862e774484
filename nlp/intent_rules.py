"""What a chat message says before any model looks at it: one normal form, and rules for the exact things.

Residents type on phones in full-width, speak through WeChat's speech recognition (which adds "，" and
"。" and keeps the 嗯 and 那个), and press menu buttons that send fixed words. The normal form makes all
of these look alike; the rules catch what must never be left to a guess: an 8-digit binding code
(spaces allowed), a score after 评价, a menu word on its own, a vote number after 同意.
"""
import re
import unicodedata
from dataclasses import dataclass, field

# Punctuation residents and speech recognition put between words; after NFKC the full-width forms
# are ASCII already, the CJK ones are not.
_PUNCTUATION = re.compile(r"[\s,.!?;:~、。…·‘’“”\"'()（）【】\[\]《》<>「」『』|/\\*#^_=+—–]+")
# Speech recognition keeps hesitations; only dropped where a pause (punctuation) follows them,
# so that "那个投票" keeps its 那个.
_FILLER = re.compile(r"^(?:嗯+|呃+|额+|啊+|哦+|噢+|喔+|喂+|哎+|唉+|诶+|欸+|那个|这个|就是|就是说|我说|请问|你好|您好)\s+")
_CHINESE_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "1": 1, "2": 2, "3": 3, "4": 4, "5": 5}


def normalise(text: str) -> str:
    """The normal form of a message: NFKC (full-width → half-width), lower case, leading fillers
    dropped, every run of punctuation or space made one space, no space at either end."""
    text = unicodedata.normalize("NFKC", text or "").lower().strip()
    if text and set(text) <= {"?"}:
        return "?"  # a lone question mark asks for help (it was a command before there was a model)
    text = _PUNCTUATION.sub(" ", text).strip()
    while _FILLER.match(text):  # "嗯，那个，…": several fillers in a row
        text = _FILLER.sub("", text, count=1)
    return text


def as_typed(said: str, tail: str) -> str:
    """A slot read from the end of the normal form (a rating's or a demand answer's comment), as the resident
    typed it: the shortest end of the message that normalises to it, punctuation and case kept. Workers read
    and export these words; "师傅很快 态度好 ok" is not what was said. Falls back to the slot itself."""
    if not tail:
        return tail
    for start in range(len(said) - 1, -1, -1):
        if normalise(said[start:]) == tail:
            return said[start:].strip()
    return tail


@dataclass(frozen=True)
class RuleMatch:
    intent: str
    slots: dict = field(default_factory=dict)  # what the rule read: {"code": "88265025"}, {"stars": 5}, {"vote": 3}


# A whole message that is exactly one of the bot's words (what the click menu and the help text send).
KEYWORDS = {
    "投票": "list_votes", "表决": "list_votes", "当前表决": "list_votes",
    "同意": "agree", "赞成": "agree", "不同意": "disagree", "反对": "disagree", "弃权": "abstain",
    "我的投票": "my_votes", "进度": "progress", "表决进度": "progress",
    "报修": "complaint", "投诉": "complaint", "报修投诉": "complaint",
    "查询": "complaint_status", "查询进度": "complaint_status",
    "评价": "rate", "需求": "demand", "需求征集": "demand",
    "公示": "notices", "方案公示": "notices",
    "问卷": "survey", "满意度问卷": "survey", "满意度调查": "survey",
    "网页": "web_link", "链接": "web_link", "登录": "web_link", "我的网页": "web_link",
    "绑定": "bind", "绑定房屋": "bind", "解绑": "unbind", "解除绑定": "unbind",
    "帮助": "help", "菜单": "help", "使用帮助": "help", "?": "help",
}
_CHOICES = {"同意": "agree", "赞成": "agree", "不同意": "disagree", "反对": "disagree", "弃权": "abstain"}
# 同意 3, 不同意3, 弃权 第2个: a ballot for vote number n (the bot asks for one when several are open).
_BALLOT = re.compile(r"^(同意|赞成|不同意|反对|弃权)\s*第?\s*(\d{1,5})\s*(?:号|个|项)?$")
_PROGRESS = re.compile(r"^进度\s*(\d{1,5})$")
# The code: 8 digits, typed as 88265025, 8826 5025 or 8826-5025, alone or after 绑定 / 绑定码 (是).
_CODE = re.compile(r"^(?:我的)?(?:绑定码?|验证码|码)?\s*(?:是|为)?\s*:?\s*((?:\d[\s-]?){7}\d)$")
# The same code inside a sentence that says it is one: 社区给的码是 4451 9087, 帮我绑上 77120984.
_CODE_IN_SENTENCE = re.compile(r"(?<!\d)((?:\d[\s-]?){7}\d)(?!\d)")
_ABOUT_A_CODE = re.compile(r"码|绑(?!.*解)")
# 评价 [TS…] 5 [意见], 评分 4, 打5分, 5分, 五星, 评价:5分 很满意.
_RATE = re.compile(r"^(?:评价|评分|打分|打)\s*(ts\d+)?\s*(?:打|给)?\s*([1-5一二两三四五])(?!\d)\s*(?:分|星|颗星)?(?:\s*(.*))?$")
_STARS = re.compile(r"^([1-5一二两三四五])\s*(?:分|星|颗星)(?:\s*好评|\s*差评)?$")
# 绑定 幸福里 3栋1单元301 张三 5678, 绑定 幸福里 3-1-301 …: the register's details (the bot parses them).
_BIND_DETAILS = re.compile(r"^绑定(?!码在|码哪|码怎)(?=.*\d)(?!.*(?:解|取消|换|错))")
# 需求 14 17 3 想早点装电梯: the demand survey's numbered answer.
_DEMAND = re.compile(r"^需求\s*(\d{1,2}(?:\s*\d{1,2})*)(?:\s*(.*))?$")


def match(text: str) -> RuleMatch | None:
    """The intent of a normalised message when an exact rule decides it, else None (the model's turn)."""
    if not text:
        return None
    if text in KEYWORDS:
        return RuleMatch(KEYWORDS[text])
    code = _CODE.match(text)
    if code:
        return RuleMatch("bind", {"code": re.sub(r"\D", "", code.group(1))})
    if _ABOUT_A_CODE.search(text) and "解" not in text:
        codes = _CODE_IN_SENTENCE.findall(text)
        if len(codes) == 1:
            return RuleMatch("bind", {"code": re.sub(r"\D", "", codes[0])})
    if _BIND_DETAILS.match(text):
        return RuleMatch("bind", {"details": text[2:].strip()})
    ballot = _BALLOT.match(text)
    if ballot:
        return RuleMatch(_CHOICES[ballot.group(1)], {"vote": int(ballot.group(2))})
    progress = _PROGRESS.match(text)
    if progress:
        return RuleMatch("progress", {"vote": int(progress.group(1))})
    rated = _RATE.match(text)
    if rated:
        slots = {"stars": _CHINESE_DIGITS[rated.group(2)]}
        if rated.group(1):
            slots["ticket"] = rated.group(1).upper()
        if rated.group(3):
            slots["comment"] = rated.group(3)
        return RuleMatch("rate", slots)
    stars = _STARS.match(text)
    if stars:
        return RuleMatch("rate", {"stars": _CHINESE_DIGITS[stars.group(1)]})
    demand = _DEMAND.match(text)
    if demand:
        slots = {"items": [int(n) for n in re.findall(r"\d+", demand.group(1))]}
        if demand.group(2):
            slots["comment"] = demand.group(2)
        return RuleMatch("demand", slots)
    return None
