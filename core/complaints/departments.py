"""The departments complaints are routed to: the default list (DOMAIN.md, 资阳 001's responsibility
annex), copied for each street, and each street office's edits and additions. Flush, never commit."""
from sqlalchemy import func, select

from core import audit
from core.accounts import Role
from core.complaints.models import Department
from core.db import db
from core.register.models import Community, Estate, Street

# (code = the classifier's label, name, what it handles, response deadline in hours)
DEFAULTS = (
    ("住建", "住建局", "改造工程协调，小区道路、管网、房屋本体，加装电梯，维修资金", 120),
    ("城管执法", "城管执法局", "违章搭建，占道经营，店招广告，环卫设施", 72),
    ("公安", "公安局（派出所）", "治安，监控，门禁，诈骗，高空抛物", 48),
    ("民政", "民政局", "养老设施，低保与救助，适老化，业主自治组织", 120),
    ("自然资源和规划", "自然资源和规划局", "规划许可，不动产登记，用地", 168),
    ("供水", "供水公司", "停水，水压，水质，二次供水，水表", 24),
    ("供电", "供电公司", "停电，电表，线路，充电桩报装", 24),
    ("燃气", "燃气公司", "漏气，燃气表，燃气管道改造", 12),
    ("供热", "供热公司", "暖气不热，漏水，供热管网", 24),
    ("通信广电", "通信运营商和广电", "宽带，有线电视，线缆整治，信号", 72),
    ("园林绿化", "园林绿化部门", "树木修剪，绿地养护，枯树", 72),
    ("物业", "物业服务企业", "电梯，楼道卫生，楼道灯，门禁维修，停车，飞线充电", 24),
    ("社区居委会", "社区居委会", "改造咨询，邻里调解，证明，议事协商", 48),
)


class DepartmentRefused(ValueError):
    """An edit that was not made; the message is for the street office."""


def seed_defaults(street=None) -> int:
    """Give a street (or every street) the default departments it lacks (by code); returns how many were added."""
    streets = [street] if street is not None else db.session.scalars(select(Street).order_by(Street.id)).all()
    added = 0
    for each in streets:
        known = set(db.session.scalars(select(Department.code).where(Department.street_id == each.id)))
        for code, name, handles, hours in DEFAULTS:
            if code not in known:
                db.session.add(Department(street_id=each.id, code=code, name=name, handles=handles, sla_hours=hours))
                added += 1
    db.session.flush()
    return added


def ensure_street(street_id: int) -> None:
    """A street that has no departments yet (created after the last `departments seed`) gets the defaults."""
    if not db.session.scalar(select(func.count(Department.id)).where(Department.street_id == street_id)):
        seed_defaults(db.session.get(Street, street_id))


def street_id_of(user) -> int | None:
    """The street whose departments a staff member works with; None for an admin (every street)."""
    if user.role == Role.STREET:
        return user.street_id
    if user.role == Role.WORKER:
        return user.community.street_id
    return None


def street_id_of_estate(estate_id: int) -> int:
    return db.session.scalar(select(Community.street_id).join(Estate).where(Estate.id == estate_id))


def all_departments(active_only: bool = False, street_id: int | None = None) -> list[Department]:
    query = select(Department).order_by(Department.street_id, Department.id)
    if street_id is not None:
        query = query.where(Department.street_id == street_id)
    if active_only:
        query = query.where(Department.active.is_(True))
    return db.session.scalars(query).all()


def for_user(user, active_only: bool = False) -> list[Department]:
    """The departments of the user's street (every street's for an admin)."""
    return all_departments(active_only, street_id_of(user))


def by_code(code: str, street_id: int | None = None) -> Department | None:
    """A street's department by its code (without a street: the first street's, for scripts and tests)."""
    query = select(Department).where(Department.code == code).order_by(Department.id)
    if street_id is not None:
        query = query.where(Department.street_id == street_id)
    return db.session.scalars(query).first()


def can_edit(user, department: Department | None = None) -> bool:
    """Street-office staff (of the department's own street) and admins keep the list; workers only route to it."""
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.STREET and (department is None or department.street_id == user.street_id)


def add(actor, street_id: int, name: str, handles: str, sla_hours: str, phone: str) -> Department:
    """A street office adds a department of its own (the classifier learns it once workers route to it)."""
    name = name.strip()
    if not name or len(name) > 40:
        raise DepartmentRefused("名称不能为空，最多40字。")
    code = name[:20]
    taken = db.session.scalar(select(Department.id).where(
        Department.street_id == street_id, (Department.code == code) | (Department.name == name)))
    if taken:
        raise DepartmentRefused(f"已有名为“{name}”的部门。")
    department = Department(street_id=street_id, code=code, name=name, sla_hours=72)
    db.session.add(department)
    db.session.flush()
    update(actor, department, name, handles, sla_hours, phone, True)
    audit.record(actor, "department.add", f"department:{department.id}", name)
    return department


def update(actor, department: Department, name: str, handles: str, sla_hours: str, phone: str,
           active: bool) -> Department:
    """Change a department's name, remit, deadline, phone or whether it takes new tickets."""
    name, handles, phone = name.strip(), handles.strip(), phone.strip()
    if not name or len(name) > 40:
        raise DepartmentRefused("名称不能为空，最多40字。")
    if len(handles) > 300:
        raise DepartmentRefused("职责说明最多300字。")
    try:
        hours = int(sla_hours)
    except (TypeError, ValueError):
        raise DepartmentRefused("办理时限请填整数小时。") from None
    if not 1 <= hours <= 2160:
        raise DepartmentRefused("办理时限应在1到2160小时（90天）之间。")
    before = (department.name, department.sla_hours, department.active)
    department.name, department.handles, department.sla_hours = name, handles, hours
    department.phone, department.active = phone[:40], active
    audit.record(actor, "department.update", f"department:{department.id}",
                 f"{before} -> {(name, hours, active)}")
    db.session.flush()
    return department
