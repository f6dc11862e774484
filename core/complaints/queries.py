"""Reading complaints for the console: the work queue in a user's scope, and the handling rates."""
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from core.complaints.models import CLOSED, OPEN, Complaint, Department
from core.db import db
from core.register import scope
from core.register.models import Estate

VIEWS = {
    "urgent": "紧急",
    "triage": "待分派",
    "overdue": "已超时",
    "open": "办理中",
    "closed": "已办结",
    "all": "全部",
}


def _in_scope(user):
    return Complaint.estate_id.in_(scope.estates_query(user).with_only_columns(Estate.id))


def _view_filter(view: str):
    """Which tickets a tab holds. A ticket linked to another (the same problem) is no job of its own: it
    shows only under 全部, and on the ticket it follows."""
    lead = Complaint.duplicate_of_id.is_(None)
    triage = (Complaint.status == "returned") | ((Complaint.status == "received") & Complaint.department_id.is_(None))
    return {
        "urgent": lead & Complaint.status.in_(OPEN) & Complaint.urgent_hours.is_not(None),
        "triage": lead & triage,
        "overdue": lead & Complaint.status.in_(OPEN) & Complaint.overdue_at.is_not(None),
        "open": lead & Complaint.status.in_(OPEN),
        "closed": lead & Complaint.status.in_(CLOSED),
        "all": None,
    }[view]


def queue(user, view: str = "open", department_id: int | None = None, limit: int = 200) -> list[Complaint]:
    """Tickets in the user's estates: open emergencies first, then overdue, then waiting for triage, then
    the oldest."""
    query = select(Complaint).where(_in_scope(user))
    condition = _view_filter(view)
    if condition is not None:
        query = query.where(condition)
    if department_id:
        query = query.where(Complaint.department_id == department_id)
    urgent_first = case((_view_filter("urgent"), 0), else_=1)
    overdue_first = case((Complaint.status.in_(OPEN) & Complaint.overdue_at.is_not(None), 0), else_=1)
    triage_next = case((_view_filter("triage"), 0), else_=1)
    order = (urgent_first, overdue_first, triage_next, Complaint.id) if view != "closed" and view != "all" \
        else (urgent_first, overdue_first, Complaint.id.desc())
    return db.session.scalars(query.options(selectinload(Complaint.followers)).order_by(*order).limit(limit)).all()


def counts(user) -> dict[str, int]:
    """How many tickets each view holds, for the tabs."""
    return {view: db.session.scalar(select(func.count(Complaint.id)).where(
        _in_scope(user), *([c] if (c := _view_filter(view)) is not None else []))) for view in VIEWS}


def urgent_waiting(user) -> int:
    """Emergencies in the user's estates that no department has taken up yet: the console's alert."""
    return db.session.scalar(select(func.count(Complaint.id)).where(
        _in_scope(user), Complaint.duplicate_of_id.is_(None), Complaint.urgent_hours.is_not(None),
        Complaint.status.in_(("received", "assigned", "returned"))))


def in_scope(user, complaint_id: int) -> Complaint | None:
    """The ticket if the user may see it (404 otherwise: no probing)."""
    return db.session.scalar(select(Complaint).where(Complaint.id == complaint_id, _in_scope(user)))


@dataclass(frozen=True)
class Rates:
    name: str
    assigned: int  # tickets ever sent to a department
    responded: int  # taken up (处理中) or resolved
    resolved: int
    rated: int
    satisfied: int  # rated 4 or 5
    overdue: int  # open and past the deadline now

    @staticmethod
    def _share(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    @property
    def response_rate(self):  # 响应率
        return self._share(self.responded, self.assigned)

    @property
    def resolution_rate(self):  # 办结率
        return self._share(self.resolved, self.assigned)

    @property
    def satisfaction_rate(self):  # 满意率
        return self._share(self.satisfied, self.rated)


def _rates(user, group_column, name_column, join) -> list[Rates]:
    assigned = Complaint.assigned_at.is_not(None)
    columns = (
        name_column,
        func.count(Complaint.id).filter(assigned),
        func.count(Complaint.id).filter(assigned & Complaint.responded_at.is_not(None)),
        func.count(Complaint.id).filter(assigned & Complaint.resolved_at.is_not(None)),
        func.count(Complaint.id).filter(Complaint.rating.is_not(None)),
        func.count(Complaint.id).filter(Complaint.rating >= 4),
        func.count(Complaint.id).filter(Complaint.status.in_(OPEN) & Complaint.overdue_at.is_not(None)),
    )
    rows = db.session.execute(select(*columns).select_from(Complaint).join(*join).where(_in_scope(user))
                              .group_by(group_column, name_column).order_by(group_column)).all()
    return [Rates(*row) for row in rows]


def rates_by_department(user) -> list[Rates]:
    """响应率, 办结率, 满意率 of each department, over the tickets in the user's estates."""
    return _rates(user, Department.id, Department.name, (Department, Department.id == Complaint.department_id))


def rates_by_estate(user) -> list[Rates]:
    """The same rates for each estate in the user's scope."""
    return _rates(user, Estate.id, Estate.name, (Estate, Estate.id == Complaint.estate_id))
