"""What demand surveys and satisfaction surveys share: an estate, a title, and a period that opens and
closes on a schedule (draft → open → closed)."""
from sqlalchemy.orm import declared_attr

from core.db import UTCDateTime, db, utcnow

PERIOD_STATUS_LABELS = {"draft": "未开始", "open": "进行中", "closed": "已结束"}


class Period:
    """Columns, constraints and the status label of a scheduled questionnaire (a mixin)."""

    title = db.Column(db.String(100), nullable=False)
    status = db.Column(db.String(10), nullable=False, default="draft")
    opens_at = db.Column(UTCDateTime, nullable=False)
    closes_at = db.Column(UTCDateTime, nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    @declared_attr
    def estate_id(cls):
        return db.Column(db.ForeignKey("estate.id"), nullable=False, index=True)

    @declared_attr
    def created_by_id(cls):
        return db.Column(db.ForeignKey("user.id"))

    @declared_attr
    def estate(cls):
        return db.relationship("Estate")

    @declared_attr
    def __table_args__(cls):
        return (db.CheckConstraint("status IN ('draft', 'open', 'closed')", name="status_known"),
                db.CheckConstraint("closes_at > opens_at", name="closes_after_opening"))

    @property
    def status_label(self) -> str:
        return PERIOD_STATUS_LABELS[self.status]
