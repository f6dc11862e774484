"""Console: street offices and communities (admins; street staff in their own street), and correcting one flat
or one owner of an estate's register (the estate's community workers and admins). Every change is audited."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from core.accounts import Role
from core.complaints import departments
from core.db import db
from core.register.admin import (ESTATE_FACTS, RegisterError, create_community, create_street, save_estate, update_flat,
                                 update_owner)
from core.register.models import Community, Flat, Owner, Street
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
        departments.seed_defaults(street)  # its officers find the default departments, not an empty list
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
    return _flat_edit_page(_flat_or_404(flat_id))


def _flat_edit_page(flat, typed=None, code=200):
    """The flat's edit page; after a refusal, with what was typed in the form that was sent (422)."""
    return render_template("console/flat_edit.html", flat=flat, estate=flat.unit.building.estate, form=PostForm(),
                           typed=typed or {}), code


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
        return _flat_edit_page(flat, {"flat": request.form.to_dict()}, 422)
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
        return _flat_edit_page(flat, {owner.id: request.form.to_dict()}, 422)
    db.session.commit()
    flash(f"业主信息已保存：改了{'、'.join(changes)}。" if changes else "没有改动。", "info")
    return redirect(url_for(".flat_edit", flat_id=flat.id))


def _communities_for_new_estate() -> list[Community]:
    """Where this user may add an estate: a worker in their community, an admin anywhere; street staff
    follow estates read-only."""
    if current_user.role == Role.WORKER:
        return [db.session.get(Community, current_user.community_id)]
    if current_user.role == Role.ADMIN:
        return db.session.scalars(select(Community).order_by(Community.id)).all()
    abort(404)


def _estate_form(estate=None) -> dict:
    if estate is None:
        return {"name": "", "address": "", "year_built": "", "buildings": "", "community": "",
                "structurally_safe": "1"}
    form = {"name": estate.name, "address": estate.address, "year_built": str(estate.year_built), "buildings": "",
            "community": str(estate.community_id)}
    form.update({fact: "1" for fact in ESTATE_FACTS if getattr(estate, fact)})
    return form


def _render_estate_form(estate, form, communities, code=200):
    return render_template("console/estate_form.html", estate=estate, form=form, communities=communities,
                           facts=ESTATE_FACTS, csrf=PostForm()), code


@bp.route("/estates/new", methods=["GET", "POST"])
def new_estate():
    """新建小区: the estate, its buildings and its facts; flats come from the register import next."""
    communities = _communities_for_new_estate()
    if request.method == "GET":
        return _render_estate_form(None, _estate_form(), communities)
    if not PostForm().validate_on_submit():
        abort(400)
    form = request.form.to_dict()
    community = next((c for c in communities if str(c.id) == form.get("community", "")), None)
    if community is None and len(communities) == 1:
        community = communities[0]
    try:
        if community is None:
            raise RegisterError("请选择社区。")
        estate, _ = save_estate(current_user, community, None, form)
    except RegisterError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _render_estate_form(None, form, communities, 422)
    db.session.commit()
    flash(f"已新建小区 {estate.name}（{len(estate.buildings)} 栋）。下一步：下载模板，填好住户登记表后导入。", "info")
    return redirect(url_for(".estate", estate_id=estate.id) + "#import")


@bp.route("/estates/<int:estate_id>/edit", methods=["GET", "POST"])
def edit_estate(estate_id):
    """The estate's name, address, year built, buildings (added, never removed) and eligibility facts."""
    estate = _register_editor_or_404(estate_id)
    if request.method == "GET":
        return _render_estate_form(estate, _estate_form(estate), [estate.community])
    if not PostForm().validate_on_submit():
        abort(400)
    form = request.form.to_dict()
    try:
        _, changes = save_estate(current_user, estate.community, estate, form)
    except RegisterError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _render_estate_form(estate, form, [estate.community], 422)
    db.session.commit()
    flash("已保存：" + "；".join(changes) if changes else "没有改动。", "info")
    return redirect(url_for(".estate", estate_id=estate.id))
