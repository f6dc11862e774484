"""Console pages: estates in the user's scope, an estate's register, import and export."""
import io
from datetime import date, datetime, time

import segno
from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select

from core import audit
from core.db import SHANGHAI, db, db_now, local
from core.jobs import scheduler_status
from core.register import eligibility, scope
from core.register.models import HOLDER_KINDS, Flat, Owner
from core.register.operations import (
    RegisterError,
    export_register,
    import_register,
    same_person_flats,
    set_holder,
    transfer,
)
from core.register.privacy import mask_name, mask_phone
from core.register.sheet import ImportRejected, template
from core.residents.links import LINK_LIFETIME, issue_link
from core.votes import proxies
from core.votes.ballots import owner_has_voted
from web.addresses import public_url
from web.downloads import attachment

bp = Blueprint("console", __name__, url_prefix="/console")



class ImportForm(FlaskForm):
    file = FileField("登记表文件", validators=[FileRequired("请选择文件。")])


@bp.before_request
@login_required
def _signed_in():
    """Every console page needs a signed-in staff member."""


def _estate_or_404(estate_id: int):
    estate = scope.estate_for(current_user, estate_id)
    if estate is None:
        abort(404)
    return estate


def local_input(value: str) -> datetime:
    """A datetime-local form value, read as Asia/Shanghai time (ValueError if it is not one)."""
    return datetime.fromisoformat(value).replace(tzinfo=SHANGHAI)


def _register_editor_or_404(estate_id: int):
    estate = _estate_or_404(estate_id)
    if not scope.can_manage(current_user, estate):
        abort(404)
    return estate


@bp.get("/")
def index():
    estates = db.session.scalars(scope.estates_query(current_user)).all()
    rows = [(e, eligibility.assess(e), sum(len(u.flats) for b in e.buildings for u in b.units)) for e in estates]
    return render_template("console/index.html", rows=rows, scheduler=scheduler_status())


@bp.get("/estates/<int:estate_id>")
def estate(estate_id):
    estate = _estate_or_404(estate_id)
    return render_template(
        "console/estate.html", estate=estate, assessment=eligibility.assess(estate),
        can_edit=scope.can_manage(current_user, estate), form=ImportForm(),
        mask_name=mask_name, mask_phone=mask_phone,
    )


@bp.post("/estates/<int:estate_id>/import")
def import_file(estate_id):
    estate = _register_editor_or_404(estate_id)
    form = ImportForm()
    errors = []
    if form.validate_on_submit():
        upload = form.file.data
        try:
            result = import_register(estate, upload.filename or "", upload.read(), current_user,
                                     has_voted=owner_has_voted)
        except ImportRejected as rejected:
            db.session.rollback()
            errors = rejected.errors
        else:
            db.session.commit()
            flash("导入成功：" + result.summary, "info")
            return redirect(url_for(".estate", estate_id=estate.id))
    else:
        flash("请选择要导入的文件。", "error")
        return redirect(url_for(".estate", estate_id=estate.id))
    return render_template("console/import_errors.html", estate=estate, errors=errors, form=form), 422


@bp.route("/flats/<int:flat_id>", methods=["GET", "POST"])
def flat_page(flat_id):
    """A flat's owners, and who holds it for the law's headcount (editable by the estate's workers)."""
    flat = db.session.get(Flat, flat_id)
    if flat is None:
        abort(404)
    estate = _estate_or_404(flat.unit.building.estate_id)
    can_edit = scope.can_manage(current_user, estate)
    form = {"holder_kind": flat.holder_kind, "person_key": flat.person_key}
    if request.method == "POST":
        if not can_edit:
            abort(404)
        form = {"holder_kind": request.form.get("holder_kind", ""), "person_key": request.form.get("person_key", "")}
        try:
            changed = set_holder(flat, form["holder_kind"], form["person_key"], current_user)
        except RegisterError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash("已保存。已发布的表决仍按发布时登记的人数计票。" if changed else "没有改动。", "info")
            return redirect(url_for(".flat_page", flat_id=flat.id))
    return _flat_page(flat, estate, can_edit, form)


def _flat_page(flat, estate, can_edit, form, proxy_form=None, transfer_form=None, code=200):
    from core.votes.models import Vote

    open_votes = db.session.scalars(select(Vote).where(Vote.estate_id == estate.id, Vote.status != "closed")
                                    .order_by(Vote.id.desc())).all()
    proxy_form = proxy_form or {"proxy_name": "", "proxy_phone": "", "scope": "", "valid_until": ""}
    listed, now = proxies.for_flat(flat.id), db_now(db.session)
    return render_template("console/flat.html", flat=flat, estate=estate, can_edit=can_edit, form=form,
                           holder_kinds=HOLDER_KINDS, same=same_person_flats(flat), mask_name=mask_name,
                           mask_phone=mask_phone, proxies=listed, votes=open_votes, proxy_form=proxy_form,
                           proxy_states={p.id: proxies.state(p, now) for p in listed}, live=proxies.LIVE,
                           transfer_form=transfer_form or {"name": "", "phone": "", "id_last4": ""}), code


def _flat_editor_or_404(flat_id):
    flat = db.session.get(Flat, flat_id)
    if flat is None:
        abort(404)
    estate = _register_editor_or_404(flat.unit.building.estate_id)
    return flat, estate


@bp.post("/flats/<int:flat_id>/transfer")
def transfer_flat(flat_id):
    """过户: a worker records that the flat changed hands (the old owners move out, the buyer represents it)."""
    from core.residents.bindings import end_for_owner

    flat, estate = _flat_editor_or_404(flat_id)
    typed = {name: request.form.get(name, "") for name in ("name", "phone", "id_last4")}
    try:
        if request.form.get("confirm") != "1":
            raise RegisterError("请先勾选确认，再办理过户。")
        for owner in transfer(flat, typed["name"], typed["phone"], typed["id_last4"], current_user):
            end_for_owner(owner, current_user)
    except RegisterError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _flat_page(flat, estate, True, {"holder_kind": flat.holder_kind, "person_key": flat.person_key},
                          transfer_form=typed, code=422)
    db.session.commit()
    flash("已过户。原业主的微信绑定已解除；进行中表决里本户的票仍然有效，新业主可以在截止前改投。", "info")
    return redirect(url_for(".flat_page", flat_id=flat.id))


@bp.post("/flats/<int:flat_id>/proxies")
def record_proxy(flat_id):
    """A signed proxy form (委托书), entered by a community worker of the estate."""
    from core.votes.models import Vote

    flat, estate = _flat_editor_or_404(flat_id)
    typed = {name: request.form.get(name, "") for name in ("proxy_name", "proxy_phone", "scope", "valid_until")}
    try:
        vote = valid_until = None
        if typed["scope"].isdigit():
            vote = db.session.scalar(select(Vote).where(Vote.id == int(typed["scope"]), Vote.estate_id == estate.id))
            if vote is None:
                raise proxies.ProxyError("请选择本小区的表决。")
        elif typed["scope"] == "until":
            try:
                day = date.fromisoformat(typed["valid_until"])
            except ValueError:
                raise proxies.ProxyError("请填写委托截止日期。" if not typed["valid_until"].strip()
                                         else f"委托截止日期“{typed['valid_until'][:20]}”看不懂，请按“年-月-日”填写。") from None
            # Valid through that day, Beijing time.
            valid_until = datetime.combine(day, time(23, 59, 59), tzinfo=SHANGHAI)
        upload = request.files.get("scan")
        proxies.record(current_user, flat, typed["proxy_name"], typed["proxy_phone"], vote=vote,
                       valid_until=valid_until, scan=upload.read() if upload and upload.filename else None)
    except proxies.ProxyError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _flat_page(flat, estate, True, {"holder_kind": flat.holder_kind, "person_key": flat.person_key},
                          proxy_form=typed, code=422)
    db.session.commit()
    flash("委托已登记。", "info")
    return redirect(url_for(".flat_page", flat_id=flat.id) + "#proxies")


def _proxy_or_404(proxy_id: int):
    """(proxy, its flat) for a worker who may edit the flat's estate; 404 otherwise."""
    from core.votes.models import Proxy

    proxy = db.session.get(Proxy, proxy_id)
    if proxy is None:
        abort(404)
    flat, _ = _flat_editor_or_404(proxy.flat_id)
    return proxy, flat


@bp.post("/proxies/<int:proxy_id>/revoke")
def revoke_proxy(proxy_id):
    proxy, flat = _proxy_or_404(proxy_id)
    try:
        proxies.revoke(proxy, current_user, request.form.get("reason", ""))
    except proxies.ProxyError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash("委托已撤销。已按委托投出的票仍然有效，直到业主代表改投。", "info")
    return redirect(url_for(".flat_page", flat_id=flat.id) + "#proxies")


@bp.post("/proxies/<int:proxy_id>/code")
def proxy_code(proxy_id):
    """A one-time code with which a proxy who is not on the register binds their WeChat to the proxy."""
    proxy, flat = _proxy_or_404(proxy_id)
    try:
        code = proxies.issue_code(proxy, current_user)
    except proxies.ProxyError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for(".flat_page", flat_id=flat.id) + "#proxies")
    expires = local(proxy.code_expires_at)
    db.session.commit()
    return render_template("console/proxy_code.html", flat=flat, proxy=proxy, code=code, expires=expires,
                           mask_name=mask_name)


@bp.post("/flats/<int:flat_id>/owners/<int:owner_id>/sign-in-link")
def owner_sign_in_link(flat_id, owner_id):
    """A one-time sign-in link for an owner who does not use WeChat: the front page tells them to ask the
    community for one. Shown once, with a QR code to scan from the worker's screen; audited."""
    flat, _estate = _flat_editor_or_404(flat_id)
    owner = db.session.get(Owner, owner_id)
    if owner is None or owner.flat_id != flat.id or owner.moved_out_at is not None:
        abort(404)
    token = issue_link(owner)
    audit.record(current_user, "resident.link", f"owner:{owner.id}", flat.label)
    db.session.commit()
    link = public_url(url_for("resident.login_link", token=token))
    qr = segno.make(link, error="m").svg_inline(scale=5, dark="#000", light="#fff", omitsize=False)
    return render_template("console/sign_in_link.html", flat=flat, owner=owner, link=link, qr=qr,
                           minutes=int(LINK_LIFETIME.total_seconds() // 60), mask_name=mask_name)


@bp.get("/proxies/<int:proxy_id>/scan")
def proxy_scan(proxy_id):
    proxy, _ = _proxy_or_404(proxy_id)
    if not proxy.scan:
        abort(404)
    audit.record(current_user, "proxy.scan_view", f"proxy:{proxy.id}")
    db.session.commit()
    return send_file(io.BytesIO(proxy.scan), mimetype=proxy.scan_type, download_name=f"委托书-{proxy.id}")


@bp.get("/register-template.xlsx")
def register_template():
    return attachment(template(), "住户登记模板.xlsx", "register-template.xlsx")


@bp.get("/estates/<int:estate_id>/register.xlsx")
def export(estate_id):
    estate = _register_editor_or_404(estate_id)
    data = export_register(estate, current_user)
    db.session.commit()  # the audit entry
    return attachment(data, f"{estate.name}-住户登记.xlsx", f"register-estate-{estate.id}.xlsx")
