"""Console pages: estates in the user's scope, an estate's register, import and export."""
import io
from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from core.db import SHANGHAI, db
from core.jobs import scheduler_status
from core.register import eligibility, scope
from core.register.operations import export_register, import_register
from core.register.privacy import mask_name, mask_phone
from core.register.sheet import ImportRejected, template
from core.votes.ballots import owner_has_voted

bp = Blueprint("console", __name__, url_prefix="/console")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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


@bp.get("/register-template.xlsx")
def register_template():
    return send_file(io.BytesIO(template()), mimetype=XLSX, as_attachment=True,
                     download_name="住户登记模板.xlsx")


@bp.get("/estates/<int:estate_id>/register.xlsx")
def export(estate_id):
    estate = _register_editor_or_404(estate_id)
    data = export_register(estate, current_user)
    db.session.commit()  # the audit entry
    return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True,
                     download_name=f"{estate.name}-住户登记.xlsx")
