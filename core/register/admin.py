"""Keeping the register by hand: new street offices and communities, and correcting one flat or one owner
without re-importing the estate's file. Every change is audited; flush, never commit.

Open votes are not touched: their electorate (flats and areas) was frozen when they were published."""
import re
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select

from core import audit
from core.db import db
from core.register.models import Community, Flat, Owner, Street
from core.register.sheet import MAX_AREA

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


def parse_area(text: str) -> Decimal:
    try:
        area = Decimal((text or "").replace("㎡", "").strip())
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
    if phone and not re.fullmatch(r"[0-9+\-]{7,20}", phone):
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
