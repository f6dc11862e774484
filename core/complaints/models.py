"""Complaints and repair requests (报修/投诉): the ticket, its photos, every change of status, and the
departments workers chose when they re-routed a ticket (the classifier's corrected labels)."""
from sqlalchemy import JSON

from core.db import UTCDateTime, db, utcnow

STATUS_LABELS = {"received": "已受理", "assigned": "已派单", "in_progress": "处理中", "resolved": "已办结",
                 "rated": "已评价", "returned": "退回", "declined": "不予受理"}
OPEN = ("received", "assigned", "in_progress", "returned")
CLOSED = ("resolved", "rated", "declined")  # 不予受理: not for the community or its departments, with the reason


class Complaint(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    ticket = db.Column(db.String(20), unique=True)  # TS + local date + id, set once the id is known
    estate_id = db.Column(db.ForeignKey("estate.id"), nullable=False, index=True)
    flat_id = db.Column(db.ForeignKey("flat.id"), index=True)
    owner_id = db.Column(db.ForeignKey("owner.id"), index=True)
    channel = db.Column(db.String(10), nullable=False)  # wechat | web | phone | open311
    text = db.Column(db.Text, nullable=False)
    status = db.Column(db.String(12), nullable=False, default="received")
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    # Routing: the classifier's top suggestions [{"code", "probability"}], the words behind the best one.
    department_id = db.Column(db.ForeignKey("department.id"), index=True)
    routed_by = db.Column(db.String(10))  # model | worker | system (Open311) | rule (an emergency, urgency.DEPARTMENT)
    suggestions = db.Column(JSON, nullable=False, default=list)
    key_words = db.Column(JSON, nullable=False, default=list)
    model_version = db.Column(db.String(40), nullable=False, default="")
    # The department's clock: due_at = assigned_at + its SLA; overdue_at set by the scheduled job.
    assigned_at = db.Column(UTCDateTime)
    due_at = db.Column(UTCDateTime)
    overdue_at = db.Column(UTCDateTime)
    responded_at = db.Column(UTCDateTime)
    resolved_at = db.Column(UTCDateTime)
    rating = db.Column(db.SmallInteger)
    rating_comment = db.Column(db.String(300), nullable=False, default="")
    rated_at = db.Column(UTCDateTime)
    # An emergency (core.complaints.urgency): its own short deadline in hours, and why it was flagged.
    urgent_hours = db.Column(db.SmallInteger)
    urgent_reason = db.Column(db.String(40), nullable=False, default="", server_default="")
    # The same problem reported again (core.complaints.duplicates): this ticket follows the open one it
    # was linked to, so the department has one job and every reporter hears of each step.
    duplicate_of_id = db.Column(db.ForeignKey("complaint.id"), index=True)

    estate = db.relationship("Estate")
    flat = db.relationship("Flat")
    owner = db.relationship("Owner")
    department = db.relationship("Department")
    events = db.relationship("ComplaintEvent", order_by="ComplaintEvent.id", back_populates="complaint")
    photos = db.relationship("ComplaintPhoto", order_by="ComplaintPhoto.id", back_populates="complaint")
    duplicate_of = db.relationship("Complaint", remote_side=[id], back_populates="followers")
    followers = db.relationship("Complaint", order_by="Complaint.id", back_populates="duplicate_of")

    __table_args__ = (
        db.CheckConstraint("status IN ('received', 'assigned', 'in_progress', 'resolved', 'rated', 'returned', "
                           "'declined')", name="status_known"),
        db.CheckConstraint("channel IN ('wechat', 'web', 'phone', 'open311')", name="channel_known"),
        db.CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating_range"),
        db.Index("ix_complaint_status_due", "status", "due_at"),
    )

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def urgent(self) -> bool:
        return self.urgent_hours is not None

    @property
    def in_triage(self) -> bool:
        """Waiting for a worker to choose the department."""
        if self.duplicate_of_id is not None:
            return False
        return self.status == "returned" or (self.status == "received" and self.department_id is None)

    @property
    def lead(self) -> "Complaint":
        """The ticket the department works on: the one this follows, or itself."""
        return self.duplicate_of or self

    @property
    def reporters(self) -> int:
        """How many households reported this problem (this ticket and those linked to it; a flat reporting
        it twice counts once)."""
        lead = self.lead
        return len({c.flat_id or -c.id for c in (lead, *lead.followers)})

    @property
    def shown_photos(self) -> list["ComplaintPhoto"]:
        """The photos there is something to show of (a chat photo not fetched yet has no data)."""
        return [photo for photo in self.photos if photo.data is not None]

    @property
    def summary(self) -> str:
        return self.text if len(self.text) <= 20 else self.text[:20] + "…"


class ComplaintEvent(db.Model):
    """Who changed a ticket's status or department, when, and why: the ticket's history, insert-only."""

    id = db.Column(db.Integer, primary_key=True)
    complaint_id = db.Column(db.ForeignKey("complaint.id"), nullable=False, index=True)
    status = db.Column(db.String(12), nullable=False)
    department_id = db.Column(db.ForeignKey("department.id"))
    actor_id = db.Column(db.ForeignKey("user.id"))  # None: the resident, or the classifier
    note = db.Column(db.String(300), nullable=False, default="")
    at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    complaint = db.relationship("Complaint", back_populates="events")
    department = db.relationship("Department")
    actor = db.relationship("User")

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


class ComplaintPhoto(db.Model):
    """A photo of the problem, kept in the database so that every worker process and backup has it.

    A photo sent in the chat arrives as a WeChat media id; it has no data until the scheduler fetches it.
    """

    id = db.Column(db.Integer, primary_key=True)
    complaint_id = db.Column(db.ForeignKey("complaint.id"), nullable=False, index=True)
    content_type = db.Column(db.String(20), nullable=False, default="")
    data = db.Column(db.LargeBinary)
    sha256 = db.Column(db.String(64))
    media_id = db.Column(db.String(128), nullable=False, default="")
    fetch_attempts = db.Column(db.Integer, nullable=False, default=0)
    fetch_error = db.Column(db.String(200), nullable=False, default="")
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    complaint = db.relationship("Complaint", back_populates="photos")

    __table_args__ = (db.UniqueConstraint("complaint_id", "sha256"),)


class RoutingCorrection(db.Model):
    """The department a worker chose for a ticket's text: a label the classifier learns from."""

    id = db.Column(db.Integer, primary_key=True)
    complaint_id = db.Column(db.ForeignKey("complaint.id"), nullable=False, unique=True)
    text = db.Column(db.Text, nullable=False)
    predicted = db.Column(db.String(60), nullable=False, default="")  # the classifier's best guess (a label), if any
    department_code = db.Column(db.String(20), nullable=False)
    actor_id = db.Column(db.ForeignKey("user.id"), nullable=False)
    at = db.Column(UTCDateTime, nullable=False, default=utcnow)


class Department(db.Model):
    """A department (or utility, or the property company) that complaints are routed to.

    Each street keeps its own list (its office edits it; staff of another street cannot). `code` is the
    classifier's label and never changes; the street office edits the rest.
    """

    id = db.Column(db.Integer, primary_key=True)
    street_id = db.Column(db.ForeignKey("street.id"), nullable=False, index=True)
    code = db.Column(db.String(20), nullable=False)
    name = db.Column(db.String(40), nullable=False)
    handles = db.Column(db.String(300), nullable=False, default="")
    sla_hours = db.Column(db.Integer, nullable=False, default=72)
    phone = db.Column(db.String(40), nullable=False, default="")
    active = db.Column(db.Boolean, nullable=False, default=True)

    street = db.relationship("Street")

    __table_args__ = (
        db.CheckConstraint("sla_hours > 0 AND sla_hours <= 2160", name="sla_sane"),
        db.UniqueConstraint("street_id", "code", name="uq_department_street_code"),
    )


class LabelMapping(db.Model):
    """Which of a street's departments handles the tickets the classifier gives a label: a model trained on
    a 12345 export says "城管局", the street's own list calls it 城管执法中队."""

    id = db.Column(db.Integer, primary_key=True)
    street_id = db.Column(db.ForeignKey("street.id"), nullable=False, index=True)
    label = db.Column(db.String(60), nullable=False)
    department_id = db.Column(db.ForeignKey("department.id"), nullable=False)
    department = db.relationship("Department")

    __table_args__ = (db.UniqueConstraint("street_id", "label"),)


class TrainingRun(db.Model):
    """A street office's labelled history of tickets, uploaded to train a candidate classifier in the
    scheduler process; its held-out scores beside the current model's, then promoted or not."""

    id = db.Column(db.Integer, primary_key=True)
    street_id = db.Column(db.ForeignKey("street.id"), index=True)
    created_by_id = db.Column(db.ForeignKey("user.id"))
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    filename = db.Column(db.String(200), nullable=False)
    data = db.Column(db.LargeBinary, nullable=False)
    columns = db.Column(JSON, nullable=False, default=list)  # the file's header, for choosing
    text_columns = db.Column(JSON, nullable=False, default=list)
    label_column = db.Column(db.String(100), nullable=False, default="")
    with_corrections = db.Column(db.Boolean, nullable=False, default=True)
    status = db.Column(db.String(10), nullable=False, default="uploaded")
    progress = db.Column(db.Integer, nullable=False, default=0)
    message = db.Column(db.String(300), nullable=False, default="")
    result = db.Column(JSON)
    started_at = db.Column(UTCDateTime)
    finished_at = db.Column(UTCDateTime)
    promoted_at = db.Column(UTCDateTime)
    created_by = db.relationship("User")

    __table_args__ = (
        db.CheckConstraint("status IN ('uploaded', 'queued', 'running', 'done', 'failed', 'deleted')",
                           name="status_known"),
    )

    STATUS_LABELS = {"uploaded": "待选列", "queued": "排队中", "running": "训练中", "done": "已完成", "failed": "失败",
                     "deleted": "已删除"}

    @property
    def status_label(self) -> str:
        return self.STATUS_LABELS[self.status]


class Open311Key(db.Model):
    """A connected system's key for the Open311 API (a department's or the 12345 hotline's system),
    scoped to one street. Only the key's SHA-256 is kept: the key is a random 256-bit string shown once."""

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(60), nullable=False)
    street_id = db.Column(db.ForeignKey("street.id"), nullable=False, index=True)
    key_sha256 = db.Column(db.String(64), nullable=False, unique=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    revoked_at = db.Column(UTCDateTime)

    street = db.relationship("Street")

    # A name is one live key of one street: each street names its own systems ("12345热线"), and a revoked
    # key's name can be given to its replacement.
    __table_args__ = (
        db.Index("uq_open311_key_live_name", "street_id", "name", unique=True,
                 sqlite_where=db.text("revoked_at IS NULL"), postgresql_where=db.text("revoked_at IS NULL")),
    )
