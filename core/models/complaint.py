"""Complaints and repair requests (报修/投诉): the ticket and every change of its status."""
from core.db import UTCDateTime, db, utcnow

STATUS_LABELS = {"received": "已受理", "assigned": "已派单", "in_progress": "处理中", "resolved": "已办结",
                 "rated": "已评价", "returned": "退回"}


class Complaint(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    ticket = db.Column(db.String(20), unique=True)  # TS + local date + id, set once the id is known
    estate_id = db.Column(db.ForeignKey("estate.id"), nullable=False, index=True)
    flat_id = db.Column(db.ForeignKey("flat.id"), index=True)
    owner_id = db.Column(db.ForeignKey("owner.id"), index=True)
    channel = db.Column(db.String(10), nullable=False)  # wechat | web | phone
    text = db.Column(db.Text, nullable=False)
    status = db.Column(db.String(12), nullable=False, default="received")
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    estate = db.relationship("Estate")
    flat = db.relationship("Flat")
    owner = db.relationship("Owner")

    __table_args__ = (
        db.CheckConstraint("status IN ('received', 'assigned', 'in_progress', 'resolved', 'rated', 'returned')",
                           name="status_known"),
        db.CheckConstraint("channel IN ('wechat', 'web', 'phone')", name="channel_known"),
    )

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


class ComplaintEvent(db.Model):
    """Who changed a ticket's status, when, and why: the ticket's history, insert-only."""

    id = db.Column(db.Integer, primary_key=True)
    complaint_id = db.Column(db.ForeignKey("complaint.id"), nullable=False, index=True)
    status = db.Column(db.String(12), nullable=False)
    actor_id = db.Column(db.ForeignKey("user.id"))
    note = db.Column(db.String(300), nullable=False, default="")
    at = db.Column(UTCDateTime, nullable=False, default=utcnow)
