"""Filing complaints and repair requests, and reading a resident's tickets. Flush, never commit.

Routing to departments (the classifier, triage, deadlines) builds on this: a new ticket is 已受理.
"""
import re

from sqlalchemy import select

from core.db import db, db_now, local
from core.models import Complaint, ComplaintEvent

MAX_TEXT = 500


class ComplaintRefused(ValueError):
    """A complaint that was not filed; the message is for the resident."""


def clean(text: str) -> tuple[str, bool]:
    """The text as stored, and whether it had to be cut."""
    text = re.sub(r"\s+", " ", text or "").strip()
    if not text:
        raise ComplaintRefused("请写上遇到的问题，例如：报修 3栋2单元楼道灯不亮。")
    if not re.search(r"[\u4e00-\u9fffA-Za-z0-9]", text):
        raise ComplaintRefused("请用文字说明问题，例如：报修 3栋2单元楼道灯不亮。")
    return text[:MAX_TEXT], len(text) > MAX_TEXT


def file_complaint(owner, text: str, channel: str) -> tuple[Complaint, bool]:
    """File a ticket for the owner's flat; returns it and whether the text was cut to MAX_TEXT."""
    text, cut = clean(text)
    now = db_now(db.session)
    complaint = Complaint(estate_id=owner.flat.unit.building.estate_id, flat_id=owner.flat_id, owner_id=owner.id,
                          channel=channel, text=text, status="received", created_at=now, updated_at=now)
    db.session.add(complaint)
    db.session.flush()
    complaint.ticket = f"TS{local(now)[:10].replace('-', '')}{complaint.id:05d}"
    db.session.add(ComplaintEvent(complaint_id=complaint.id, status="received", at=now))
    db.session.flush()
    return complaint, cut


def for_flat(flat_id: int, limit: int = 5) -> list[Complaint]:
    """The flat's latest tickets, newest first."""
    return db.session.scalars(select(Complaint).where(Complaint.flat_id == flat_id)
                              .order_by(Complaint.id.desc()).limit(limit)).all()
