"""The street office's view: each estate's stage in the renovation process and the monthly progress report."""
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from core.complaints.models import Complaint
from core.consultation.models import DemandResponse, DemandSurvey, Notice, NoticeComment, Survey, SurveyParticipation
from core.db import SHANGHAI, db, local
from core.register import scope
from core.votes.consent import RuleError
from core.votes.models import Vote
from core.votes.tally import live_tally
from core.workbook import add_sheet, new_book, save


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """The UTC moments a local month ("2026-11") starts and ends."""
    start = datetime.strptime(month, "%Y-%m").replace(tzinfo=SHANGHAI)
    end = (start + timedelta(days=32)).replace(day=1)
    return start, end


@dataclass(frozen=True)
class Stage:
    label: str
    reason: str  # why: what on the platform puts the estate there (shown beside the stage)


def _vote_state(vote) -> tuple[str, str]:
    """("open" | "passed" | "failed" | "broken", words for the street office). A vote whose stored rule no
    longer reads (a custom rule saved before rules were checked) is reported, in Chinese, not raised."""
    if vote.status == "closed":
        passed = bool(vote.final_tally and vote.final_tally.get("passed"))
        return ("passed" if passed else "failed"), ("已通过" if passed else "未通过")
    try:
        passing = live_tally(vote).passed
    except RuleError:
        return "broken", "进行中（规则设置有误，无法计票，请社区核对）"
    return "open", "进行中（目前已达标准）" if passing else "进行中（目前未达标准）"


def stage_of(estate) -> Stage:
    """Where the estate is in DOMAIN.md's lifecycle, and why.

    The steps in their order: 成立组织 → 申请项目 (the estate's consent vote) → 申报计划 (consent passed) →
    编制方案 (demand survey, plan notice) → building and unit matters (elevators) → 绩效评估 (satisfaction
    survey). The estate is at the first step that is still under way; when none is, at the furthest step it
    has reached. So a satisfaction survey does not put it at 绩效评估 while an elevator vote is still open."""
    votes = db.session.scalars(select(Vote).where(Vote.estate_id == estate.id, Vote.status != "draft")
                               .order_by(Vote.id)).all()
    demand = db.session.scalar(select(DemandSurvey).where(DemandSurvey.estate_id == estate.id,
                                                          DemandSurvey.status != "draft")
                               .order_by(DemandSurvey.id.desc()))
    notice = db.session.scalar(select(Notice).where(Notice.estate_id == estate.id,
                                                    Notice.status.in_(("published", "closed")))
                               .order_by((Notice.status == "published").desc(), Notice.id.desc()))
    survey = db.session.scalar(select(Survey).where(Survey.estate_id == estate.id, Survey.status != "draft")
                               .order_by(Survey.id.desc()))
    # (label, under way?, reason) for each step the estate has reached, in the process's order.
    steps: list[tuple[str, bool, str]] = []
    estate_wide = [(v, *_vote_state(v)) for v in votes if v.building_id is None and v.unit_id is None]
    if estate_wide:
        running = [(v, words) for v, state, words in estate_wide if state in ("open", "broken")]
        passed = [v for v, state, _ in estate_wide if state == "passed"]
        if running:
            vote, words = running[-1]
            steps.append(("申请项目（意愿表决中）", True, f"《{vote.matter}》{words}，{local(vote.closes_at)} 截止"))
        elif passed:
            steps.append(("申报计划（改造意愿已通过）", False, f"《{passed[-1].matter}》已通过"))
        else:
            steps.append(("申请项目（意愿未通过）", False, f"《{estate_wide[-1][0].matter}》未通过"))
    if demand is not None:
        running = demand.status == "open"
        when = f"进行中，{local(demand.closes_at)} 截止" if running else "已结束"
        steps.append(("编制方案（需求征集）", running, f"需求征集《{demand.title}》{when}"))
    if notice is not None:
        running = notice.status == "published"
        ends = f"，{local(notice.ends_at)} 结束" if notice.ends_at else ""
        steps.append(("方案公示中" if running else "方案已公示", running,
                      f"《{notice.title}》{'公示中' + ends if running else '公示期已结束'}"))
    matters = [(v, *_vote_state(v)) for v in votes if v.building_id is not None or v.unit_id is not None]
    if matters:
        running = [(v, words) for v, state, words in matters if state in ("open", "broken")]
        if running:
            vote, words = running[-1]
            more = f"等 {len(running)} 项" if len(running) > 1 else ""
            steps.append(("楼栋、单元事项表决中", True, f"《{vote.matter}》{more}{words}"))
        else:
            steps.append(("楼栋、单元事项已表决", False, f"{len(matters)} 项楼栋、单元表决已结束"))
    if survey is not None:
        steps.append(("绩效评估（满意度调查）", survey.status == "open",
                      f"满意度调查《{survey.title}》{'进行中' if survey.status == 'open' else '已结束'}"))
    if not steps:
        return Stage("成立组织", "平台上还没有表决、需求征集、公示或满意度调查")
    under_way = [step for step in steps if step[1]]
    label, _, reason = under_way[0] if under_way else steps[-1]
    later = [step[0] for step in steps[steps.index(under_way[0]) + 1:]] if under_way else []
    if later:
        reason += "；已开始的后续环节：" + "、".join(later)
    return Stage(label, reason)


def stage(estate) -> str:
    """The estate's stage in DOMAIN.md's lifecycle (stage_of says why)."""
    return stage_of(estate).label


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
        where = stage_of(estate)
        rows.append([
            estate.community.name, estate.name, where.label, where.reason,
            "；".join(f"{v.matter}：{_vote_state(v)[1]}" for v in votes),
            demand_answers, "；".join(f"{n.title}（{n.status_label}）" for n in notices), objections, survey_answers,
            complaints[0], complaints[1], complaints[2],
        ])
    return rows


# Column widths in characters (Chinese characters count two): the long text columns wide, numbers narrow.
MONTHLY_WIDTHS = [12, 14, 22, 44, 44, 12, 36, 10, 12, 12, 10, 10]
MONTHLY_HEADER = ["社区", "小区", "阶段", "阶段依据", "表决", "需求征集答卷（累计）", "本月公示", "本月异议", "本月问卷答卷",
                  "本月报修投诉", "本月办结", "超时未办"]
# Which columns count the month, and which show the state at export (the platform keeps no daily history
# of stages and tallies, so a report exported for a past month shows those as they are now, and says so).
NOW_COLUMNS = ("阶段", "阶段依据", "表决", "需求征集答卷（累计）", "超时未办")


def monthly_xlsx(user, month: str, now: datetime) -> bytes:
    """The monthly progress report the cities ask for (晋城 000, 新乡 004): one row per estate, and a sheet
    that says which month, when it was exported, and which columns are the month's and which the export's."""
    exported = local(now)
    notes = [["月份", month], ["导出时间（北京时间）", exported],
             ["按月统计的列", "、".join(h for h in MONTHLY_HEADER[2:] if h not in NOW_COLUMNS)],
             ["导出时的状态", "、".join(NOW_COLUMNS) + f"：为 {exported} 的状态，不是该月月底的状态"]]
    book = new_book()
    add_sheet(book, f"{month} 进度", MONTHLY_HEADER, monthly_rows(user, month), MONTHLY_WIDTHS)
    add_sheet(book, "说明", ["项目", "内容"], notes)
    return save(book)
