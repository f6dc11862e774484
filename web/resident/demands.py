"""Residents' demand survey page: pick the items the flat wants, rank the top three, add a sentence."""
from flask import abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from core.consultation import demands
from core.consultation.models import DemandSurvey
from core.consultation.models.demand import CATEGORY_LABELS
from core.db import db
from web.resident.routes import bp, resident_required


def _survey(survey_id: int) -> DemandSurvey:
    survey = db.session.scalar(select(DemandSurvey).where(DemandSurvey.id == survey_id,
                                                          DemandSurvey.estate_id == g.owner.flat.unit.building.estate_id,
                                                          DemandSurvey.status != "draft"))
    if survey is None:
        abort(404)
    return survey


def _positions(values) -> list[int]:
    return [int(v) for v in values if v.strip().isdigit()]


@bp.get("/r/demands/<int:survey_id>")
@resident_required
def demand(survey_id):
    survey = _survey(survey_id)
    mine = demands.response_of(survey, g.owner.flat_id)
    picked = {c.item.position for c in mine.choices} if mine else set()
    top = {c.rank: c.item.position for c in mine.choices if c.rank} if mine else {}
    return render_template("resident/demand.html", survey=survey, mine=mine, picked=picked, top=top,
                           categories=CATEGORY_LABELS)


@bp.post("/r/demands/<int:survey_id>")
@resident_required
def demand_answer(survey_id):
    survey = _survey(survey_id)
    top = _positions(request.form.get(f"top{n}", "") for n in (1, 2, 3))
    try:
        demands.answer(survey, g.owner, _positions(request.form.getlist("item")), top,
                       request.form.get("comment", ""), "web")
    except demands.DemandRefused as refused:
        db.session.rollback()
        flash(str(refused), "error")
    else:
        db.session.commit()
        flash("已记录您家的需求，截止前可以修改。", "info")
    return redirect(url_for(".demand", survey_id=survey.id))
