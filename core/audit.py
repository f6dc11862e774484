"""Recording who did what; the caller commits."""
import logging

from core.db import db
from core.models import AuditEntry

log = logging.getLogger("yishi.audit")


def record(actor, action: str, target: str = "", detail: str = "") -> None:
    """Append one audit entry (and a log line) in the caller's transaction."""
    actor_id = getattr(actor, "id", None)
    db.session.add(AuditEntry(actor_id=actor_id, action=action, target=target, detail=detail))
    log.info("audit actor=%s action=%s target=%s %s", actor_id, action, target, detail)
