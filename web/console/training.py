"""The street office trains the classifier on its own history: upload an export of past tickets, choose the
text and department columns, follow the training (done by the scheduler), compare, promote; and map the
model's labels to the street's departments."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from core.accounts import Role
from core.complaints import history
from core.complaints.models import Department
from core.db import db
from web.classifier import router, store
from web.console.routes import bp


def _street_staff_or_404():
    if current_user.role not in (Role.STREET, Role.ADMIN):
        abort(404)


def _run_or_404(run_id: int):
    _street_staff_or_404()
    run = history.run_for(current_user, run_id)
    if run is None:
        abort(404)
    return run


@bp.get("/classifier/history")
def training_runs():
    _street_staff_or_404()
    return render_template("console/training_runs.html", runs=history.runs_for(current_user))


@bp.post("/classifier/history")
def training_upload():
    _street_staff_or_404()
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise history.HistoryRefused("请选择文件。")
        run = history.upload(current_user, upload.filename, upload.read())
    except history.HistoryRefused as refused:
        db.session.rollback()
        flash(str(refused), "error")
        return redirect(url_for(".training_runs"))
    db.session.commit()
    return redirect(url_for(".training_run", run_id=run.id))


@bp.get("/classifier/history/<int:run_id>")
def training_run(run_id):
    run = _run_or_404(run_id)
    current = store().current(run.street_id)  # what this street routes with now
    return render_template("console/training_run.html", run=run, current=current, threshold=router().threshold,
                           in_use=history.in_use(run, store()))


@bp.post("/classifier/history/<int:run_id>/start")
def training_start(run_id):
    run = _run_or_404(run_id)
    try:
        history.start(run, current_user, request.form.getlist("text"), request.form.get("label", ""),
                      request.form.get("corrections") == "1")
    except history.HistoryRefused as refused:
        db.session.rollback()
        flash(str(refused), "error")
    else:
        db.session.commit()
        flash("已排队，训练由后台完成，通常几分钟。本页会自动刷新。", "info")
    return redirect(url_for(".training_run", run_id=run_id))


@bp.post("/classifier/history/<int:run_id>/promote")
def training_promote(run_id):
    run = _run_or_404(run_id)
    try:
        if request.form.get("confirm") != "1":
            raise history.HistoryRefused("请先勾选确认，再启用新模型。")
        version = history.promote(run, current_user, store())
    except history.HistoryRefused as refused:
        db.session.rollback()
        flash(str(refused), "error")
    else:
        db.session.commit()
        flash(f"已启用新模型 {version}：本街道的新工单从现在起按它分派，其他街道不受影响。" if run.street_id else
              f"已启用新模型 {version}，作为全区默认模型。", "info")
    return redirect(url_for(".training_run", run_id=run_id))


@bp.post("/classifier/history/<int:run_id>/delete")
def training_delete(run_id):
    run = _run_or_404(run_id)
    try:
        if request.form.get("confirm") != "1":
            raise history.HistoryRefused("请先勾选确认，再删除。")
        name = run.filename
        history.delete(run, current_user, store())
    except history.HistoryRefused as refused:
        db.session.rollback()
        flash(str(refused), "error")
        return redirect(url_for(".training_run", run_id=run_id))
    db.session.commit()
    flash(f"已删除 {name} 的数据和用它训练的模型。", "info")
    return redirect(url_for(".training_runs"))


@bp.post("/classifier/mapping")
def label_mapping():
    """Street staff map each label of the model in use to one of the street's departments."""
    _street_staff_or_404()
    if current_user.street_id is None:
        abort(404)
    current = store().current(current_user.street_id)
    # The labels of the model in use, and those an earlier model left in the table (shown so they can be cleared).
    labels = [*(current.labels if current else []), *history.mapping_for(current_user.street_id)]
    for label in dict.fromkeys(labels):
        chosen = request.form.get(f"map-{label}", "")
        department = db.session.get(Department, int(chosen)) if chosen.isdigit() and len(chosen) < 12 else None
        if department is not None and department.street_id != current_user.street_id:
            abort(404)  # another street's department: not this officer's to route to
        history.set_mapping(current_user, current_user.street_id, label, department)
    db.session.commit()
    flash("已保存标签与部门的对应。", "info")
    return redirect(url_for(".classifier_status"))


@bp.post("/classifier/default")
def classifier_back_to_default():
    """The street routes with the default model again (after a promotion it regrets)."""
    _street_staff_or_404()
    if current_user.street_id is None or not store().has_own(current_user.street_id):
        abort(404)
    if request.form.get("confirm") != "1":
        flash("请先勾选确认。", "error")
        return redirect(url_for(".classifier_status"))
    history.back_to_default(current_user, current_user.street_id, store())
    db.session.commit()
    flash("本街道已改回默认模型。", "info")
    return redirect(url_for(".classifier_status"))
