"""The street office's keys for the systems connected through Open311 (the 12345 hotline's, a department's):
made here and shown once, revoked here; the API itself is web/open311.py."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from core.accounts import Role
from core.complaints import open311
from core.db import db
from core.register.models import Street
from web.console.routes import bp


def _street_or_404() -> Street:
    # A key is scoped to one street: its officers hand it out (an admin uses `flask open311 add-key --street`).
    if current_user.role != Role.STREET or current_user.street_id is None:
        abort(404)
    return db.session.get(Street, current_user.street_id)


@bp.get("/open311-keys")
def open311_keys():
    street = _street_or_404()
    return render_template("console/open311_keys.html", keys=open311.keys_of(street.id), new_key=None,
                           api_root=request.url_root.rstrip("/") + "/open311/v2")


@bp.post("/open311-keys")
def open311_key_add():
    street = _street_or_404()
    name = request.form.get("name", "")
    try:
        key = open311.add_key(name, street, current_user)
    except ValueError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for(".open311_keys"))
    db.session.commit()
    # Shown on this answer only: the database keeps the key's hash, so it cannot be shown again.
    return render_template("console/open311_keys.html", keys=open311.keys_of(street.id), new_key=(name.strip(), key),
                           api_root=request.url_root.rstrip("/") + "/open311/v2")


@bp.post("/open311-keys/<int:key_id>/revoke")
def open311_key_revoke(key_id):
    street = _street_or_404()
    row = next((k for k in open311.keys_of(street.id) if k.id == key_id and k.revoked_at is None), None)
    if row is None:
        abort(404)
    if request.form.get("confirm") != "1":
        flash("请先勾选“确认停用”。", "error")
        return redirect(url_for(".open311_keys"))
    open311.revoke_key(row.name, current_user, street.id)
    db.session.commit()
    flash(f"已停用“{row.name}”的密钥：它的下一次调用会被拒绝。", "info")
    return redirect(url_for(".open311_keys"))
