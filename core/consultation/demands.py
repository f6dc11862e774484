"""Demand collection (需求征集): a worker opens a survey over the renovation menu; each flat picks the
items it wants and ranks its top three; the results rank items by flats wanting them. Flush, never commit.
"""
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from core import audit
from core.consultation import periods
from core.consultation.models import DemandChoice, DemandItem, DemandResponse, DemandSurvey
from core.consultation.models.demand import CATEGORY_LABELS
from core.db import db, db_now
from core.register.models import Building, Flat, Unit
from nlp.intents import default_model
from nlp.stopwords import topical

# The renovation menu of DOMAIN.md's three classes (资阳 001 "四治六改"/"十提升", 晋城 000, 青海 003).
MENU = (
    ("basic", "供水管网改造", ""), ("basic", "雨污分流", ""), ("basic", "供暖管网改造", ""),
    ("basic", "燃气管道改造", ""), ("basic", "供电线路改造", ""), ("basic", "小区道路修缮", ""),
    ("basic", "消防设施", ""), ("basic", "安防监控和门禁", ""), ("basic", "通信线缆整治", ""),
    ("basic", "楼道和路灯照明", ""), ("basic", "屋面防水", ""), ("basic", "外墙和楼梯修缮", ""),
    ("basic", "无障碍和适老化设施", ""), ("basic", "加装电梯", "elevator"), ("basic", "垃圾分类设施", ""),
    ("improvement", "绿化提升", ""), ("improvement", "停车位和车库", "parking"),
    ("improvement", "电动车充电设施", ""), ("improvement", "健身和休闲设施", ""), ("improvement", "快递柜", ""),
    ("improvement", "文化活动室", ""), ("improvement", "物业用房", ""),
    ("upgrade", "养老服务设施", "elderly"), ("upgrade", "老年助餐点", ""), ("upgrade", "托育设施", ""),
    ("upgrade", "卫生服务站", ""), ("upgrade", "便民商店", ""), ("upgrade", "社区服务中心", ""),
    ("upgrade", "海绵城市改造", ""), ("upgrade", "智慧安防", ""),
)
MAX_COMMENT = 300
CATEGORY_BY_LABEL = {label: code for code, label in CATEGORY_LABELS.items()}


class DemandRefused(ValueError):
    """Not done; the message is for the person who tried."""


def menu_text() -> str:
    """The default menu as the console's editable text: one item a line, its class first."""
    return "\n".join(f"{CATEGORY_LABELS[c]} {name}" for c, name, _ in MENU)


def parse_menu(text: str) -> list[tuple[str, str, str]]:
    """(category, name, key) for each line "基础类 加装电梯"; a bad line is refused by number."""
    keys = {name: key for _, name, key in MENU}
    items, problems = [], []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        label, _, name = line.strip().partition(" ")
        name = name.strip()
        if label not in CATEGORY_BY_LABEL or not name or len(name) > 40:
            problems.append(f"第{number}行“{line.strip()}”应写成“基础类 项目名称”（完善类、提升类同样）")
        else:
            items.append((CATEGORY_BY_LABEL[label], name, keys.get(name, "")))
    if problems:
        raise DemandRefused("；".join(problems[:5]))
    if not items:
        raise DemandRefused("请至少列出一个项目。")
    if len({name for _, name, _ in items}) != len(items):
        raise DemandRefused("项目名称有重复。")
    return items


def create_survey(actor, estate, title: str, opens_at: datetime, closes_at: datetime, menu: str) -> DemandSurvey:
    """A draft survey over the estate; it opens at `opens_at` (the scheduler, or `open_survey` now)."""
    title = (title or "").strip()
    if not title or len(title) > 100:
        raise DemandRefused("请填写标题（100字以内）。")
    if closes_at <= opens_at:
        raise DemandRefused("截止时间要晚于开始时间。")
    other = periods.clash(DemandSurvey, estate.id, opens_at, closes_at)
    if other is not None:
        raise DemandRefused(periods.clash_message(other, "需求征集"))
    survey = DemandSurvey(estate_id=estate.id, title=title, opens_at=opens_at, closes_at=closes_at,
                          created_by_id=getattr(actor, "id", None))
    db.session.add(survey)
    for position, (category, name, key) in enumerate(parse_menu(menu), start=1):
        survey.items.append(DemandItem(position=position, category=category, name=name, key=key))
    db.session.flush()
    audit.record(actor, "demand.create", f"demand_survey:{survey.id}", title)
    return survey


def open_survey(survey: DemandSurvey, actor=None) -> None:
    """Open now (or when due) and tell the bound residents of the estate."""
    if survey.status != "draft":
        raise DemandRefused(f"需求征集已{survey.status_label}。")
    now = db_now(db.session)
    other = periods.clash(DemandSurvey, survey.estate_id, min(survey.opens_at, now), survey.closes_at, survey.id)
    if other is not None and other.status == "open":
        raise DemandRefused(periods.clash_message(other, "需求征集"))
    periods.open_period(survey, actor, "demand", f"/r/demands/{survey.id}")


def close_survey(survey: DemandSurvey, actor=None) -> None:
    if survey.status != "open":
        raise DemandRefused(f"需求征集{survey.status_label}，不能结束。")
    periods.close_period(survey, actor, "demand")


def advance() -> dict[str, list[int]]:
    """Open surveys whose time has come and close those past their end (the scheduler's job)."""
    return periods.advance(DemandSurvey, open_survey)


def open_for_flat(flat) -> DemandSurvey | None:
    """The newest demand survey taking answers from the flat's estate."""
    now = db_now(db.session)
    return db.session.scalar(select(DemandSurvey).where(
        DemandSurvey.estate_id == flat.unit.building.estate_id, DemandSurvey.status == "open",
        DemandSurvey.opens_at <= now, DemandSurvey.closes_at > now).order_by(DemandSurvey.id.desc()))


def response_of(survey: DemandSurvey, flat_id: int) -> DemandResponse | None:
    return db.session.scalar(select(DemandResponse).where(DemandResponse.survey_id == survey.id,
                                                          DemandResponse.flat_id == flat_id))


def answer(survey: DemandSurvey, owner, picked: list[int], top: list[int], comment: str,
           channel: str) -> DemandResponse:
    """Record (or replace) the flat's answer. `picked` and `top` are item positions; the top three,
    in order, are wanted too."""
    now = db_now(db.session)
    if survey.status != "open" or not survey.opens_at <= now < survey.closes_at:
        raise DemandRefused("这次需求征集已经结束，不能再填写或修改。" if now >= survey.closes_at
                            else "需求征集还没有开始。")
    if owner.flat.unit.building.estate_id != survey.estate_id:
        raise DemandRefused("这次需求征集不包括您的房屋。")
    by_position = {item.position: item for item in survey.items}
    unknown = sorted({p for p in [*picked, *top] if p not in by_position})
    if unknown:
        raise DemandRefused(f"没有编号 {'、'.join(map(str, unknown))} 的项目。")
    if len(top) > 3 or len(set(top)) != len(top):
        raise DemandRefused("最想要的项目最多选3个，不能重复。")
    wanted = list(dict.fromkeys([*top, *picked]))
    if not wanted:
        raise DemandRefused("请至少选一个项目。")
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise DemandRefused(f"补充意见最多{MAX_COMMENT}字。")
    response = db.session.scalar(select(DemandResponse).where(
        DemandResponse.survey_id == survey.id, DemandResponse.flat_id == owner.flat_id).with_for_update())
    if response is None:
        response = DemandResponse(survey_id=survey.id, flat_id=owner.flat_id)
        db.session.add(response)
    response.owner_id, response.channel, response.comment, response.updated_at = owner.id, channel, comment, now
    response.choices.clear()
    db.session.flush()  # the old choices go before the new ones take their keys
    for position in wanted:
        rank = top.index(position) + 1 if position in top else None
        response.choices.append(DemandChoice(item_id=by_position[position].id, rank=rank))
    db.session.flush()
    return response


@dataclass
class ItemResult:
    item: DemandItem
    flats: int = 0
    first: int = 0  # flats ranking it first
    score: int = 0  # 3 for a first place, 2 for a second, 1 for a third
    by_building: Counter = field(default_factory=Counter)


@dataclass
class Results:
    survey: DemandSurvey
    flats: int  # flats in the estate
    responses: int
    items: list[ItemResult]  # most wanted first
    buildings: list[str]
    elevator_units: list[tuple[str, int, int]]  # (unit, flats wanting an elevator, flats in the unit)
    comments: list[tuple[str, str]]  # (flat, comment)


def results(survey: DemandSurvey) -> Results:
    """Items ranked by the flats wanting them, per building; elevator demand per unit; the comments."""
    rows = db.session.execute(
        select(DemandChoice.item_id, DemandChoice.rank, Building.number, Unit.id)
        .join(DemandResponse, DemandResponse.id == DemandChoice.response_id)
        .join(Flat, Flat.id == DemandResponse.flat_id).join(Unit).join(Building)
        .where(DemandResponse.survey_id == survey.id)).all()
    by_item = {item.id: ItemResult(item) for item in survey.items}
    elevator_wanted: Counter = Counter()
    for item_id, rank, building, unit_id in rows:
        result = by_item[item_id]
        result.flats += 1
        result.by_building[building] += 1
        result.first += rank == 1
        result.score += 4 - rank if rank else 0
        if result.item.key == "elevator":
            elevator_wanted[unit_id] += 1
    units = db.session.execute(select(Unit, Building.number).join(Building)
                               .where(Building.estate_id == survey.estate_id)
                               .order_by(Building.sort_key, Unit.number)).all()
    responses = db.session.execute(select(Flat, DemandResponse.comment).join(DemandResponse)
                                   .where(DemandResponse.survey_id == survey.id).order_by(Flat.id)).all()
    comments = [(flat.label, comment) for flat, comment in responses if comment]
    return Results(
        survey=survey, flats=sum(len(unit.flats) for unit, _ in units), responses=len(responses),
        items=sorted(by_item.values(), key=lambda r: (-r.flats, -r.score, r.item.position)),
        buildings=list(dict.fromkeys(number for _, number in units)),
        elevator_units=[(unit.label, elevator_wanted[unit.id], len(unit.flats)) for unit, _ in units]
        if any(i.key == "elevator" for i in survey.items) else [],
        comments=comments,
    )


def common_words(comments: list[tuple[str, str]], limit: int = 10) -> list[tuple[str, int]]:
    """Words (two characters or more) that several comments use, with how many use each. The words are those
    the chat's model knows (jieba's words of its training set, nlp.intents), found by longest match: jieba
    itself, and its 60 MB dictionary, stay out of the web worker."""
    model = default_model()
    words = Counter(w for _, comment in comments for w in set(topical(model.words_of(comment))))
    return [(w, n) for w, n in words.most_common(limit) if n >= 2]
