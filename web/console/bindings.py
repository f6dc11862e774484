"""Console pages for WeChat bindings: who is bound, one-time codes (singly or as a door-to-door sheet), revoking."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from core import audit
from core.db import db, db_now, local
from core.register import scope
from core.register.models import Building, Flat, Owner, Unit
from core.register.privacy import mask_name
from core.residents.bindings import CODE_LIFETIME, issue_code, lift_lock, locked_flat_ids, revoke
from core.residents.models import Binding
from core.workbook import add_sheet, append_row, new_book, save
from web.console.routes import _estate_or_404, _register_editor_or_404, bp
from web.downloads import attachment


def _owners(estate):
    """(owner, live binding or None) for every owner of the estate, in register order."""
    return db.session.execute(
        select(Owner, Binding).join(Flat, Flat.id == Owner.flat_id).join(Unit).join(Building)
        .outerjoin(Binding, (Binding.owner_id == Owner.id) & Binding.ended_at.is_(None))
        .where(Building.estate_id == estate.id, Owner.moved_out_at.is_(None))
        .order_by(Building.sort_key, Unit.number, Flat.number, Owner.id)
    ).all()


def _in_estate(estate, model, row_id):
    """An owner or a binding of this estate, else 404."""
    row = db.session.get(model, row_id)
    owner = row.owner if isinstance(row, Binding) else row
    if owner is None or owner.flat.unit.building.estate_id != estate.id:
        abort(404)
    return row


@bp.get("/estates/<int:estate_id>/bindings")
def bindings(estate_id):
    estate = _estate_or_404(estate_id)
    rows = _owners(estate)
    return render_template("console/bindings.html", estate=estate, rows=rows, mask_name=mask_name,
                           bound=sum(1 for _, b in rows if b), locked=locked_flat_ids({o.flat_id for o, _ in rows}),
                           can_edit=scope.can_manage(current_user, estate))


@bp.post("/estates/<int:estate_id>/flats/<int:flat_id>/unlock-binding")
def unlock_binding(estate_id, flat_id):
    """Lift a flat's binding lockout (too many failed name/phone tries), e.g. once the owner has shown ID."""
    estate = _register_editor_or_404(estate_id)
    flat = db.session.get(Flat, flat_id)
    if flat is None or flat.unit.building.estate_id != estate.id:
        abort(404)
    lift_lock(flat, current_user)
    db.session.commit()
    flash(f"已解除 {flat.label} 的绑定锁定。", "info")
    return redirect(url_for(".bindings", estate_id=estate.id))


@bp.post("/estates/<int:estate_id>/owners/<int:owner_id>/binding-code")
def binding_code(estate_id, owner_id):
    estate = _register_editor_or_404(estate_id)
    owner = _in_estate(estate, Owner, owner_id)
    if owner.moved_out_at is not None:
        abort(404)
    code = issue_code(owner, current_user)
    expires = local(db_now(db.session) + CODE_LIFETIME)
    db.session.commit()
    return render_template("console/binding_code.html", estate=estate, owner=owner, code=code, expires=expires)


@bp.post("/estates/<int:estate_id>/bindings/<int:binding_id>/revoke")
def revoke_binding(estate_id, binding_id):
    estate = _register_editor_or_404(estate_id)
    binding = _in_estate(estate, Binding, binding_id)
    revoke(binding, current_user)
    db.session.commit()
    flash(f"已解除 {binding.owner.flat.label} 的微信绑定。", "info")
    return redirect(url_for(".bindings", estate_id=estate.id))


@bp.post("/estates/<int:estate_id>/binding-codes.xlsx")
def binding_sheet(estate_id):
    """A door-to-door sheet: a fresh code for every owner not yet bound (earlier codes stop working)."""
    estate = _register_editor_or_404(estate_id)
    book = new_book()
    sheet = add_sheet(book, "绑定码", ["楼栋", "单元", "户号", "业主", "绑定码", "有效至"], [])
    expires = local(db_now(db.session) + CODE_LIFETIME)
    count = 0
    for owner, binding in _owners(estate):
        if binding is None:
            flat = owner.flat
            append_row(sheet, [flat.unit.building.number, flat.unit.number, flat.number, owner.name,
                               issue_code(owner, current_user), expires])
            count += 1
    audit.record(current_user, "binding.sheet", f"estate:{estate.id}", f"{count} codes")
    db.session.commit()
    return attachment(save(book), f"{estate.name}-绑定码.xlsx", f"binding-codes-estate-{estate.id}.xlsx")
