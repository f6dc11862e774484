"""Recording who did what; the caller commits."""
import logging

from core.db import UTCDateTime, db, utcnow


class AuditEntry(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    at = db.Column(UTCDateTime, nullable=False, default=utcnow, index=True)
    actor_id = db.Column(db.ForeignKey("user.id"), index=True)
    action = db.Column(db.String(40), nullable=False)
    target = db.Column(db.String(120), nullable=False, default="")
    detail = db.Column(db.Text, nullable=False, default="")
    actor = db.relationship("User")


log = logging.getLogger("yishi.audit")


def record(actor, action: str, target: str = "", detail: str = "") -> None:
    """Append one audit entry (and a log line) in the caller's transaction."""
    actor_id = getattr(actor, "id", None)
    db.session.add(AuditEntry(actor_id=actor_id, action=action, target=target, detail=detail))
    log.info("audit actor=%s action=%s target=%s %s", actor_id, action, target, detail)
