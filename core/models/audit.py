"""Who did what and when: imports, exports of personal data, logins, refusals."""
from core.db import UTCDateTime, db, utcnow


class AuditEntry(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    at = db.Column(UTCDateTime, nullable=False, default=utcnow, index=True)
    actor_id = db.Column(db.ForeignKey("user.id"), index=True)
    action = db.Column(db.String(40), nullable=False)
    target = db.Column(db.String(120), nullable=False, default="")
    detail = db.Column(db.Text, nullable=False, default="")
    actor = db.relationship("User")
