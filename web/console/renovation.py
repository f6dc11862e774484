"""Console pages for what residents are asked during a renovation: demand surveys (需求征集), plan notices
(方案公示) and satisfaction surveys (满意度调查), each listed under its estate."""
from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from core import audit
from core.consultation import demands, notices, surveys
from core.consultation.exports import demand_xlsx, survey_xlsx
from core.consultation.models import DemandSurvey, Notice, NoticeComment, Survey
from core.db import db, db_now, local
from core.register import scope
from core.register.lookup import flat_by_code
from core.register.models import Building, Unit
from web.charts import bars_svg
from web.console.routes import _estate_or_404, bp, local_input
from web import downloads
from web.downloads import attachment

REFUSALS = (demands.DemandRefused, notices.NoticeRefused, surveys.SurveyRefused)


def _in_scope(model, row_id: int, manage: bool = False):
    row = db.session.get(model, row_id)
    if row is None or scope.estate_for(current_user, row.estate_id) is None:
        abort(404)
    if manage and not scope.can_manage(current_user, row.estate):
        abort(404)
    return row


def _manageable_estate(estate_id: int):
    estate = _estate_or_404(estate_id)
    if not scope.can_manage(current_user, estate):
        abort(404)
    return estate


class BadTime(ValueError):
    """A date-time field that does not read; the message names the field."""


def _time(form, field: str, label: str):
    try:
        return local_input(form[field])
    except ValueError:
        raise BadTime(f"{label}的格式不对，请按“年-月-日 时:分”填写。") from None


def _period(form, default_days: int):
    """(start, end) from the form's datetime-local fields; the start defaults to this minute."""
    opens = _time(form, "opens_at", "开始时间") if form.get("opens_at") else \
        db_now(db.session).replace(second=0, microsecond=0)
    closes = _time(form, "closes_at", "截止时间") if form.get("closes_at") else opens + timedelta(days=default_days)
    return opens, closes


def _done(action, message: str, target: str):
    """Run one operation: commit and say so, or roll back and show the refusal."""
    try:
        action()
    except REFUSALS as refused:
        db.session.rollback()
        flash(str(refused), "error")
    except BadTime as refused:
        db.session.rollback()
        flash(str(refused), "error")
    else:
        db.session.commit()
        flash(message, "info")
    return redirect(target)


def _created(action, message: str, estate, which: str):
    """Create a demand survey, notice or survey: on a refusal the page comes back (422) with that form open
    and everything typed in it (attachments excepted: a browser cannot be handed files back)."""
    try:
        said = action()  # what happened, when it is more than `message` says
    except (*REFUSALS, BadTime) as refused:
        db.session.rollback()
        flash(str(refused), "error")
        return _renovation_page(estate, request.form.to_dict(), which), 422
    db.session.commit()
    flash(said or message, "info")
    return redirect(url_for(".renovation", estate_id=estate.id))


@bp.get("/estates/<int:estate_id>/renovation")
def renovation(estate_id):
    """The estate's demand surveys, notices and satisfaction surveys."""
    return _renovation_page(_estate_or_404(estate_id))


def _renovation_page(estate, typed=None, opened=""):
    def of(model):
        return db.session.scalars(select(model).where(model.estate_id == estate.id).order_by(model.id.desc())).all()
    return render_template("console/renovation.html", estate=estate, demand_surveys=of(DemandSurvey),
                           notices=of(Notice), surveys=of(Survey), can_edit=scope.can_manage(current_user, estate),
                           menu=demands.menu_text(), questions=surveys.DEFAULT_QUESTIONS, typed=typed or {},
                           opened=opened)


# Demand surveys

@bp.post("/estates/<int:estate_id>/demands")
def demand_create(estate_id):
    estate = _manageable_estate(estate_id)
    form = request.form

    def create():
        opens, closes = _period(form, 14)
        survey = demands.create_survey(current_user, estate, form.get("title", ""), opens, closes, form.get("menu", ""))
        if form.get("open_now") == "1":
            demands.open_survey(survey, current_user)
    return _created(create, "已创建需求征集。", estate, "demand")


@bp.get("/demands/<int:survey_id>")
def demand_results(survey_id):
    survey = _in_scope(DemandSurvey, survey_id)
    results = demands.results(survey)
    chart = bars_svg([(r.item.name, r.flats) for r in results.items[:15] if r.flats], "需求排名（户数）")
    return render_template("console/demand.html", survey=survey, results=results, chart=chart,
                           common_words=demands.common_words(results.comments),
                           can_edit=scope.can_manage(current_user, survey.estate))


@bp.post("/demands/<int:survey_id>/<any(open, close):action>")
def demand_state(survey_id, action):
    survey = _in_scope(DemandSurvey, survey_id, manage=True)
    change = demands.open_survey if action == "open" else demands.close_survey
    return _done(lambda: change(survey, current_user), f"需求征集{'已开始' if action == 'open' else '已结束'}。",
                 url_for(".demand_results", survey_id=survey.id))


@bp.post("/demands/<int:survey_id>/paper")
def demand_paper(survey_id):
    """A worker types in a paper form for a household without WeChat (the flat's representative answers)."""
    survey = _in_scope(DemandSurvey, survey_id, manage=True)
    form = request.form

    def enter():
        if not form.get("flat", "").strip():
            raise demands.DemandRefused("请填写房号，如 1-2-301 或 1栋2单元301。")
        flat = flat_by_code(survey.estate, form.get("flat", ""))
        if flat is None or flat.representative is None:
            raise demands.DemandRefused(f"{survey.estate.name}没有房屋 {form.get('flat', '')}，请按“楼栋-单元-房号”填写。")
        top = [int(v) for v in (form.get(f"top{n}", "") for n in (1, 2, 3)) if v.isdigit()]
        demands.answer(survey, flat.representative, [int(v) for v in form.getlist("item") if v.isdigit()], top,
                       form.get("comment", ""), "paper")
    typed_flat = flat_by_code(survey.estate, form.get("flat", "")) if form.get("flat", "").strip() else None
    earlier = demands.response_of(survey, typed_flat.id) if typed_flat else None
    message = f"已录入 {form.get('flat', '')} 的纸质问卷。"
    if earlier is not None and earlier.channel != "paper":  # the household's own answer is replaced: say so
        message += (f"注意：这户此前在{'微信' if earlier.channel == 'wechat' else '网页'}上填过"
                    f"（{local(earlier.updated_at)}），已由这份纸质问卷替换。")
    return _done(enter, message, url_for(".demand_results", survey_id=survey.id))


@bp.get("/demands/<int:survey_id>/results.xlsx")
def demand_export(survey_id):
    survey = _in_scope(DemandSurvey, survey_id)
    data = demand_xlsx(demands.results(survey))
    audit.record(current_user, "demand.export", f"demand_survey:{survey.id}")
    db.session.commit()
    return attachment(data, f"{survey.estate.name}-需求征集.xlsx", f"demand-survey-{survey.id}.xlsx")


# Plan notices

@bp.post("/estates/<int:estate_id>/notices")
def notice_create(estate_id):
    estate = _manageable_estate(estate_id)
    form = request.form
    target = form.get("scope", "")
    building = db.session.scalar(select(Building).where(Building.id == int(target[2:]), Building.estate_id == estate.id)) \
        if target.startswith("b:") and target[2:].isdigit() else None
    unit = db.session.scalar(select(Unit).join(Building).where(Unit.id == int(target[2:]), Building.estate_id == estate.id)) \
        if target.startswith("u:") and target[2:].isdigit() else None

    def create():
        if target and not (building or unit):
            raise notices.NoticeRefused("公示范围不属于这个小区。")
        notice = notices.draft(current_user, estate, form.get("title", ""), form.get("body", ""),
                               building=building, unit=unit)
        for upload in request.files.getlist("files"):
            if upload and upload.filename:
                notices.attach(notice, upload.filename, upload.read())
        opens, closes = _period(form, 7)
        notices.schedule(notice, current_user, opens, closes)
        notices.advance()  # a notice whose period has begun is published now, not at the job's next run
        db.session.refresh(notice)
        return "公示已发布，居民现在就能看到。" if notice.status == "published" else None
    return _created(create, "公示已安排，到开始时间自动发布。", estate, "notice")


@bp.get("/notices/<int:notice_id>")
def notice_page(notice_id):
    notice = _in_scope(Notice, notice_id)
    return render_template("console/notice.html", notice=notice, can_edit=scope.can_manage(current_user, notice.estate))


@bp.get("/notices/<int:notice_id>/files/<int:attachment_id>")
def notice_file(notice_id, attachment_id):
    """An attachment as residents see it, for the staff who may see the notice."""
    return downloads.notice_file(_in_scope(Notice, notice_id), attachment_id)


@bp.post("/notices/<int:notice_id>/comments/<int:comment_id>/reply")
def notice_reply(notice_id, comment_id):
    notice = _in_scope(Notice, notice_id, manage=True)
    entry = db.session.get(NoticeComment, comment_id)
    if entry is None or entry.notice_id != notice.id:
        abort(404)
    return _done(lambda: notices.reply(entry, current_user, request.form.get("reply", ""),
                                       request.form.get("public") == "1"),
                 "已答复。", url_for(".notice_page", notice_id=notice.id))


@bp.post("/notices/<int:notice_id>/outcome")
def notice_outcome(notice_id):
    notice = _in_scope(Notice, notice_id, manage=True)
    return _done(lambda: notices.record_outcome(notice, current_user, request.form.get("outcome", "")),
                 "已记录公示结果。", url_for(".notice_page", notice_id=notice.id))


# Satisfaction surveys

@bp.post("/estates/<int:estate_id>/surveys")
def survey_create(estate_id):
    estate = _manageable_estate(estate_id)
    form = request.form

    def create():
        opens, closes = _period(form, 14)
        survey = surveys.create_survey(current_user, estate, form.get("title", ""), opens, closes,
                                       form.get("questions", ""), form.get("anonymous") == "1")
        if form.get("open_now") == "1":
            surveys.open_survey(survey, current_user)
    return _created(create, "已创建问卷。", estate, "survey")


@bp.get("/surveys/<int:survey_id>")
def survey_results(survey_id):
    survey = _in_scope(Survey, survey_id)
    results = surveys.results(survey)
    charts = {r.question.id: bars_svg([(f"{n}分", r.distribution[n]) for n in (5, 4, 3, 2, 1)], r.question.text)
              for r in results.questions if r.question.kind == "rating"}
    return render_template("console/survey.html", survey=survey, results=results, charts=charts,
                           can_edit=scope.can_manage(current_user, survey.estate))


@bp.post("/surveys/<int:survey_id>/<any(open, close):action>")
def survey_state(survey_id, action):
    survey = _in_scope(Survey, survey_id, manage=True)
    change = surveys.open_survey if action == "open" else surveys.close_survey
    return _done(lambda: change(survey, current_user), f"问卷{'已开始' if action == 'open' else '已结束'}。",
                 url_for(".survey_results", survey_id=survey.id))


@bp.get("/surveys/<int:survey_id>/results.xlsx")
def survey_export(survey_id):
    survey = _in_scope(Survey, survey_id)
    data = survey_xlsx(surveys.results(survey))
    audit.record(current_user, "survey.export", f"survey:{survey.id}")
    db.session.commit()
    return attachment(data, f"{survey.estate.name}-满意度调查.xlsx", f"survey-{survey.id}.xlsx")
