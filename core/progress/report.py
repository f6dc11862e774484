"""The street office's view: each estate's stage in the renovation process and the monthly progress report."""
from datetime import datetime, timedelta

from sqlalchemy import func, select

from core.complaints.models import Complaint
from core.consultation.models import DemandResponse, DemandSurvey, Notice, NoticeComment, Survey, SurveyParticipation
from core.db import SHANGHAI, db
from core.register import scope
from core.votes.models import Vote
from core.votes.tally import live_tally
from core.workbook import workbook


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """The UTC moments a local month ("2026-11") starts and ends."""
    start = datetime.strptime(month, "%Y-%m").replace(tzinfo=SHANGHAI)
    end = (start + timedelta(days=32)).replace(day=1)
    return start, end


def stage(estate) -> str:
    """Where the estate is in DOMAIN.md's lifecycle, judged by what has happened on the platform."""
    surveys_done = db.session.scalar(select(func.count(Survey.id)).where(Survey.estate_id == estate.id,
                                                                        Survey.status != "draft"))
    if surveys_done:
        return "绩效评估（满意度调查）"
    notices = db.session.scalars(select(Notice.status).where(Notice.estate_id == estate.id,
                                                             Notice.status.in_(("published", "closed")))).all()
    if notices:
        return "方案公示中" if "published" in notices else "方案已公示"
    if db.session.scalar(select(func.count(DemandSurvey.id)).where(DemandSurvey.estate_id == estate.id,
                                                                  DemandSurvey.status != "draft")):
        return "编制方案（需求征集）"
    votes = db.session.scalars(select(Vote).where(Vote.estate_id == estate.id, Vote.status != "draft")).all()
    estate_wide = [v for v in votes if v.building_id is None and v.unit_id is None]
    if any(v.status == "closed" and live_tally(v).passed for v in estate_wide):
        return "申报计划（改造意愿已通过）"
    if estate_wide:
        return "申请项目（意愿表决中）" if any(v.status == "open" for v in estate_wide) else "申请项目（意愿未通过）"
    if votes:
        return "楼栋、单元事项表决中" if any(v.status == "open" for v in votes) else "楼栋、单元事项已表决"
    return "成立组织"


def monthly_rows(user, month: str) -> list[list]:
    """One row per estate in the user's scope: stage, votes, demands, notices, surveys, complaints in the month."""
    start, end = month_bounds(month)
    rows = []
    for estate in db.session.scalars(scope.estates_query(user)):
        in_month = (Complaint.created_at >= start) & (Complaint.created_at < end)
        complaints = db.session.execute(select(
            func.count(Complaint.id).filter(in_month),
            func.count(Complaint.id).filter((Complaint.resolved_at >= start) & (Complaint.resolved_at < end)),
            func.count(Complaint.id).filter(Complaint.overdue_at.is_not(None)
                                            & Complaint.status.in_(("assigned", "in_progress"))),
        ).where(Complaint.estate_id == estate.id)).one()
        votes = db.session.scalars(select(Vote).where(Vote.estate_id == estate.id, Vote.status != "draft")).all()
        notices = db.session.scalars(select(Notice).where(
            Notice.estate_id == estate.id, Notice.published_at < end,
            (Notice.closed_at.is_(None)) | (Notice.closed_at >= start))).all()
        objections = db.session.scalar(select(func.count(NoticeComment.id)).join(Notice).where(
            Notice.estate_id == estate.id, NoticeComment.kind == "objection",
            NoticeComment.created_at >= start, NoticeComment.created_at < end))
        demand_answers = db.session.scalar(select(func.count(DemandResponse.id)).join(DemandSurvey).where(
            DemandSurvey.estate_id == estate.id))
        survey_answers = db.session.scalar(select(func.count()).select_from(SurveyParticipation).join(Survey).where(
            Survey.estate_id == estate.id, SurveyParticipation.at >= start, SurveyParticipation.at < end))
        rows.append([
            estate.community.name, estate.name, stage(estate),
            "；".join(f"{v.matter}：{'已通过' if live_tally(v).passed else '未通过'}"
                     f"{'（进行中）' if v.status == 'open' else ''}" for v in votes),
            demand_answers, "；".join(f"{n.title}（{n.status_label}）" for n in notices), objections, survey_answers,
            complaints[0], complaints[1], complaints[2],
        ])
    return rows


MONTHLY_HEADER = ["社区", "小区", "阶段", "表决", "需求征集答卷（累计）", "本月公示", "本月异议", "本月问卷答卷",
                  "本月报修投诉", "本月办结", "超时未办"]


def monthly_xlsx(user, month: str) -> bytes:
    """The monthly progress report the cities ask for (晋城 000, 新乡 004): one row per estate."""
    return workbook((f"{month} 进度", MONTHLY_HEADER, monthly_rows(user, month)))
