"""Console: street offices and communities (admins; street staff in their own street), and correcting one flat
or one owner of an estate's register (the estate's community workers and admins). Every change is audited."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from core.accounts import Role
from core.db import db
from core.register.admin import RegisterError, create_community, create_street, update_flat, update_owner
from core.register.models import Flat, Owner, Street
from web.console.routes import _register_editor_or_404, bp


class PostForm(FlaskForm):
    """CSRF only: the fields are read from request.form and checked by core.register.admin."""


def _streets():
    if current_user.role == Role.ADMIN:
        return db.session.scalars(select(Street).order_by(Street.id)).all()
    if current_user.role == Role.STREET:
        return [db.session.get(Street, current_user.street_id)]
    abort(404)  # community workers keep estates, not the list of communities


@bp.get("/organisation")
def organisation():
    return render_template("console/organisation.html", streets=_streets(), form=PostForm(),
                           can_add_street=current_user.role == Role.ADMIN)


@bp.post("/organisation/streets")
def add_street():
    if current_user.role != Role.ADMIN:
        abort(404)
    if not PostForm().validate_on_submit():
        abort(400)
    try:
        street = create_street(current_user, request.form.get("name", ""))
    except RegisterError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"已添加街道：{street.name}", "info")
    return redirect(url_for(".organisation"))


@bp.post("/organisation/communities")
def add_community():
    streets = {street.id: street for street in _streets()}
    if not PostForm().validate_on_submit():
        abort(400)
    street = streets.get(request.form.get("street", type=int))
    if street is None:
        flash("请选择街道。", "error")
        return redirect(url_for(".organisation"))
    try:
        community = create_community(current_user, street, request.form.get("name", ""))
    except RegisterError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"已添加社区：{street.name} {community.name}", "info")
    return redirect(url_for(".organisation"))


def _flat_or_404(flat_id: int) -> Flat:
    flat = db.session.get(Flat, flat_id) or abort(404)
    _register_editor_or_404(flat.unit.building.estate_id)
    return flat


@bp.get("/flats/<int:flat_id>/edit")
def flat_edit(flat_id):
    flat = _flat_or_404(flat_id)
    return render_template("console/flat_edit.html", flat=flat, estate=flat.unit.building.estate, form=PostForm())


@bp.post("/flats/<int:flat_id>/edit")
def flat_update(flat_id):
    flat = _flat_or_404(flat_id)
    if not PostForm().validate_on_submit():
        abort(400)
    try:
        changes = update_flat(current_user, flat, request.form.get("area", ""), request.form.get("floor", ""))
    except RegisterError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for(".flat_edit", flat_id=flat_id))
    db.session.commit()
    flash(f"{flat.label} 已保存：" + "；".join(changes) if changes else "没有改动。", "info")
    return redirect(url_for(".flat_edit", flat_id=flat_id))


@bp.post("/owners/<int:owner_id>")
def owner_update(owner_id):
    owner = db.session.get(Owner, owner_id) or abort(404)
    flat = _flat_or_404(owner.flat_id)
    if not PostForm().validate_on_submit():
        abort(400)
    try:
        changes = update_owner(current_user, owner, request.form.get("name", ""), request.form.get("phone", ""),
                               request.form.get("id_last4", ""))
    except RegisterError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for(".flat_edit", flat_id=flat.id))
    db.session.commit()
    flash(f"业主信息已保存：改了{'、'.join(changes)}。" if changes else "没有改动。", "info")
    return redirect(url_for(".flat_edit", flat_id=flat.id))
