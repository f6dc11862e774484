"""Reading what residents type to bind their flat: "幸福里 3栋2单元301 张三 5678", "幸福里3号楼2单元301室张三
5678", "幸福里 三栋二单元三零一 张三 5678" or "幸福里 3-2-301 张三 5678"."""
import re
import unicodedata
from dataclasses import dataclass

_DIGIT = {"零": 0, "〇": 0, "o": 0, "一": 1, "幺": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
          "七": 7, "八": 8, "九": 9}
_NUMERAL = re.compile(r"[零〇一幺二两三四五六七八九十百]+")
# building, unit, flat: 3栋2单元301室, 3号楼2单元301, 3幢2单元301号, 3-2-301, 3 2 301 after the estate.
_SEP = r"[\s,，、]*"
_FLAT = re.compile(rf"(\d{{1,4}}){_SEP}(?:号楼|栋|幢|座|号|-|#){_SEP}(\d{{1,3}}){_SEP}(?:单元|门|-){_SEP}(\d{{1,5}}){_SEP}(?:室|号|房)?"
                   r"|(?<!\d)(\d{1,4})\s+(\d{1,3})\s+(\d{3,5})(?!\d)")
_PHONE = re.compile(r"(\d{4,11})\D*$")  # the last digits: 4, or a whole phone number (its last 4 count)
_SPACE = r"[\s,，、:：;；。.!！]*"
_ESTATE_LABELS = re.compile(rf"^{_SPACE}(?:绑定房屋|绑定|我家住在|我家在|我住在|我家|我住|住在)?{_SPACE}|{_SPACE}(?:小区)?{_SPACE}$")
_NAME_LABELS = re.compile(rf"^{_SPACE}(?:(?:业主姓名|业主|姓名|名字|我是|我叫)(?=[\s,，、:：\u4e00-\u9fff]))?{_SPACE}"
                          rf"|{_SPACE}(?:手机号码?后四位|手机尾号|手机后四位|尾号|后四位|手机号码?|手机|电话)?{_SPACE}$")


@dataclass(frozen=True)
class Details:
    estate: str
    flat_code: str  # building-unit-flat, as core.register.lookup.flat_by_code reads it
    name: str
    phone_last4: str


def chinese_number(numeral: str) -> int:
    """三 → 3, 十二 → 12, 二十 → 20, 三百零一 → 301, 三零一 → 301 (digit by digit)."""
    if "十" not in numeral and "百" not in numeral:
        return int("".join(str(_DIGIT[c]) for c in numeral))
    total, digit = 0, 0
    for char in numeral:
        if char == "百":
            total += (digit or 1) * 100
            digit = 0
        elif char == "十":
            total += (digit or 1) * 10
            digit = 0
        else:
            digit = _DIGIT[char]
    return total + digit


def _digits(text: str) -> str:
    """Chinese numerals in a flat address become digits (the estate's own name may hold numerals too,
    so only numerals followed by 栋/号楼/单元/室… or standing between such words are turned)."""
    def turn(match):
        after = text[match.end():match.end() + 2]
        before = text[max(0, match.start() - 2):match.start()]
        if re.match(r"号楼|栋|幢|座|号|单元|门|室|房", after) or re.search(r"单元|门$", before):
            return str(chinese_number(match.group()))
        return match.group()
    return _NUMERAL.sub(turn, text)


def parse(text: str) -> Details | str:
    """The binding details in a message, or a short Chinese sentence saying which part is missing."""
    text = _digits(unicodedata.normalize("NFKC", text or "").replace("－", "-").replace("—", "-").strip())
    flat = _FLAT.search(text)
    if flat is None:
        return "没看懂房号。请按“3栋2单元301”或“3-2-301”这样写。"
    estate = _ESTATE_LABELS.sub("", text[:flat.start()])
    rest = text[flat.end():]
    phone = _PHONE.search(rest)
    if phone is None:
        return "请在最后写上登记的手机号后四位，例如 5678。"
    name = _NAME_LABELS.sub("", rest[:phone.start()])
    if not estate:
        return "请写上小区名，例如：绑定 幸福里 3栋2单元301 张三 5678"
    if not name:
        return "请写上登记的业主姓名，例如：绑定 幸福里 3栋2单元301 张三 5678"
    building, unit, number = (g for g in flat.groups() if g is not None)
    return Details(estate, f"{int(building)}-{int(unit)}-{number}", name, phone.group(1)[-4:])
