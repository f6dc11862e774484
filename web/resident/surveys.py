"""Residents' satisfaction survey page."""
from flask import abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from core.consultation import surveys
from core.consultation.models import Survey
from core.db import db
from web.resident.routes import bp, resident_required


def _survey(survey_id: int) -> Survey:
    survey = db.session.scalar(select(Survey).where(Survey.id == survey_id, Survey.status != "draft",
                                                    Survey.estate_id == g.owner.flat.unit.building.estate_id))
    if survey is None:
        abort(404)
    return survey


@bp.get("/r/surveys/<int:survey_id>")
@resident_required
def survey(survey_id):
    survey = _survey(survey_id)
    mine = surveys.my_response(survey, g.owner.flat_id)
    return render_template("resident/survey.html", survey=survey, answers=mine.answers if mine else {},
                           answered=surveys.has_answered(survey, g.owner.flat_id))


@bp.post("/r/surveys/<int:survey_id>")
@resident_required
def survey_answer(survey_id):
    survey = _survey(survey_id)
    try:
        surveys.answer(survey, g.owner, request.form.to_dict())
    except surveys.SurveyRefused as refused:
        db.session.rollback()
        flash(str(refused), "error")
    else:
        db.session.commit()
        flash("谢谢您填写问卷！", "info")
    return redirect(url_for(".survey", survey_id=survey.id))
