"""Residents' notice pages: read a plan notice and its files, comment or object during the notice period."""
from flask import abort, flash, g, redirect, render_template, request, url_for

from core.consultation import notices
from core.consultation.models import Notice
from core.db import db
from web import downloads
from web.resident.routes import bp, resident_required


def _notice(notice_id: int) -> Notice:
    notice = db.session.get(Notice, notice_id)
    if notice is None or notice.status not in ("published", "closed") or not notices.in_scope(notice, g.owner.flat):
        abort(404)
    return notice


@bp.get("/r/notices")
@resident_required
def my_notices():
    return render_template("resident/notices.html", rows=notices.for_flat(g.owner.flat))


@bp.get("/r/notices/<int:notice_id>")
@resident_required
def notice(notice_id):
    notice = _notice(notice_id)
    visible = [c for c in notice.comments if c.flat_id == g.owner.flat_id or c.kind == "comment" or c.reply_public]
    return render_template("resident/notice.html", notice=notice, comments=visible, flat_id=g.owner.flat_id)


@bp.post("/r/notices/<int:notice_id>/comments")
@resident_required
def notice_comment(notice_id):
    notice = _notice(notice_id)
    try:
        notices.comment(notice, g.owner, request.form.get("kind", ""), request.form.get("text", ""))
    except notices.NoticeRefused as refused:
        db.session.rollback()
        flash(str(refused), "error")
    else:
        db.session.commit()
        flash("已提交，社区会答复您。", "info")
    return redirect(url_for(".notice", notice_id=notice.id))


@bp.get("/r/notices/<int:notice_id>/files/<int:attachment_id>")
@resident_required
def notice_file(notice_id, attachment_id):
    return downloads.notice_file(_notice(notice_id), attachment_id)
