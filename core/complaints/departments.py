"""The departments complaints are routed to: the default list (DOMAIN.md, 资阳 001's responsibility
annex) and the street office's edits. Flush, never commit."""
from sqlalchemy import select

from core import audit
from core.accounts import Role
from core.complaints.models import Department
from core.db import db

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


def seed_defaults() -> int:
    """Add the default departments that are missing (by code); returns how many were added."""
    known = set(db.session.scalars(select(Department.code)))
    added = 0
    for code, name, handles, hours in DEFAULTS:
        if code not in known:
            db.session.add(Department(code=code, name=name, handles=handles, sla_hours=hours))
            added += 1
    db.session.flush()
    return added


def all_departments(active_only: bool = False) -> list[Department]:
    query = select(Department).order_by(Department.id)
    if active_only:
        query = query.where(Department.active.is_(True))
    return db.session.scalars(query).all()


def by_code(code: str) -> Department | None:
    return db.session.scalar(select(Department).where(Department.code == code))


def can_edit(user) -> bool:
    """Street-office staff and admins keep the list; community workers only route to it."""
    return user.role in (Role.STREET, Role.ADMIN)


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
