"""The street office's overview: each estate's stage, demands, notices and satisfaction; the monthly report."""
import re

from flask import abort, render_template, request
from flask_login import current_user
from sqlalchemy import select

from core import audit
from core.consultation import demands, surveys
from core.consultation.models import DemandSurvey, Notice, Survey
from core.db import SHANGHAI, db, db_now, utcnow
from core.progress.report import monthly_xlsx, stage_of
from core.register import scope
from web.console.routes import bp
from web.downloads import attachment


def _latest(model, estate_id):
    return db.session.scalar(select(model).where(model.estate_id == estate_id, model.status != "draft")
                             .order_by(model.id.desc()))


@bp.get("/overview")
def overview():
    rows = []
    for estate in db.session.scalars(scope.estates_query(current_user)):
        demand = _latest(DemandSurvey, estate.id)
        survey = _latest(Survey, estate.id)
        rows.append({
            "estate": estate, "stage": stage_of(estate),
            "demand": demand, "top": demands.results(demand).items[:3] if demand else [],
            "notices": db.session.scalars(select(Notice).where(Notice.estate_id == estate.id,
                                                               Notice.status.in_(("published", "closed")))
                                          .order_by(Notice.id.desc()).limit(3)).all(),
            "survey": survey, "satisfaction": surveys.results(survey).satisfaction if survey else None,
        })
    return render_template("console/overview.html", rows=rows, month=utcnow().astimezone(SHANGHAI).strftime("%Y-%m"))


@bp.get("/report.xlsx")
def monthly_report():
    month = request.args.get("month", "")
    this_month = utcnow().astimezone(SHANGHAI).strftime("%Y-%m")
    if not re.fullmatch(r"20\d\d-(0[1-9]|1[0-2])", month) or month > this_month:
        abort(400, description=f"月份“{month[:20]}”不对：请选择要导出的月份（本月或以前），例如 {this_month}。")
    data = monthly_xlsx(current_user, month, db_now(db.session))
    audit.record(current_user, "report.export", f"month:{month}")
    db.session.commit()
    return attachment(data, f"老旧小区改造进度-{month}.xlsx", f"progress-{month}.xlsx")
