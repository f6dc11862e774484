"""Which complaints are emergencies (紧急): a gas smell, someone trapped in a lift, a burst pipe, a fire
risk (e-bikes charged in the stairwell included), a falling facade or scaffolding or anything about to
fall, live wires. Pure functions, no database.

A short list of patterns a dispatcher would recognise, not a model: a missed emergency costs far more
than a false alarm, and a worker can see at once why a ticket was flagged. A match is ignored when the
clause denies it ("没有煤气味", "不是电梯困人", "煤气味已经没了"). A few words are emergencies only when the
classifier agrees on the department ("漏气" is urgent when it is the gas company's, not a tyre's).
"""
import re
from dataclasses import dataclass

LIFT_ADVICE = "请被困的人按电梯里的警铃或拨打电梯内的救援电话，不要扒门。"

# (what the dispatcher sees, pattern, the department the classifier must name or None, advice to the resident
#  [, what the whole message must also say])
RULES = (
    # "燃气管道漏气了" names the gas itself: urgent whatever labels the classifier in use knows.
    ("燃气泄漏", r"(煤气|燃气|天然气|液化气)(味|泄漏|泄露|外泄)|漏(煤气|燃气|天然气|液化气)|闻到.{0,6}(煤气|燃气|天然气)"
     r"|(煤气|燃气|天然气|液化气).{0,6}漏气",
     None, "请马上开窗通风、关掉燃气阀门，不要开关电器、不要在屋里打电话，到室外拨打燃气抢修电话。"),
    ("漏气", r"漏气|有股气味|一股.{0,2}味道?", "燃气",
     "请马上开窗通风、关掉燃气阀门，不要开关电器，到室外拨打燃气抢修电话。"),
    ("电梯困人", r"电梯困人|困在电梯|关在电梯|电梯.{0,8}(被困|困住|关住|出不来|卡住了人)|(被困|困住|关住).{0,6}电梯"
     r"|(有人|人)被?(困在里面|关在里面|出不来)",
     None, LIFT_ADVICE),
    # "电梯卡在三楼了，我妈被困在里面": the lift and the person are in two clauses.
    ("电梯困人", r"被?(困|关)在(里面|里头)|(里面|里头)(还|还有|有)个?(人|小孩|孩子|老人|娃)|出不来了?$", None,
     LIFT_ADVICE, r"电梯"),
    ("爆管", r"爆管|(水管|管子|管道|自来水管|暖气管).{0,4}(爆|裂开|炸开|崩了)|爆裂|往外喷水|水漫金山|家里.{0,4}淹了",
     None, "请先关掉家里的总水阀。"),
    ("火情", r"起火|着火|失火|冒烟|冒火|火苗|烧起来|(电线|插座|电表|电箱|线路|配电箱).{0,6}(打火|冒火|火花|烧焦|烧了|发烫冒烟)"
     r"|烧焦味|电线打火", None, "有明火请马上拨打119，先离开危险的地方。"),
    # E-bike batteries charged on a trailing wire or in a stairwell are what starts most residential fires.
    ("火灾隐患", r"飞线|(私拉|乱拉|私接).{0,4}电线|(电动车|电瓶车|电瓶).{0,10}(楼道|楼梯间|家里|屋里|室内|单元门?口|门厅).{0,4}充电(?!桩|柜|站|器|宝|线|口)"
     r"|(楼道|楼梯间|门厅).{0,8}充电(?!桩|柜|站|器|宝|线|口)", None,
     "请不要靠近正在充电的电动车，楼道里不要堆放杂物；有明火或冒烟请马上拨打119。"),
    ("漏电", r"漏电|触电|电到人|电线.{0,4}(掉|垂).{0,4}(地|路)", None, "请不要靠近，不要用手碰。"),
    # A collapsed step or road surface trips people up; it does not fall on them (checked before 高处坠落's 塌了).
    ("地面塌陷", r"(台阶|地面|路面|地砖|地坪|井盖|人行道|路基).{0,4}(塌|陷|坍|空了)", None,
     "请绕开走，看到的人请提醒老人和孩子别靠近。"),
    ("高处坠落", r"外墙.{0,6}(脱落|掉落|掉下|砸|要掉)|(墙皮|瓷砖|墙砖|空调外机|窗户|玻璃|广告牌).{0,6}(掉下来|砸|坠落|要掉|摇摇欲坠)"
     r"|脚手架.{0,6}(倒|塌|歪|垮|砸)|坍塌|倒塌|塌了|要塌|塌下来|砸到人|砸伤"
     r"|(要|快|随时|就要)(掉|砸|塌|落)下来|悬在半空|摇摇欲坠"
     r"|(空调外机|外机|空调架|支架|架子|防盗网|雨棚|花盆|招牌|太阳能).{0,6}(锈断|断了|松动|松了|摇摇晃晃|晃动)", None, "请不要从下面走，看到的人请提醒绕行。"),
)

# Emergencies whose department is never in doubt go there at once, whatever the classifier in use names (a
# street's 12345 model knows no 燃气) and however unsure it is: a gas leak is the gas company's, a person
# trapped in a lift the property company's (it calls the lift's maintainer). A burst pipe or a live wire may be
# the utility's or the property company's, a fire is 119's: those are left to the classifier and the workers.
DEPARTMENT = {"燃气泄漏": "燃气", "漏气": "燃气", "电梯困人": "物业"}

# Words in a clause before the match that deny it, and after it that say it is over.
NEGATION_BEFORE = re.compile(r"(没有|没|無|无|不是|并非|未|不再|不会|不存在|排除)")
OVER_AFTER = re.compile(r"^.{0,6}(没有了|没了|消失|散了|已经修好|修好了|已修好|排除|解决了|救出来了|已经好了)")
CLAUSE = re.compile(r"[，,。.！!？?；;\n]")
NEGATION_SPAN = 6

# A rule's optional fifth element: what the whole message must also say (the lift, when the clause says only
# "困在里面").
_COMPILED = tuple((label, re.compile(pattern), department, advice, re.compile(context[0]) if context else None)
                  for label, pattern, department, advice, *context in RULES)


@dataclass(frozen=True)
class Urgency:
    reason: str  # the rule's label: 燃气泄漏, 电梯困人, …
    words: str  # the words that matched
    advice: str  # what the resident should do now


# Asking is not denying: "是不是煤气味" is a worried resident.
QUESTION = re.compile(r"是不是|会不会|有没有|是否|不知道")


def _denied(clause: str, start: int, end: int, matched: str) -> bool:
    before = QUESTION.sub("", clause[max(0, start - NEGATION_SPAN):start])
    inside = QUESTION.sub("", matched.replace("出不来", ""))[1:]  # "电梯里没人被困"
    return bool(NEGATION_BEFORE.search(before) or NEGATION_BEFORE.search(inside) or OVER_AFTER.search(clause[end:]))


def detect(text: str, department: str | None = None) -> Urgency | None:
    """The first emergency the text reports, or None; `department` is the classifier's best label, if any."""
    for clause in CLAUSE.split(text or ""):
        for label, pattern, needs, advice, context in _COMPILED:
            if (needs is not None and needs != department) or (context is not None and not context.search(text)):
                continue
            for match in pattern.finditer(clause):
                if not _denied(clause, match.start(), match.end(), match.group(0)):
                    return Urgency(label, match.group(0), advice)
    return None
