"""Residents' complaint pages: file one (with photos), follow it, add photos, rate the handling."""
from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from core.complaints import tickets
from core.complaints.models import CLOSED, Complaint
from core.db import db
from web.classifier import router
from web.resident.routes import bp, resident_required


def _mine(complaint_id: int, lock: bool = False) -> Complaint:
    query = select(Complaint).where(Complaint.id == complaint_id, Complaint.flat_id == g.owner.flat_id)
    complaint = db.session.scalar(query.with_for_update() if lock else query)
    if complaint is None:
        abort(404)
    return complaint


def _photos(complaint) -> None:
    for upload in request.files.getlist("photos"):
        if upload and upload.filename:
            tickets.add_photo(complaint, upload.read())


@bp.get("/r/complaints")
@resident_required
def my_complaints():
    return render_template("resident/complaints.html", owner=g.owner,
                           tickets=tickets.for_flat(g.owner.flat_id, limit=20), text="")


@bp.post("/r/complaints")
@resident_required
def file_complaint():
    text = request.form.get("text", "")
    try:
        complaint, cut = tickets.file_complaint(text, "web", router(), owner=g.owner)
        _photos(complaint)
    except tickets.ComplaintRefused as refused:
        db.session.rollback()
        flash(str(refused), "error")
        return render_template("resident/complaints.html", owner=g.owner, text=text,
                               tickets=tickets.for_flat(g.owner.flat_id, limit=20)), 422
    db.session.commit()
    flash(f"已受理，编号 {complaint.ticket}。" + (f"内容超过{tickets.MAX_TEXT}字，只保存了前面部分。" if cut else "")
          + (f"{tickets.earlier_reporter(complaint)}已经报过同一个问题（编号 {complaint.lead.ticket}），合并办理。"
             if complaint.duplicate_of else "")
          + tickets.urgent_notice(complaint.lead), "info")
    return redirect(url_for(".my_complaint", complaint_id=complaint.id))


@bp.get("/r/complaints/<int:complaint_id>")
@resident_required
def my_complaint(complaint_id):
    return render_template("resident/complaint.html", ticket=_mine(complaint_id), urgent_notice=tickets.urgent_notice)


def _change(complaint_id: int, action, done: str):
    complaint = _mine(complaint_id, lock=True)
    try:
        action(complaint)
    except tickets.ComplaintRefused as refused:
        db.session.rollback()
        flash(str(refused), "error")
    else:
        db.session.commit()
        flash(done, "info")
    return redirect(url_for(".my_complaint", complaint_id=complaint_id))


def _more_photos(complaint) -> None:
    if complaint.status in CLOSED:
        raise tickets.ComplaintRefused(f"工单已{complaint.status_label}，不能再加照片。")
    _photos(complaint)


@bp.post("/r/complaints/<int:complaint_id>/photos")
@resident_required
def add_photos(complaint_id):
    return _change(complaint_id, _more_photos, "照片已上传。")


@bp.post("/r/complaints/<int:complaint_id>/rating")
@resident_required
def rate_complaint(complaint_id):
    return _change(complaint_id, lambda complaint: tickets.rate(
        complaint, g.owner, request.form.get("stars"), request.form.get("comment", "")), "谢谢您的评价！")


@bp.get("/r/complaints/<int:complaint_id>/photos/<int:photo_id>")
@resident_required
def complaint_photo(complaint_id, photo_id):
    photo = next((p for p in _mine(complaint_id).shown_photos if p.id == photo_id), None)
    if photo is None:
        abort(404)
    return Response(photo.data, mimetype=photo.content_type, headers={"Cache-Control": "private, max-age=3600"})
