"""Satisfaction surveys (满意度调查): questions (1–5 rating, single choice, text), one answer per flat,
stored unlinkable from the flat when the survey is anonymous; 满意率 overall, per question and building.
Flush, never commit."""
import secrets
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from core import audit
from core.consultation import periods
from core.consultation.models import Survey, SurveyParticipation, SurveyQuestion, SurveyResponse
from core.db import db, db_now
from core.register.models import Building

MAX_TEXT = 300
# In an anonymous survey, a group of fewer answers than this is not shown on its own: with one or two
# answers in a building, neighbours (or the worker) would know whose they are.
MIN_GROUP = 5
SUPPRESSED = "少于5份，不单独显示"


class SurveyRefused(ValueError):
    """Not done; the message is for the person who tried."""


def parse_questions(text: str) -> list[tuple[str, str, list[str], bool]]:
    """Questions from the console's text, one a line: "评分 您对改造满意吗", "单选 哪项最好：道路/照明/绿化",
    "文字 还有什么建议"; a trailing "（选填）" makes a question optional."""
    kinds = {"评分": "rating", "单选": "choice", "文字": "text"}
    questions, problems = [], []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        label, _, rest = line.partition(" ")
        rest = rest.strip()
        required = not rest.endswith("（选填）")
        rest = rest.removesuffix("（选填）").strip()
        options = []
        if label == "单选":
            rest, _, listed = rest.partition("：")
            options = [o.strip() for o in listed.split("/") if o.strip()]
            if len(options) < 2:
                problems.append(f"第{number}行：单选题写成“单选 问题：选项一/选项二”")
                continue
        if label not in kinds or not rest or len(rest) > 200:
            problems.append(f"第{number}行应以“评分”、“单选”或“文字”开头，后面是问题")
            continue
        questions.append((kinds[label], rest, options, required))
    if problems:
        raise SurveyRefused("；".join(problems[:5]))
    if not questions:
        raise SurveyRefused("请至少写一个问题。")
    return questions


DEFAULT_QUESTIONS = ("评分 您对这次小区改造总体满意吗\n"
                     "评分 您对施工期间的安全和文明施工满意吗\n"
                     "单选 改造后您最满意哪一项：道路/管网/照明/绿化/停车/电梯/其他\n"
                     "文字 还有什么意见和建议（选填）")


def create_survey(actor, estate, title: str, opens_at: datetime, closes_at: datetime, questions: str,
                  anonymous: bool) -> Survey:
    title = (title or "").strip()
    if not title or len(title) > 100:
        raise SurveyRefused("请填写标题（100字以内）。")
    if closes_at <= opens_at:
        raise SurveyRefused("截止时间要晚于开始时间。")
    other = periods.clash(Survey, estate.id, opens_at, closes_at)
    if other is not None:
        raise SurveyRefused(periods.clash_message(other, "满意度调查"))
    survey = Survey(estate_id=estate.id, title=title, opens_at=opens_at, closes_at=closes_at, anonymous=anonymous,
                    created_by_id=getattr(actor, "id", None))
    db.session.add(survey)
    for position, (kind, text, options, required) in enumerate(parse_questions(questions), start=1):
        survey.questions.append(SurveyQuestion(position=position, kind=kind, text=text, options=options,
                                               required=required))
    db.session.flush()
    audit.record(actor, "survey.create", f"survey:{survey.id}", title)
    return survey


def open_survey(survey: Survey, actor=None) -> None:
    """Open now (or when due) and tell the bound residents of the estate."""
    if survey.status != "draft":
        raise SurveyRefused(f"问卷{survey.status_label}。")
    now = db_now(db.session)
    other = periods.clash(Survey, survey.estate_id, min(survey.opens_at, now), survey.closes_at, survey.id)
    if other is not None and other.status == "open":
        raise SurveyRefused(periods.clash_message(other, "满意度调查"))
    periods.open_period(survey, actor, "survey", f"/r/surveys/{survey.id}")


def close_survey(survey: Survey, actor=None) -> None:
    if survey.status != "open":
        raise SurveyRefused(f"问卷{survey.status_label}，不能结束。")
    periods.close_period(survey, actor, "survey")


def advance() -> dict[str, list[int]]:
    """Open surveys whose time has come and close those past their end (the scheduler's job)."""
    return periods.advance(Survey, open_survey)


def open_for_flat(flat) -> list[Survey]:
    now = db_now(db.session)
    return db.session.scalars(select(Survey).where(
        Survey.estate_id == flat.unit.building.estate_id, Survey.status == "open", Survey.opens_at <= now,
        Survey.closes_at > now).order_by(Survey.id.desc())).all()


def has_answered(survey: Survey, flat_id: int) -> bool:
    return db.session.get(SurveyParticipation, (survey.id, flat_id)) is not None


def my_response(survey: Survey, flat_id: int) -> SurveyResponse | None:
    """The flat's answer, for changing it; None in an anonymous survey (nothing links it to the flat)."""
    if survey.anonymous:
        return None
    return db.session.scalar(select(SurveyResponse).where(SurveyResponse.survey_id == survey.id,
                                                          SurveyResponse.flat_id == flat_id))


def _checked(survey: Survey, form: dict) -> dict:
    answers, problems = {}, []
    for question in survey.questions:
        value = (form.get(str(question.id)) or "").strip()
        if not value:
            if question.required:
                problems.append(f"第{question.position}题还没有回答")
            continue
        if question.kind == "rating" and value not in ("1", "2", "3", "4", "5"):
            problems.append(f"第{question.position}题请打1到5分")
        elif question.kind == "choice" and value not in question.options:
            problems.append(f"第{question.position}题请从选项中选一个")
        elif question.kind == "text" and len(value) > MAX_TEXT:
            problems.append(f"第{question.position}题最多{MAX_TEXT}字")
        else:
            answers[str(question.id)] = int(value) if question.kind == "rating" else value
    if problems:
        raise SurveyRefused("；".join(problems) + "。")
    return answers


def answer(survey: Survey, owner, form: dict) -> None:
    """Record the flat's answer; in a named survey a later answer replaces it, in an anonymous one it cannot."""
    now = db_now(db.session)
    if survey.status != "open" or not survey.opens_at <= now < survey.closes_at:
        raise SurveyRefused("问卷已经结束。" if now >= survey.closes_at else "问卷还没有开始。")
    if owner.flat.unit.building.estate_id != survey.estate_id:
        raise SurveyRefused("这份问卷不包括您的房屋。")
    answers = _checked(survey, form)
    participation = db.session.scalar(select(SurveyParticipation).where(
        SurveyParticipation.survey_id == survey.id, SurveyParticipation.flat_id == owner.flat_id).with_for_update())
    if participation is not None and survey.anonymous:
        raise SurveyRefused("您家已经填过这份匿名问卷了，匿名问卷不能修改。谢谢！")
    if participation is None:
        # Anonymous: only the day is kept, so that the time a flat answered cannot be matched to anything.
        at = now.replace(hour=0, minute=0, second=0, microsecond=0) if survey.anonymous else now
        db.session.add(SurveyParticipation(survey_id=survey.id, flat_id=owner.flat_id, at=at))
        response = SurveyResponse(id=secrets.token_hex(16), survey_id=survey.id,
                                  building_id=owner.flat.unit.building_id)
        if not survey.anonymous:
            response.flat_id, response.owner_id = owner.flat_id, owner.id
        db.session.add(response)
    else:
        response = my_response(survey, owner.flat_id)
        response.owner_id = owner.id
    response.answers = answers
    db.session.flush()


@dataclass
class QuestionResult:
    question: SurveyQuestion
    distribution: Counter  # rating → count, or option → count
    texts: list[str]
    suppressed: bool = False  # anonymous and fewer than MIN_GROUP answers: nothing but the count is kept
    count: int = 0

    @property
    def answered(self) -> int:
        return self.count if self.suppressed else (sum(self.distribution.values()) or len(self.texts))

    @property
    def satisfaction(self) -> float | None:  # 满意率: the share of 4 and 5
        if self.question.kind != "rating" or not self.answered or self.suppressed:
            return None
        return (self.distribution[4] + self.distribution[5]) / self.answered

    def suppress(self) -> None:
        self.count, self.suppressed = self.answered, True
        self.distribution, self.texts = Counter(), []


@dataclass
class Results:
    survey: Survey
    responses: int
    questions: list[QuestionResult]
    satisfaction: float | None  # over every rating answer
    by_building: list[tuple[str, float | None, int]]  # (building, 满意率, responses)
    suppressed: bool = False  # anonymous with fewer than MIN_GROUP answers: no overall figure
    suppressed_buildings: frozenset = frozenset()  # buildings with fewer than MIN_GROUP answers (anonymous)


def results(survey: Survey) -> Results:
    """The survey's results. Anonymous: answers in the order of their random ids (never the order they came
    in), and any group (the survey, a question, a building) of fewer than MIN_GROUP answers kept out."""
    responses = db.session.execute(select(SurveyResponse.answers, Building.number)
                                   .join(Building, Building.id == SurveyResponse.building_id)
                                   .where(SurveyResponse.survey_id == survey.id)
                                   .order_by(Building.sort_key, SurveyResponse.id)).all()
    per_question = {q.id: QuestionResult(q, Counter(), []) for q in survey.questions}
    ratings = {q.id for q in survey.questions if q.kind == "rating"}
    building_ratings: dict[str, list[int]] = defaultdict(list)
    building_counts: Counter = Counter()
    for answers, building in responses:
        building_counts[building] += 1
        for key, value in answers.items():
            result = per_question.get(int(key))
            if result is None:
                continue
            if result.question.kind == "text":
                result.texts.append(value)
            else:
                result.distribution[value] += 1
            if int(key) in ratings:
                building_ratings[building].append(value)
    every = [v for values in building_ratings.values() for v in values]

    def share(values):
        return sum(v >= 4 for v in values) / len(values) if values else None

    by_building = [(b, share(building_ratings[b]), n) for b, n in building_counts.items()]
    if not survey.anonymous:
        return Results(survey, len(responses), list(per_question.values()), share(every), by_building)
    for result in per_question.values():
        result.texts.sort()  # what was written, not when
        if result.answered < MIN_GROUP:
            result.suppress()
    small = frozenset(b for b, _, n in by_building if n < MIN_GROUP)
    by_building = [(b, None if b in small else s, n) for b, s, n in by_building]
    few = len(responses) < MIN_GROUP
    return Results(survey, len(responses), list(per_question.values()), None if few else share(every), by_building,
                   suppressed=few, suppressed_buildings=small)
