"""Plan notices (方案公示): drafted, scheduled, published with a push, commented on and objected to,
answered, closed when the notice period ends (comments frozen), and given an outcome. Flush, never commit."""
from datetime import datetime

from sqlalchemy import select

from core import audit
from core.consultation.models import Notice, NoticeAttachment, NoticeComment
from core.db import db, db_now, local
from core.residents import pushes

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ATTACHMENT_TYPES = {b"%PDF-": "application/pdf", b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}
MAX_TEXT = 500


class NoticeRefused(ValueError):
    """Not done; the message is for the person who tried."""


def draft(actor, estate, title: str, body: str, building=None, unit=None) -> Notice:
    title, body = (title or "").strip(), (body or "").strip()
    if not title or len(title) > 100:
        raise NoticeRefused("请填写标题（100字以内）。")
    if not body:
        raise NoticeRefused("请填写公示内容。")
    notice = Notice(estate_id=estate.id, building_id=getattr(building, "id", None), unit_id=getattr(unit, "id", None),
                    title=title, body=body, created_by_id=getattr(actor, "id", None))
    db.session.add(notice)
    db.session.flush()
    audit.record(actor, "notice.draft", f"notice:{notice.id}", title)
    return notice


def attach(notice: Notice, filename: str, data: bytes) -> NoticeAttachment:
    """A PDF, JPG or PNG (the plan, drawings, photos), while the notice is a draft."""
    if notice.status not in ("draft", "scheduled"):
        raise NoticeRefused("公示发布后不能再改附件。")
    content_type = next((kind for magic, kind in ATTACHMENT_TYPES.items() if data.startswith(magic)), None)
    if content_type is None:
        raise NoticeRefused(f"{filename}：附件只能是 PDF、JPG 或 PNG。")
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise NoticeRefused(f"{filename}：附件不能超过 {MAX_ATTACHMENT_BYTES // 1024 // 1024} MB。")
    attachment = NoticeAttachment(notice=notice, filename=(filename or "附件")[-120:], content_type=content_type,
                                  data=data)
    db.session.add(attachment)
    db.session.flush()
    return attachment


def schedule(notice: Notice, actor, publish_at: datetime, ends_at: datetime) -> None:
    """Set the notice period; the scheduler publishes at its start (at once if that has passed)."""
    if notice.status not in ("draft", "scheduled"):
        raise NoticeRefused(f"公示{notice.status_label}，不能再改时间。")
    if ends_at <= publish_at:
        raise NoticeRefused("公示结束时间要晚于开始时间。")
    if ends_at <= db_now(db.session):
        raise NoticeRefused("公示结束时间已经过去了。")
    notice.publish_at, notice.ends_at, notice.status = publish_at, ends_at, "scheduled"
    audit.record(actor, "notice.schedule", f"notice:{notice.id}", f"{local(publish_at)} – {local(ends_at)}")
    db.session.flush()


def _publish(notice: Notice, now) -> None:
    notice.status, notice.published_at = "published", now
    pushes.announce("notice_published", f"notice:{notice.id}", notice.estate_id,
                    {"title": notice.title, "scope": notice.scope_label, "ends_at": local(notice.ends_at)},
                    f"/r/notices/{notice.id}", building_id=notice.building_id, unit_id=notice.unit_id)


def advance() -> dict[str, list[int]]:
    """Publish scheduled notices whose period has begun and close those whose period has ended."""
    now = db_now(db.session)
    due = db.session.scalars(select(Notice).where(Notice.status == "scheduled", Notice.publish_at <= now)
                             .with_for_update()).all()
    for notice in due:
        _publish(notice, now)
    ended = db.session.scalars(select(Notice).where(Notice.status == "published", Notice.ends_at <= now)
                               .with_for_update()).all()
    for notice in ended:
        notice.status, notice.closed_at = "closed", now
    db.session.flush()
    return {"published": [n.id for n in due], "closed": [n.id for n in ended]}


def in_scope(notice: Notice, flat) -> bool:
    unit = flat.unit
    return (unit.building.estate_id == notice.estate_id and notice.building_id in (None, unit.building_id)
            and notice.unit_id in (None, unit.id))


def for_flat(flat) -> list[Notice]:
    """Published and closed notices that cover the flat, newest first: the estate's record."""
    notices = db.session.scalars(select(Notice).where(Notice.estate_id == flat.unit.building.estate_id,
                                                      Notice.status.in_(("published", "closed")))
                                 .order_by(Notice.id.desc())).all()
    return [n for n in notices if in_scope(n, flat)]


def comment(notice: Notice, owner, kind: str, text: str) -> NoticeComment:
    """A resident's comment, or objection with its reason, during the notice period."""
    now = db_now(db.session)
    if notice.status != "published" or now >= notice.ends_at:
        raise NoticeRefused("公示期已经结束，不能再提意见。" if notice.status == "closed" or now >= notice.ends_at
                            else "公示还没有开始。")
    if not in_scope(notice, owner.flat):
        raise NoticeRefused("这项公示不包括您的房屋。")
    if kind not in ("comment", "objection"):
        raise NoticeRefused("请选择“提意见”或“提异议”。")
    text = " ".join((text or "").split())
    if not text:
        raise NoticeRefused("请写明理由。" if kind == "objection" else "请写上您的意见。")
    if len(text) > MAX_TEXT:
        raise NoticeRefused(f"最多{MAX_TEXT}字。")
    # The same words again from the same flat (a double tap, a resent form) are the same comment: the street
    # office counts objections, and one objection sent twice must not count twice.
    same = db.session.scalar(select(NoticeComment).where(
        NoticeComment.notice_id == notice.id, NoticeComment.flat_id == owner.flat_id, NoticeComment.kind == kind,
        NoticeComment.text == text))
    if same is not None:
        return same
    entry = NoticeComment(notice_id=notice.id, flat_id=owner.flat_id, owner_id=owner.id, kind=kind, text=text,
                          created_at=now)
    db.session.add(entry)
    db.session.flush()
    return entry


def reply(entry: NoticeComment, actor, text: str, public: bool) -> None:
    """The worker's answer, shown to everyone or only to the flat that wrote."""
    text = (text or "").strip()
    if not text or len(text) > MAX_TEXT:
        raise NoticeRefused(f"请填写回复（{MAX_TEXT}字以内）。")
    first = not entry.reply
    entry.reply, entry.reply_public, entry.replied_by_id = text, public, actor.id
    entry.replied_at = db_now(db.session)
    if first:  # the page promised 社区会答复您: the household hears of the answer
        notice = db.session.get(Notice, entry.notice_id)
        pushes.tell_flat("reply_posted", f"notice_comment:{entry.id}", entry.flat_id,
                         {"title": f"公示：{notice.title}", "status": "已答复", "replied_at": local(entry.replied_at)},
                         f"/r/notices/{notice.id}")
    audit.record(actor, "notice.reply", f"notice_comment:{entry.id}", "public" if public else "private")
    db.session.flush()


def record_outcome(notice: Notice, actor, outcome: str) -> None:
    """After the period: what came of it (objections answered, plan changed or confirmed)."""
    if notice.status != "closed":
        raise NoticeRefused("公示期结束后才能填写公示结果。")
    outcome = (outcome or "").strip()
    if not outcome:
        raise NoticeRefused("请填写公示结果。")
    notice.outcome = outcome
    audit.record(actor, "notice.outcome", f"notice:{notice.id}")
    db.session.flush()
