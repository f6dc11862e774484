"""Console pages for complaints: the work queue, one ticket (routing, actions, history), phone entry,
photos, the handling rates, the departments and the classifier in use."""

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from core.accounts import Role
from core.complaints import departments, history, queries, tickets
from core.complaints.models import Department
from core.db import db
from core.register import scope
from core.register.lookup import flat_by_code
from core.register.privacy import looks_like_phone, mask_name
from web.classifier import router, store
from web.console.routes import bp


@bp.context_processor
def _urgent_alert():
    """Every console page says when emergencies in the user's estates wait for a department."""
    if not current_user.is_authenticated:
        return {}
    return {"urgent_waiting": queries.urgent_waiting(current_user)}


def _ticket_or_404(complaint_id: int, lock: bool = False):
    complaint = queries.in_scope(current_user, complaint_id)
    if complaint is None:
        abort(404)
    if lock:
        complaint = tickets.for_update(complaint.id)
    return complaint


@bp.get("/complaints", endpoint="complaints")
def complaints_list():
    view = request.args.get("view", "open")
    if view not in queries.VIEWS:
        view = "open"
    department_id = request.args.get("department", type=int)
    return render_template(
        "console/complaints.html", rows=queries.queue(current_user, view, department_id), view=view,
        views=queries.VIEWS, counts=queries.counts(current_user),
        departments=departments.for_user(current_user), department_id=department_id, mask_name=mask_name,
    )


@bp.get("/complaints/<int:complaint_id>")
def complaint(complaint_id):
    ticket = _ticket_or_404(complaint_id)
    street_id = departments.street_id_of_estate(ticket.estate_id)
    # A label goes where the street's mapping sends it (tickets.department_for_label), as routing did.
    suggestions = [(tickets.department_for_label(s["code"], ticket.estate_id), s["code"], s["probability"])
                   for s in ticket.suggestions]
    return render_template(
        "console/complaint.html", ticket=ticket, suggestions=suggestions, mask_name=mask_name,
        departments=departments.all_departments(active_only=True, street_id=street_id),
        can_act=scope.can_manage(current_user, ticket.estate),
    )


def _act(complaint_id, action):
    ticket = _ticket_or_404(complaint_id, lock=True)
    if not scope.can_manage(current_user, ticket.estate):
        abort(404)
    try:
        action(ticket, request.form.get("note", "").strip())
    except tickets.ComplaintRefused as refused:
        db.session.rollback()
        flash(str(refused), "error")
    else:
        db.session.commit()
        flash(f"{ticket.ticket}：{ticket.status_label}", "info")
    return redirect(url_for(".complaint", complaint_id=complaint_id))


@bp.post("/complaints/<int:complaint_id>/assign")
def complaint_assign(complaint_id):
    def assign(ticket, note):
        department = db.session.get(Department, request.form.get("department", type=int) or 0)
        if department is None:
            raise tickets.ComplaintRefused("请选择部门。")
        tickets.assign(ticket, department, current_user, note)
    return _act(complaint_id, assign)


@bp.post("/complaints/<int:complaint_id>/start")
def complaint_start(complaint_id):
    return _act(complaint_id, lambda ticket, note: tickets.start(ticket, current_user, note))


@bp.post("/complaints/<int:complaint_id>/return")
def complaint_return(complaint_id):
    return _act(complaint_id, lambda ticket, note: tickets.send_back(ticket, current_user, note))


@bp.post("/complaints/<int:complaint_id>/decline")
def complaint_decline(complaint_id):
    return _act(complaint_id, lambda ticket, note: tickets.decline(ticket, current_user, note))


@bp.post("/complaints/<int:complaint_id>/resolve")
def complaint_resolve(complaint_id):
    return _act(complaint_id, lambda ticket, note: tickets.resolve(ticket, current_user, note))


@bp.post("/complaints/<int:complaint_id>/unlink")
def complaint_unlink(complaint_id):
    """Not the same problem after all: the ticket leaves the one it followed and goes to triage."""
    return _act(complaint_id, lambda ticket, note: tickets.unlink(ticket, current_user, note))


@bp.get("/complaints/<int:complaint_id>/photos/<int:photo_id>")
def complaint_photo(complaint_id, photo_id):
    ticket = _ticket_or_404(complaint_id)
    photo = next((p for p in ticket.shown_photos if p.id == photo_id), None)
    if photo is None:
        abort(404)
    return Response(photo.data, mimetype=photo.content_type, headers={"Cache-Control": "private, max-age=3600"})


def _manageable_estates():
    return [e for e in db.session.scalars(scope.estates_query(current_user)) if scope.can_manage(current_user, e)]


@bp.route("/complaints/new", methods=["GET", "POST"])
def complaint_new():
    """A worker files a ticket for a resident who called or came by."""
    estates = _manageable_estates()
    if not estates:
        abort(404)
    form = {"estate": request.form.get("estate", type=int), "flat": request.form.get("flat", "").strip(),
            "text": request.form.get("text", ""), "caller": request.form.get("caller", "").strip()[:30],
            "caller_phone": request.form.get("caller_phone", "").strip()[:20]}
    if request.method == "POST":
        estate = next((e for e in estates if e.id == form["estate"]), None)
        flat = flat_by_code(estate, form["flat"]) if estate and form["flat"] else None
        problem = ("请选择小区。" if estate is None else
                   f"{estate.name}没有房屋 {form['flat']}，请按“楼栋-单元-房号”填写，如 1-2-301 或 1栋2单元301。"
                   if form["flat"] and flat is None else
                   "回电号码不像电话号码：手机 11 位，座机可带区号，如 028-12345678。"
                   if form["caller_phone"] and not looks_like_phone(form["caller_phone"]) else None)
        if problem is None:
            try:
                # Who called, for calling back: on the intake entry, which only the staff read.
                caller = " ".join(p for p in (form["caller"], form["caller_phone"]) if p)
                ticket, cut = tickets.file_complaint(form["text"], "phone", router(), flat=flat, estate=estate,
                                                     actor=current_user, note=f"来电人 {caller}" if caller else "")
                for upload in request.files.getlist("photos"):
                    if upload and upload.filename:
                        tickets.add_photo(ticket, upload.read())
            except tickets.ComplaintRefused as refused:
                db.session.rollback()
                problem = str(refused)
        if problem is None:
            db.session.commit()
            flash(f"已登记 {ticket.ticket}" + ("（内容过长，已截断）" if cut else "")
                  + (f"。与 {ticket.lead.ticket} 是同一问题，已合并办理（{ticket.reporters}户反映）"
                     if ticket.duplicate_of else "")
                  + (f"。紧急（{ticket.lead.urgent_reason}）：{tickets.urgent_notice(ticket.lead)}请转告来电人。"
                     if ticket.lead.urgent else ""), "error" if ticket.lead.urgent else "info")
            return redirect(url_for(".complaint", complaint_id=ticket.id))
        flash(problem, "error")
        return render_template("console/complaint_new.html", estates=estates, form=form), 422
    return render_template("console/complaint_new.html", estates=estates, form=form)


def _percent(value) -> str:
    return "—" if value is None else f"{value:.0%}"


@bp.get("/complaints/stats")
def complaint_stats():
    return render_template("console/complaint_stats.html", percent=_percent,
                           by_department=queries.rates_by_department(current_user),
                           by_estate=queries.rates_by_estate(current_user))


@bp.get("/departments")
def departments_list():
    return render_template("console/departments.html", rows=departments.for_user(current_user),
                           can_edit=departments.can_edit(current_user),
                           can_add=current_user.role == Role.STREET, show_street=current_user.role == Role.ADMIN)


@bp.post("/departments")
def department_add():
    """A street office adds a department to its own street's list."""
    if current_user.role != Role.STREET:
        abort(404)
    form = request.form
    try:
        department = departments.add(current_user, current_user.street_id, form.get("name", ""),
                                     form.get("handles", ""), form.get("sla_hours", ""), form.get("phone", ""))
    except departments.DepartmentRefused as refused:
        db.session.rollback()
        flash(f"没有添加：{refused}", "error")
        return redirect(url_for(".departments_list"))
    db.session.commit()
    flash(f"已添加：{department.name}", "info")
    return redirect(url_for(".departments_list"))


@bp.post("/departments/<int:department_id>")
def department_update(department_id):
    department = db.session.get(Department, department_id) or abort(404)
    if not departments.can_edit(current_user, department):
        abort(404)  # another street's department: not there, as far as this user can tell
    form = request.form
    try:
        departments.update(current_user, department, form.get("name", ""), form.get("handles", ""),
                           form.get("sla_hours", ""), form.get("phone", ""), form.get("active") == "1")
    except departments.DepartmentRefused as refused:
        db.session.rollback()
        flash(f"{department.name}：{refused}", "error")
        return redirect(url_for(".departments_list"))
    db.session.commit()
    flash(f"已保存：{department.name}", "info")
    return redirect(url_for(".departments_list"))


@bp.get("/classifier")
def classifier_status():
    if current_user.role not in (Role.STREET, Role.ADMIN):
        abort(404)
    street_id = current_user.street_id
    current = store().current(street_id)  # the street's own model, else the default
    mapping = history.mapping_for(street_id) if street_id else {}
    stale = [label for label in mapping if current is None or label not in current.labels]
    active = departments.all_departments(active_only=True, street_id=street_id)
    codes = {d.code for d in active} if street_id else set()
    unmapped = sum(1 for label in (current.labels if current else []) if label not in mapping and label not in codes)
    return render_template("console/classifier.html", current=current, last=store().last_retraining(),
                           threshold=router().threshold, mapping=mapping, stale=stale,
                           own=street_id is not None and store().has_own(street_id), codes=codes, unmapped=unmapped,
                           departments=active, can_map=street_id is not None)
