"""Plan notices (方案公示): a notice over an estate (or one building or unit), its files, and residents'
comments and objections with the workers' answers."""
from core.db import UTCDateTime, db, utcnow

NOTICE_STATUS_LABELS = {"draft": "草稿", "scheduled": "待发布", "published": "公示中", "closed": "公示结束"}


class Notice(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    estate_id = db.Column(db.ForeignKey("estate.id"), nullable=False, index=True)
    building_id = db.Column(db.ForeignKey("building.id"))
    unit_id = db.Column(db.ForeignKey("unit.id"))
    title = db.Column(db.String(100), nullable=False)
    body = db.Column(db.Text, nullable=False)
    status = db.Column(db.String(10), nullable=False, default="draft")
    publish_at = db.Column(UTCDateTime)  # the notice period (公示期) starts here …
    ends_at = db.Column(UTCDateTime)  # … and ends here
    published_at = db.Column(UTCDateTime)
    closed_at = db.Column(UTCDateTime)
    outcome = db.Column(db.Text, nullable=False, default="")
    created_by_id = db.Column(db.ForeignKey("user.id"))
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    estate = db.relationship("Estate")
    building = db.relationship("Building")
    unit = db.relationship("Unit")
    attachments = db.relationship("NoticeAttachment", order_by="NoticeAttachment.id", back_populates="notice")
    comments = db.relationship("NoticeComment", order_by="NoticeComment.id", back_populates="notice")

    __table_args__ = (
        db.CheckConstraint("status IN ('draft', 'scheduled', 'published', 'closed')", name="status_known"),
        db.CheckConstraint("ends_at IS NULL OR publish_at IS NULL OR ends_at > publish_at", name="period_order"),
    )

    @property
    def status_label(self) -> str:
        return NOTICE_STATUS_LABELS[self.status]

    @property
    def scope_label(self) -> str:
        if self.unit is not None:
            return f"{self.estate.name} {self.unit.label}"
        if self.building is not None:
            return f"{self.estate.name} {self.building.number}栋"
        return self.estate.name

    @property
    def objections(self) -> int:
        return sum(1 for c in self.comments if c.kind == "objection")


class NoticeAttachment(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    notice_id = db.Column(db.ForeignKey("notice.id"), nullable=False, index=True)
    filename = db.Column(db.String(120), nullable=False)
    content_type = db.Column(db.String(40), nullable=False)
    data = db.Column(db.LargeBinary, nullable=False)

    notice = db.relationship("Notice", back_populates="attachments")


class NoticeComment(db.Model):
    """A resident's comment or objection (异议, with its reason), and the worker's public or private answer."""

    id = db.Column(db.Integer, primary_key=True)
    notice_id = db.Column(db.ForeignKey("notice.id"), nullable=False, index=True)
    flat_id = db.Column(db.ForeignKey("flat.id"), nullable=False)
    owner_id = db.Column(db.ForeignKey("owner.id"))
    kind = db.Column(db.String(10), nullable=False)  # comment | objection
    text = db.Column(db.String(500), nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    reply = db.Column(db.String(500), nullable=False, default="")
    reply_public = db.Column(db.Boolean, nullable=False, default=True)
    replied_by_id = db.Column(db.ForeignKey("user.id"))
    replied_at = db.Column(UTCDateTime)

    notice = db.relationship("Notice", back_populates="comments")
    flat = db.relationship("Flat")

    __table_args__ = (db.CheckConstraint("kind IN ('comment', 'objection')", name="kind_known"),)
