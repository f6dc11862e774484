"""Keeping the register by hand: new street offices, communities and estates, an estate's facts, and correcting
one flat or one owner without re-importing the estate's file. Every change is audited; flush, never commit.

Open votes are not touched: their electorate (flats and areas) was frozen when they were published."""
import re
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select

from core import audit
from core.db import SHANGHAI, db, db_now
from core.register.models import Building, Community, Estate, Flat, Owner, Street
from core.register.privacy import looks_like_phone
from core.register.sheet import MAX_AREA, building_sort_key, normalize_building

MAX_NAME = 80


class RegisterError(ValueError):
    """A change that was not made; the message (Chinese) is for the person who tried."""


def _name(value: str, what: str, limit: int = MAX_NAME) -> str:
    value = " ".join((value or "").split())
    if not value:
        raise RegisterError(f"请填写{what}。")
    if len(value) > limit:
        raise RegisterError(f"{what}不能超过 {limit} 个字。")
    return value


def create_street(actor, name: str) -> Street:
    name = _name(name, "街道名称")
    if db.session.scalar(select(Street.id).where(Street.name == name)) is not None:
        raise RegisterError(f"已有名为“{name}”的街道。")
    street = Street(name=name)
    db.session.add(street)
    db.session.flush()
    audit.record(actor, "register.street_create", f"street:{street.id}", name)
    return street


def create_community(actor, street: Street, name: str) -> Community:
    name = _name(name, "社区名称")
    # Names are unique across streets too: staff accounts and the CLI name a community by its name alone.
    if db.session.scalar(select(Community.id).where(Community.name == name)) is not None:
        raise RegisterError(f"已有名为“{name}”的社区。")
    community = Community(street=street, name=name)
    db.session.add(community)
    db.session.flush()
    audit.record(actor, "register.community_create", f"community:{community.id}", f"{street.name} {name}")
    return community


# The facts that decide eligibility (core.register.eligibility), as a worker ticks them.
ESTATE_FACTS = {
    "structurally_safe": "房屋结构安全达标",
    "preconditions_met": "前置条件已满足（党组织、居民公约、拆违、出资、后期物业）",
    "in_demolition_plan": "已列入拆迁或征收计划",
    "in_shantytown_plan": "已列入棚户区改造计划",
    "mainly_self_built": "以自建房为主或属城中村",
    "renovated_under_sangong": "已通过“三供一业”完成改造",
}
EARLIEST_YEAR = 1900


def _year(text) -> int:
    text = str(text or "").strip().removesuffix("年")
    this_year = db_now(db.session).astimezone(SHANGHAI).year  # Beijing's year
    if not text.isdigit() or not EARLIEST_YEAR <= int(text) <= this_year:
        raise RegisterError(f"建成年份请填 {EARLIEST_YEAR} 到 {this_year} 之间的四位数字，如 1995。")
    return int(text)


def _building_numbers(text: str) -> list[str]:
    """"1,2,3" or "1 2 3" or "1号楼、2号楼" → ["1", "2", "3"], in the order given, without repeats."""
    numbers = []
    for part in re.split(r"[,，、;；\s]+", text or ""):
        number = normalize_building(part.strip())
        if not number:
            continue
        if len(number) > 20:
            raise RegisterError(f"楼栋号“{number[:20]}…”太长（20 个字以内）。")
        if number not in numbers:
            numbers.append(number)
    return numbers


def save_estate(actor, community: Community, estate: Estate | None, form: dict) -> tuple[Estate, list[str]]:
    """Create an estate (estate None) or change its name, address, year and facts, and add buildings (never
    remove: flats hang on them). `form`: the fields as typed, facts present when ticked. Returns the estate
    and what changed, in words; raises RegisterError and changes nothing."""
    name = _name(form.get("name", ""), "小区名称")
    address = " ".join((form.get("address") or "").split())
    if len(address) > 200:
        raise RegisterError("地址不能超过 200 个字。")
    year = _year(form.get("year_built"))
    numbers = _building_numbers(form.get("buildings", ""))
    if estate is None and not numbers:
        raise RegisterError("请填写楼栋号，如 1,2,3。")
    clash = db.session.scalar(select(Estate.id).where(Estate.community_id == community.id, Estate.name == name))
    if clash is not None and (estate is None or clash != estate.id):
        raise RegisterError(f"{community.name}已有名为“{name}”的小区。")
    facts = {fact: bool(form.get(fact)) for fact in ESTATE_FACTS}
    created = estate is None
    if created:
        estate = Estate(community=community, name=name, address=address, year_built=year, building_count=0, **facts)
        db.session.add(estate)
        changes = [f"新建小区 {name}"]
    else:
        changes = []
        for field, label, value in (("name", "名称", name), ("address", "地址", address), ("year_built", "建成年份", year)):
            if getattr(estate, field) != value:
                changes.append(f"{label}：{getattr(estate, field) or '（空）'} → {value or '（空）'}")
                setattr(estate, field, value)
        for fact, label in ESTATE_FACTS.items():
            if getattr(estate, fact) != facts[fact]:
                changes.append(f"{label}：{'是' if facts[fact] else '否'}")
                setattr(estate, fact, facts[fact])
    known = {b.number for b in estate.buildings}
    added = [n for n in numbers if n not in known]
    for number in added:
        estate.buildings.append(Building(number=number, sort_key=building_sort_key(number)))
    if added and not created:
        changes.append("新增楼栋：" + "、".join(added))
    estate.building_count = len(estate.buildings)
    db.session.flush()
    if changes:
        action = "register.estate_create" if created else "register.estate_update"
        audit.record(actor, action, f"estate:{estate.id}", "；".join(changes)[:500])
    return estate, changes


def parse_area(text: str) -> Decimal:
    plain = (text or "").replace("㎡", "").strip()
    if not re.fullmatch(r"\d+(\.\d+)?", plain):  # "1e3" and "NaN" are numbers to Decimal, not to a worker
        raise RegisterError(f"专有面积“{text}”不是数字。")
    try:
        area = Decimal(plain)
    except InvalidOperation:
        raise RegisterError(f"专有面积“{text}”不是数字。") from None
    if not area.is_finite() or area <= 0 or area >= MAX_AREA:
        raise RegisterError(f"专有面积应在 0 到 {MAX_AREA} 平方米之间。")
    if area != area.quantize(Decimal("0.01")):
        raise RegisterError("专有面积最多两位小数。")
    return area.quantize(Decimal("0.01"))


def update_flat(actor, flat: Flat, area: str, floor: str) -> list[str]:
    """Correct a flat's area and floor; returns what changed (empty: nothing)."""
    new_area = parse_area(area)
    floor = (floor or "").strip()
    if floor and not re.fullmatch(r"-?\d{1,3}", floor):
        raise RegisterError(f"楼层“{floor}”应是整数。")
    new_floor = int(floor) if floor else None
    changes = []
    if Decimal(flat.area) != new_area:
        changes.append(f"专有面积 {Decimal(flat.area):.2f} → {new_area:.2f}")
        flat.area = new_area
    if flat.floor != new_floor:
        def shown(floor):
            return "空" if floor is None else floor
        changes.append(f"楼层 {shown(flat.floor)} → {shown(new_floor)}")
        flat.floor = new_floor
    if changes:
        db.session.flush()
        audit.record(actor, "register.flat_update", f"flat:{flat.id}", f"{flat.label}：" + "；".join(changes))
    return changes


def update_owner(actor, owner: Owner, name: str, phone: str, id_last4: str) -> list[str]:
    """Correct an owner's name, phone and the last four characters of the ID card; returns what changed."""
    name = _name(name, "业主姓名", 40)
    phone = (phone or "").strip()
    if phone and not looks_like_phone(phone):
        raise RegisterError(f"“{phone}”不像电话号码。")
    id_last4 = (id_last4 or "").strip().upper()
    if id_last4 and not re.fullmatch(r"\d{3}[\dX]", id_last4):
        raise RegisterError("身份证后四位应是 4 位数字（末位可为 X）。")
    clash = db.session.scalar(select(func.count(Owner.id)).where(Owner.flat_id == owner.flat_id, Owner.name == name,
                                                                 Owner.id != owner.id))
    if clash:
        raise RegisterError(f"这户已有一位叫“{name}”的业主。")
    # The audit names what changed, not the personal data itself (the log is read more widely than the register).
    changes = [what for what, old, new in (("姓名", owner.name, name), ("电话", owner.phone, phone),
                                            ("身份证后四位", owner.id_last4, id_last4)) if old != new]
    owner.name, owner.phone, owner.id_last4 = name, phone, id_last4
    if changes:
        db.session.flush()
        audit.record(actor, "register.owner_update", f"owner:{owner.id}",
                     f"{owner.flat.label}：改了" + "、".join(changes))
    return changes
