"""Complaints and repair requests: filing, routing to a department, the status workflow, ratings.
Flush, never commit.

已受理 → 已派单 → 处理中 → 已办结 → 已评价, and 退回 when a department hands a ticket back. A new
ticket is routed at once: assigned to the classifier's best department when it is sure enough,
otherwise left for the community workers' triage queue with its top suggestions. Every change is a
ComplaintEvent (who, when, why) and, unless the resident is the one acting, a push to the resident.
"""
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select, update

from core import audit
from core.complaints import departments, duplicates, urgency
from core.complaints.models import (CLOSED, OPEN, Complaint, ComplaintEvent, ComplaintPhoto, Department, LabelMapping,
                                    RoutingCorrection)
from core.db import db, db_now, local
from core.residents import pushes
from nlp.stopwords import topical

MAX_TEXT = 500
# The same text from the same flat this soon after is a double tap or a resend, not a new problem.
REPEAT_WINDOW = timedelta(minutes=10)
MAX_NOTE = 300
MAX_PHOTOS = 3
PHOTO_WINDOW = timedelta(minutes=30)  # a photo sent in the chat belongs to a ticket filed this recently
FETCH_TRIES = 5
MAX_PHOTO_BYTES = 5 * 1024 * 1024
PHOTO_TYPES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}
# A photo's size as its header declares it, checked before anything decodes it (a 1 KB PNG can declare
# 65535 × 65535 pixels: 17 GB once a browser or thumbnailer decodes it). Phones take about 12 MP.
MAX_PHOTO_PIXELS = 40_000_000
MAX_PHOTO_SIDE = 16_000
# Residents' complaints per hour (workers entering phone calls are not limited): enough for real trouble,
# too few to flood the triage queue.
MAX_COMPLAINTS_PER_OWNER_HOUR = 5
MAX_COMPLAINTS_PER_FLAT_HOUR = 10


class ComplaintRefused(ValueError):
    """A complaint or change that was not made; the message is for the person who tried."""


@dataclass(frozen=True)
class Router:
    """What filing needs from the configuration: the classifier in use (None: every new ticket goes to
    triage), the probability it needs to assign, an emergency's deadline, and who is on duty for them."""

    classifier: object | None = None  # nlp.model.Classifier: the default
    threshold: float = 0.6
    urgent_hours: int = 2
    duty_openids: tuple[str, ...] = ()  # WeChat openids of the staff on duty, pushed at once for an emergency
    # The classifier a street routes with (nlp.store.ModelStore.current: the street's own, else the default).
    by_street: Callable[[int], object | None] | None = None

    def classifier_for(self, street_id: int):
        return self.by_street(street_id) if self.by_street is not None else self.classifier


def clean(text: str, routed: bool = True) -> tuple[str, bool]:
    """The text as stored, and whether it had to be cut. A text the classifier must route has to be Chinese."""
    text = re.sub(r"\s+", " ", text or "").strip()
    if not text:
        raise ComplaintRefused("请写上遇到的问题，例如：报修 3栋2单元楼道灯不亮。")
    if routed and not re.search(r"[\u4e00-\u9fff]", text):  # emoji, digits, or another language: we cannot route it
        raise ComplaintRefused("请用中文写清楚问题，例如：报修 3栋2单元楼道灯不亮。")
    return text[:MAX_TEXT], len(text) > MAX_TEXT


def file_complaint(text: str, channel: str, router: Router, *, flat=None, owner=None, estate=None,
                   actor=None, department: Department | None = None, note: str = "") -> tuple[Complaint, bool]:
    """File a ticket for a flat (or, for a caller without one, an estate) and route it.

    Returns the ticket and whether the text was cut to MAX_TEXT. A worker (actor) files phone calls,
    and the resident is then told the ticket number by push. A connected system (Open311) names the
    `department` itself: the ticket goes there, whatever the classifier thinks.
    """
    text, cut = clean(text, routed=department is None)
    flat = flat or (owner.flat if owner else None)
    estate_id = flat.unit.building.estate_id if flat else estate.id
    now = db_now(db.session)
    emergency = urgency.detect(text)
    if actor is None and emergency is None:  # a gas smell is never told to wait an hour
        _check_rate(flat, owner, now)
    earlier = repeat_of(flat, text, now)
    if earlier is not None:
        raise ComplaintRefused(f"这个问题刚才已经受理了，编号 {earlier.ticket}，不用再报。")
    owner = owner or (flat.representative if flat else None)
    complaint = Complaint(estate_id=estate_id, flat_id=flat.id if flat else None, owner_id=owner.id if owner else None,
                          channel=channel, text=text, status="received", created_at=now, updated_at=now)
    db.session.add(complaint)
    db.session.flush()
    complaint.ticket = f"TS{local(now)[:10].replace('-', '')}{complaint.id:05d}"
    notify = actor is not None or channel == "open311"  # the resident did not file it: tell them the number
    _record(complaint, "received", actor, now, note, notify=notify)
    best = _predict(complaint, router)
    if emergency is None and best is not None:  # some words are emergencies only for one department
        emergency = urgency.detect(text, best.label)
    if emergency is not None:
        _flag_urgent(complaint, emergency, router)
    original = _same_problem_open(complaint)
    if original is not None:
        _link(complaint, original, actor, now, router, notify)
    else:
        if department is not None:
            complaint.routed_by = "system"
            # The intake note may name the caller: it stays on the 受理 entry, for the staff.
            _assign(complaint, department, actor, now, "按对接系统指定的部门派单", notify)
        elif (certain := _emergency_department(emergency, complaint.estate_id)) is not None:
            complaint.routed_by = "rule"
            _assign(complaint, certain, actor, now, f"紧急（{emergency.reason}），按规则直接派单", notify)
        elif best is not None:
            _assign_if_sure(complaint, best, router, now, notify=notify)
        if emergency is not None:
            _alert_duty(complaint, router, actor)
    return complaint, cut


def _emergency_department(emergency: urgency.Urgency | None, estate_id: int) -> Department | None:
    """The department an emergency of no doubtful owner goes to (urgency.DEPARTMENT), or None."""
    if emergency is None or emergency.reason not in urgency.DEPARTMENT:
        return None
    return department_for_label(urgency.DEPARTMENT[emergency.reason], estate_id)


def repeat_of(flat, text: str, now) -> Complaint | None:
    """The flat's ticket of the last REPEAT_WINDOW with this very (cleaned) text: a message sent twice."""
    if flat is None:
        return None
    return db.session.scalar(select(Complaint).where(
        Complaint.flat_id == flat.id, Complaint.text == text, Complaint.created_at > now - REPEAT_WINDOW)
        .order_by(Complaint.id).limit(1))


def department_for_label(label: str, estate_id: int) -> Department | None:
    """The active department a classifier label routes to for this estate: its street's mapping
    (console → 分类模型), else the department whose code is the label."""
    street_id = departments.street_id_of_estate(estate_id)
    departments.ensure_street(street_id)
    mapped = db.session.scalar(select(Department).join(LabelMapping, LabelMapping.department_id == Department.id)
                               .where(LabelMapping.street_id == street_id, LabelMapping.label == label))
    department = mapped or db.session.scalar(select(Department).where(Department.code == label,
                                                                      Department.street_id == street_id))
    return department if department is not None and department.active else None


def _same_problem_open(complaint: Complaint) -> Complaint | None:
    """The open ticket in the same building (or estate) of the last few days that reports the same problem."""
    candidates = db.session.scalars(select(Complaint).where(
        Complaint.estate_id == complaint.estate_id, Complaint.id != complaint.id, Complaint.status.in_(OPEN),
        Complaint.duplicate_of_id.is_(None), Complaint.created_at > complaint.created_at - duplicates.WINDOW)
        .order_by(Complaint.id)).all()
    building = complaint.flat.unit.building_id if complaint.flat else None
    department = complaint.suggestions[0]["code"] if complaint.suggestions else None
    best, best_score = None, 0.0
    for candidate in candidates:
        if building is not None and candidate.flat is not None and candidate.flat.unit.building_id != building:
            continue
        score = duplicates.same_problem(complaint.text, candidate.text, department,
                                        candidate.suggestions[0]["code"] if candidate.suggestions else None)
        if score is not None and score > best_score:
            best, best_score = candidate, score
    return best


def _link(complaint: Complaint, original: Complaint, actor, now, router: Router, notify: bool) -> None:
    """The new ticket follows the open one: same status from now on, no second job for the department."""
    complaint.duplicate_of = original
    complaint.duplicate_of_id = original.id
    if complaint.urgent and not original.urgent:  # the second report is the one that says it is an emergency
        original.urgent_hours, original.urgent_reason = complaint.urgent_hours, complaint.urgent_reason
        if original.assigned_at is not None:
            original.due_at = _due(original, original.department, original.assigned_at)
        _alert_duty(original, router, actor)
    if original.status != "received":
        _record(complaint, original.status, actor, now, f"与 {original.ticket} 是同一问题，合并办理", notify=notify)
    else:
        complaint.updated_at = now
    db.session.flush()


def _flag_urgent(complaint: Complaint, emergency: urgency.Urgency, router: Router) -> None:
    complaint.urgent_hours = router.urgent_hours
    complaint.urgent_reason = f"{emergency.reason}：{emergency.words}"[:40]


def _alert_duty(complaint: Complaint, router: Router, actor) -> None:
    """Tell the staff on duty now, not when someone next opens the queue: a push to each duty openid
    (README: URGENT_DUTY_OPENIDS), and an audit entry. The console's red banner reads the tickets."""
    audit.record(actor, "complaint.urgent", f"complaint:{complaint.id}",
                 f"{complaint.ticket} {complaint.urgent_reason}")
    for openid in router.duty_openids:
        pushes.enqueue(f"complaint_urgent:{complaint.id}:{openid}", openid, "complaint_urgent",
                       {"ticket": complaint.ticket, "status": "紧急", "summary": complaint.summary},
                       f"/console/complaints/{complaint.id}")


def urgent_advice(complaint: Complaint) -> str:
    """What the resident who reported an emergency should do right now ("" if it is not one)."""
    if not complaint.urgent:
        return ""
    emergency = urgency.detect(complaint.text, complaint.suggestions[0]["code"] if complaint.suggestions else None)
    return emergency.advice if emergency else ""


def earlier_reporter(complaint: Complaint) -> str:
    """Who reported the ticket a new one joined, as the resident is told: their own flat, or a neighbour."""
    lead = complaint.lead
    return "您家之前" if lead.flat_id is not None and lead.flat_id == complaint.flat_id else "邻居"


def urgent_notice(complaint: Complaint) -> str:
    """The sentence that tells the resident the ticket is handled as an emergency ("" if it is not one)."""
    if not complaint.urgent:
        return ""
    return f"已按紧急情况处理，要求{complaint.urgent_hours}小时内处置。{urgent_advice(complaint)}"


def _due(complaint: Complaint, department: Department, start):
    """The department's deadline from `start`, or the emergency's if the ticket is urgent and that is sooner.

    An emergency's clock runs from the report, not from the dispatch: the resident was told "N小时内处置"
    when they reported it, and the time it waited in triage is part of those hours."""
    due = start + timedelta(hours=department.sla_hours)
    if complaint.urgent_hours is not None:
        due = min(due, (complaint.created_at or start) + timedelta(hours=complaint.urgent_hours))
    return due


def _check_rate(flat, owner, now) -> None:
    """Refuse a resident's complaint past the hourly limits, per owner and per flat. Only what residents
    filed themselves counts: a worker's phone entry or the 12345 hotline's ticket for the flat is not theirs."""
    hour_ago = now - timedelta(hours=1)
    recent = select(func.count(Complaint.id)).where(Complaint.created_at > hour_ago,
                                                    Complaint.channel.in_(("wechat", "web")))
    if owner is not None and db.session.scalar(recent.where(Complaint.owner_id == owner.id)) \
            >= MAX_COMPLAINTS_PER_OWNER_HOUR:
        raise ComplaintRefused(f"您一小时内已经报了 {MAX_COMPLAINTS_PER_OWNER_HOUR} 件事，请过一会儿再报。"
                               "急事请直接打社区电话。")
    if flat is not None and db.session.scalar(recent.where(Complaint.flat_id == flat.id)) \
            >= MAX_COMPLAINTS_PER_FLAT_HOUR:
        raise ComplaintRefused(f"这套房屋一小时内已经报了 {MAX_COMPLAINTS_PER_FLAT_HOUR} 件事，请过一会儿再报。"
                               "急事请直接打社区电话。")


def _predict(complaint: Complaint, router: Router):
    """Keep the classifier's top suggestions and the words behind the best; returns the best (or None)."""
    classifier = router.classifier_for(departments.street_id_of_estate(complaint.estate_id))
    if classifier is None:
        return None
    prediction = classifier.predict(complaint.text)
    complaint.suggestions = [{"code": s.label, "probability": s.probability} for s in prediction.suggestions]
    complaint.key_words = topical(prediction.words)  # "了" explains nothing to a worker
    complaint.model_version = classifier.version[:40]
    return prediction.best


def _assign_if_sure(complaint: Complaint, best, router: Router, now, notify: bool) -> None:
    department = department_for_label(best.label, complaint.estate_id)
    if department is not None and best.probability >= router.threshold:
        complaint.routed_by = "model"
        _assign(complaint, department, None, now, f"自动分派（把握 {int(best.probability * 100)}%）", notify)


def _record(complaint: Complaint, status: str, actor, now, note: str = "", notify: bool = True) -> ComplaintEvent:
    complaint.status, complaint.updated_at = status, now
    # A follower's entry names the department working on the lead ticket (the follower has none of its own).
    event = ComplaintEvent(complaint_id=complaint.id, status=status, department_id=complaint.lead.department_id,
                           actor_id=getattr(actor, "id", None), note=note[:MAX_NOTE], at=now)
    db.session.add(event)
    db.session.flush()
    if notify:
        pushes.complaint_status(complaint, event)
    if status != "rated":  # each reporter rates for themselves
        for follower in complaint.followers:
            if follower.status != status or status == "assigned":  # a re-routing is news to every reporter
                if status == "resolved":
                    follower.resolved_at = now
                _record(follower, status, actor, now, f"随 {complaint.ticket} {note}".strip(), notify=True)
    return event


def _assign(complaint: Complaint, department: Department, actor, now, note: str, notify: bool) -> None:
    complaint.department_id = department.id
    complaint.department = department
    complaint.assigned_at, complaint.due_at, complaint.overdue_at = now, _due(complaint, department, now), None
    _record(complaint, "assigned", actor, now, note, notify)


def for_update(complaint_id: int) -> Complaint | None:
    """The ticket, locked until the caller's commit, so that two workers' changes queue up."""
    return db.session.scalar(select(Complaint).where(Complaint.id == complaint_id).with_for_update())


def _require(complaint: Complaint, allowed: tuple[str, ...], action: str) -> None:
    if complaint.duplicate_of is not None and action != "评价":
        raise ComplaintRefused(f"工单已与 {complaint.duplicate_of.ticket} 合并办理，请在那张工单上{action}，"
                               "或先取消合并。")
    if complaint.status not in allowed:
        raise ComplaintRefused(f"工单现在是“{complaint.status_label}”，不能{action}。")


def assign(complaint: Complaint, department: Department, actor, note: str = "") -> None:
    """A worker sends the ticket to a department (from triage, or re-routing it); kept as a corrected label."""
    _require(complaint, ("received", "assigned", "in_progress", "returned"), "派单")
    if department.street_id != departments.street_id_of_estate(complaint.estate_id):
        raise ComplaintRefused("请选择本街道的部门。")  # another street's list is not this ticket's
    if not department.active:
        raise ComplaintRefused(f"{department.name}已停用，请选择其他部门。")
    if complaint.department_id == department.id and complaint.status in ("assigned", "in_progress"):
        raise ComplaintRefused(f"工单已经在{department.name}。")
    was = complaint.department.name if complaint.department else ""
    now = db_now(db.session)
    _assign(complaint, department, actor, now, note or (f"从{was}改派" if was else "人工分派"), notify=True)
    complaint.routed_by = "worker"
    predicted = (complaint.suggestions[0]["code"] if complaint.suggestions else "")[:60]  # labels are kept to 60
    correction = db.session.scalar(select(RoutingCorrection).where(RoutingCorrection.complaint_id == complaint.id))
    if correction is None:
        db.session.add(RoutingCorrection(complaint_id=complaint.id, text=complaint.text, predicted=predicted,
                                         department_code=department.code, actor_id=actor.id, at=now))
    else:
        correction.department_code, correction.actor_id, correction.at = department.code, actor.id, now
    db.session.flush()


def unlink(complaint: Complaint, actor, note: str = "") -> None:
    """A worker undoes a wrong match: the ticket leaves the one it followed and waits in triage."""
    original = complaint.duplicate_of
    if original is None:
        raise ComplaintRefused("这张工单没有合并到其他工单。")
    if complaint.status in CLOSED:
        raise ComplaintRefused(f"工单现在是“{complaint.status_label}”，不能取消合并。")
    complaint.duplicate_of, complaint.duplicate_of_id = None, None
    complaint.department_id = complaint.department = None
    complaint.assigned_at = complaint.due_at = complaint.overdue_at = None
    audit.record(actor, "complaint.unlink", f"complaint:{complaint.id}", f"{complaint.ticket} 不再随 {original.ticket}")
    _record(complaint, "received", actor, db_now(db.session),
            note.strip() or f"不是 {original.ticket} 的同一问题，取消合并，重新分派")


def start(complaint: Complaint, actor, note: str = "") -> None:
    """The department has taken the ticket up (处理中)."""
    _require(complaint, ("assigned",), "标记为处理中")
    now = db_now(db.session)
    complaint.responded_at = complaint.responded_at or now
    _record(complaint, "in_progress", actor, now, note)


def send_back(complaint: Complaint, actor, note: str) -> None:
    """The department returns the ticket (退回): not theirs, or not doable; it goes back to triage."""
    _require(complaint, ("assigned", "in_progress"), "退回")
    if not note.strip():
        raise ComplaintRefused("请写明退回原因。")
    _record(complaint, "returned", actor, db_now(db.session), note.strip())


def decline(complaint: Complaint, actor, note: str) -> None:
    """不予受理: a ticket no department of the community takes (a dispute between neighbours for the courts,
    a private matter, a test message), decided before a department starts on it; the reason is told to the
    resident, and nothing is rated."""
    _require(complaint, ("received", "assigned", "returned"), "不予受理")
    if not note.strip():
        raise ComplaintRefused("请写明不予受理的原因，居民会看到。")
    now = db_now(db.session)
    complaint.due_at = complaint.overdue_at = None
    audit.record(actor, "complaint.decline", f"complaint:{complaint.id}", note.strip()[:100])
    _record(complaint, "declined", actor, now, note.strip())


def resolve(complaint: Complaint, actor, note: str) -> None:
    """The problem is fixed (已办结); the resident is asked to rate the handling."""
    _require(complaint, ("assigned", "in_progress"), "办结")
    if not note.strip():
        raise ComplaintRefused("请写明办理结果。")
    now = db_now(db.session)
    complaint.resolved_at = now
    complaint.responded_at = complaint.responded_at or now
    _record(complaint, "resolved", actor, now, note.strip())


def rate(complaint: Complaint, owner, stars, comment: str = "") -> None:
    """The resident rates the handling of a resolved ticket, 1 to 5, once."""
    if owner is None or complaint.flat_id != owner.flat_id:
        raise ComplaintRefused("只能评价自己房屋的报修和投诉。")
    if complaint.status == "rated":
        raise ComplaintRefused(f"工单 {complaint.ticket} 已经评价过了，谢谢！")
    _require(complaint, ("resolved",), "评价")
    try:
        stars = int(stars)
    except (TypeError, ValueError):
        stars = 0
    if not 1 <= stars <= 5:
        raise ComplaintRefused("请打1到5分：5分最满意，1分最不满意。")
    now = db_now(db.session)
    complaint.rating, complaint.rating_comment, complaint.rated_at = stars, comment.strip()[:MAX_NOTE], now
    _record(complaint, "rated", None, now, f"{stars}分 {complaint.rating_comment}".strip(), notify=False)


def _checked_photo(data: bytes) -> tuple[str, str]:
    """(content type, SHA-256) of an acceptable photo: JPEG or PNG, at most MAX_PHOTO_BYTES."""
    content_type = next((kind for magic, kind in PHOTO_TYPES.items() if data.startswith(magic)), None)
    if content_type is None:
        raise ComplaintRefused("照片只能是 JPG 或 PNG 格式。")
    if len(data) > MAX_PHOTO_BYTES:
        raise ComplaintRefused(f"每张照片不能超过 {MAX_PHOTO_BYTES // 1024 // 1024} MB。")
    size = _declared_size(data, content_type)
    if size is None:
        raise ComplaintRefused("照片文件已损坏，无法读取。请重新拍一张。")
    width, height = size
    if not width or not height or width > MAX_PHOTO_SIDE or height > MAX_PHOTO_SIDE \
            or width * height > MAX_PHOTO_PIXELS:
        raise ComplaintRefused(f"照片尺寸太大（{width}×{height}），请用手机正常拍摄的照片。")
    return content_type, hashlib.sha256(data).hexdigest()


# JPEG start-of-frame markers (baseline, progressive, lossless, arithmetic): they carry the size.
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _declared_size(data: bytes, content_type: str) -> tuple[int, int] | None:
    """(width, height) from the image header, without decoding any pixels; None if there is none."""
    if content_type == "image/png":
        if len(data) < 24 or data[12:16] != b"IHDR":
            return None
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD9)):  # markers without a length
            position += 2
            continue
        length = int.from_bytes(data[position + 2:position + 4], "big")
        if marker in _SOF:
            if length < 7 or position + 9 > len(data):
                return None
            return (int.from_bytes(data[position + 7:position + 9], "big"),
                    int.from_bytes(data[position + 5:position + 7], "big"))
        if marker in (0xD9, 0xDA) or length < 2:  # end of image or start of scan before any frame header
            return None
        position += 2 + length
    return None


def add_photo(complaint: Complaint, data: bytes) -> ComplaintPhoto:
    """Attach a JPEG or PNG photo (at most MAX_PHOTOS a ticket, MAX_PHOTO_BYTES each); a repeat is ignored."""
    content_type, digest = _checked_photo(data)
    same = next((p for p in complaint.photos if p.sha256 == digest), None)
    if same is not None:
        return same
    if len(complaint.photos) >= MAX_PHOTOS:
        raise ComplaintRefused(f"每个工单最多 {MAX_PHOTOS} 张照片。")
    photo = ComplaintPhoto(complaint=complaint, content_type=content_type, data=data, sha256=digest)
    db.session.add(photo)
    db.session.flush()
    return photo


def add_chat_photo(owner, media_id: str) -> Complaint:
    """A photo sent in the chat goes with the flat's ticket filed in the last PHOTO_WINDOW; the scheduler
    fetches it from WeChat (fetch_chat_photo). Returns the ticket."""
    now = db_now(db.session)
    complaint = db.session.scalar(select(Complaint).where(
        Complaint.flat_id == owner.flat_id, Complaint.status.in_(OPEN), Complaint.created_at > now - PHOTO_WINDOW)
        .order_by(Complaint.id.desc()))
    if complaint is None:
        raise ComplaintRefused("要报修，请先发文字，例如：报修 楼道灯不亮。再发照片，会附在这个报修上。")
    if len(complaint.photos) >= MAX_PHOTOS:
        raise ComplaintRefused(f"工单 {complaint.ticket} 已经有 {MAX_PHOTOS} 张照片了。")
    db.session.add(ComplaintPhoto(complaint=complaint, media_id=media_id[:128]))
    db.session.flush()
    return complaint


def photos_to_fetch(limit: int = 20) -> list[ComplaintPhoto]:
    """Chat photos not fetched yet and not given up on, locked so that a second scheduler skips them."""
    return db.session.scalars(select(ComplaintPhoto).where(
        ComplaintPhoto.data.is_(None), ComplaintPhoto.media_id != "", ComplaintPhoto.fetch_attempts < FETCH_TRIES)
        .order_by(ComplaintPhoto.id).limit(limit).with_for_update(skip_locked=True)).all()


def store_fetched(photo: ComplaintPhoto, data: bytes) -> None:
    """Keep a fetched chat photo, or give it up if it is not a photo we accept."""
    photo.fetch_attempts += 1
    try:
        photo.content_type, photo.sha256 = _checked_photo(data)
    except ComplaintRefused as refused:
        fetch_failed(photo, str(refused), permanent=True)
        return
    photo.data = data


def fetch_failed(photo: ComplaintPhoto, error: str, permanent: bool = False) -> None:
    """Record a failed fetch; after FETCH_TRIES (or a permanent error) the photo is given up."""
    photo.fetch_error = error[:200]
    photo.fetch_attempts = FETCH_TRIES if permanent else photo.fetch_attempts + 1


def flag_overdue() -> list[int]:
    """Mark open tickets past their department's deadline; returns the ids flagged by this call."""
    now = db_now(db.session)
    due = (Complaint.status.in_(("assigned", "in_progress")) & (Complaint.due_at < now)
           & Complaint.overdue_at.is_(None))
    ids = db.session.scalars(select(Complaint.id).where(due)).all()
    if ids:
        db.session.execute(update(Complaint).where(Complaint.id.in_(ids), due).values(overdue_at=now))
    return ids


def corrections() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Workers' routing choices as (texts, department codes), for retraining the classifier."""
    rows = db.session.execute(select(RoutingCorrection.text, RoutingCorrection.department_code)
                              .order_by(RoutingCorrection.id)).all()
    return tuple(r.text for r in rows), tuple(r.department_code for r in rows)


def for_flat(flat_id: int, limit: int = 5) -> list[Complaint]:
    """The flat's latest tickets, newest first."""
    return db.session.scalars(select(Complaint).where(Complaint.flat_id == flat_id)
                              .order_by(Complaint.id.desc()).limit(limit)).all()
