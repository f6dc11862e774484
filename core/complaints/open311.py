"""Open311 GeoReport v2 for connected systems (a department's work-order system, the 12345 hotline):
keys, the mapping of our tickets to service requests and back, filing and updating. Flush, never commit.

Each key is scoped to one street: it sees and files tickets of that street's estates only. Services are
the active departments. Statuses map both ways (README, Open311):
    open   ← received, assigned, in_progress, returned          closed ← resolved, rated, declined (不予受理)
and an update a system posts (FixMyStreet's servicerequestupdates) moves the ticket:
    IN_PROGRESS, ACTION_SCHEDULED, INVESTIGATING → 处理中;  CLOSED, FIXED → 已办结 (the description is the
    result);  NOT_COUNCILS_RESPONSIBILITY, INTERNAL_REFERRAL, NO_FURTHER_ACTION → 退回 (the reason);  OPEN → no change.
"""
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from core import audit
from core.complaints import departments, tickets
from core.complaints.models import CLOSED, Complaint, ComplaintEvent, Department, Open311Key
from core.db import SHANGHAI, db, db_now
from core.register.lookup import flat_by_code
from core.register.models import Community, Estate, Flat, Street

MAX_DESCRIPTION = 4000  # the spec's limit; we keep tickets.MAX_TEXT of it and say so in service_notice
MAX_SPAN = timedelta(days=90)
MAX_RESULTS = 1000
UPDATE_STATUSES = {
    "OPEN": None, "IN_PROGRESS": "in_progress", "ACTION_SCHEDULED": "in_progress", "INVESTIGATING": "in_progress",
    "CLOSED": "resolved", "FIXED": "resolved",
    "NOT_COUNCILS_RESPONSIBILITY": "returned", "INTERNAL_REFERRAL": "returned", "NO_FURTHER_ACTION": "returned",
}
_W3C = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$")
_FLAT_IN_ADDRESS = re.compile(r"(\d+)\s*(?:-|号楼|栋|幢)\s*(\d+)\s*(?:-|单元)\s*(\d+)")


class Open311Error(ValueError):
    """A request that cannot be served: the spec's error code (400, 403, 404) and a description."""

    def __init__(self, code: int, description: str):
        super().__init__(description)
        self.code, self.description = code, description


# --- keys ---------------------------------------------------------------------------------------------

def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def add_key(name: str, street: Street, actor=None) -> str:
    """Create a key for a connected system; returns the key, which is not kept (only its hash is)."""
    name = name.strip()
    if not name or len(name) > 60:
        raise ValueError("系统名称要写 1 到 60 个字。")
    if db.session.scalar(select(Open311Key.id).where(Open311Key.street_id == street.id, Open311Key.name == name,
                                                     Open311Key.revoked_at.is_(None))) is not None:
        raise ValueError(f"本街道已经有名为“{name}”的有效密钥：请换一个名称，或先停用它。")
    key = secrets.token_urlsafe(32)
    db.session.add(Open311Key(name=name, street_id=street.id, key_sha256=_digest(key)))
    audit.record(actor, "open311.add_key", f"street:{street.id}", name)
    db.session.flush()
    return key


def revoke_key(name: str, actor=None, street_id: int | None = None) -> Open311Key:
    """Revoke a live key (of the street, when one is given): the system's next call gets 403."""
    query = select(Open311Key).where(Open311Key.name == name, Open311Key.revoked_at.is_(None))
    if street_id is not None:
        query = query.where(Open311Key.street_id == street_id)
    rows = db.session.scalars(query).all()
    if len(rows) > 1:
        raise ValueError(f"几个街道都有名为“{name}”的有效密钥：请说明是哪个街道的。")
    if not rows:
        raise ValueError(f"没有名为“{name}”的有效密钥。")
    row = rows[0]
    row.revoked_at = db_now(db.session)
    audit.record(actor, "open311.revoke_key", f"street:{row.street_id}", name)
    db.session.flush()
    return row


def keys_of(street_id: int) -> list[Open311Key]:
    """The street's keys, live ones first, newest first."""
    return db.session.scalars(select(Open311Key).where(Open311Key.street_id == street_id)
                              .order_by(Open311Key.revoked_at.is_not(None), Open311Key.id.desc())).all()


def key_for(api_key: str | None) -> Open311Key:
    """The live key, or the spec's 403."""
    if not api_key:
        raise Open311Error(403, "Missing api_key -- can't proceed.")
    row = db.session.scalar(select(Open311Key).where(Open311Key.key_sha256 == _digest(api_key),
                                                     Open311Key.revoked_at.is_(None)))
    if row is None:
        raise Open311Error(403, "Invalid api_key received -- can't proceed.")
    return row


# --- services -----------------------------------------------------------------------------------------

ATTRIBUTES = (
    {"variable": True, "code": "estate", "datatype": "string", "required": False, "order": 1,
     "datatype_description": "小区名称，如 幸福里（可改用 address_string 或 address_id）",
     "description": "小区"},
    {"variable": True, "code": "flat", "datatype": "string", "required": False, "order": 2,
     "datatype_description": "楼栋-单元-房号，如 3-1-101", "description": "房屋"},
)


def services(street_id: int | None = None) -> list[dict]:
    """A street's departments as services (a key names its street); without a key, each code once."""
    query = select(Department).where(Department.active.is_(True)).order_by(Department.id)
    if street_id is not None:
        departments.ensure_street(street_id)
        query = query.where(Department.street_id == street_id)
    listed = {}
    for found in db.session.scalars(query):
        listed.setdefault(found.code, found)
    return [service(d) for d in listed.values()]


def service(department: Department) -> dict:
    return {"service_code": department.code, "service_name": department.name, "description": department.handles,
            "metadata": True, "type": "realtime", "keywords": department.handles.replace("，", ","),
            "group": "报修投诉"}


def department(code: str | None, street_id: int | None = None) -> Department:
    """The active department of this code: the street's own (departments are per street), or the first."""
    if not code:
        raise Open311Error(400, "service_code not provided.")
    query = select(Department).where(Department.code == code, Department.active.is_(True)).order_by(Department.id)
    if street_id is not None:
        departments.ensure_street(street_id)
        query = query.where(Department.street_id == street_id)
    found = db.session.scalar(query.limit(1))
    if found is None:
        raise Open311Error(404, f"service_code {code} not found.")
    return found


# --- requests: reading --------------------------------------------------------------------------------

def w3c(moment: datetime | None) -> str | None:
    return moment.astimezone(SHANGHAI).isoformat(timespec="seconds") if moment else None


def parse_w3c(value: str, name: str) -> datetime:
    if not _W3C.match(value):
        raise Open311Error(400, f"{name} must be a W3C datetime with a timezone, e.g. 2026-01-01T00:00:00+08:00.")
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(400, f"{name} is not a valid date.") from None


def _street_estates(key: Open311Key):
    return select(Estate.id).join(Community, Community.id == Estate.community_id).where(
        Community.street_id == key.street_id)


def as_request(complaint: Complaint) -> dict:
    """One ticket as a GeoReport v2 service request (every unstarred field present, null where unknown)."""
    lead = complaint.lead
    department = lead.department
    last = complaint.events[-1] if complaint.events else None
    return {
        "service_request_id": complaint.ticket,
        "status": "closed" if complaint.status in CLOSED else "open",
        # Why the status is what it is; the intake's note is not one (it names the caller, for the staff).
        "status_notes": last.note if last and last.note and last.status != "received" else None,
        "service_name": department.name if department else None,
        "service_code": department.code if department else None,
        "description": complaint.text,
        "agency_responsible": department.name if department and lead.status != "returned" else None,
        "service_notice": f"紧急：{lead.urgent_reason}" if lead.urgent else None,
        "requested_datetime": w3c(complaint.created_at),
        "updated_datetime": w3c(complaint.updated_at),
        # No deadline while the ticket waits for a department (in triage, or sent back by one).
        "expected_datetime": w3c(lead.due_at) if lead.status in ("assigned", "in_progress") else None,
        "address": " ".join(p for p in (complaint.estate.name, complaint.flat.label if complaint.flat else "") if p),
        "address_id": str(complaint.flat_id) if complaint.flat_id else None,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }


def _ids(value: str) -> list[str]:
    return [part.strip().upper() for part in value.split(",") if part.strip()]


def find_requests(key: Open311Key, args: dict, now: datetime) -> list[Complaint]:
    """GET requests: the street's tickets, filtered as the spec says; an empty argument counts as absent."""
    query = select(Complaint).where(Complaint.estate_id.in_(_street_estates(key)))
    if args.get("service_request_id"):  # "This overrides all other arguments."
        return db.session.scalars(query.where(Complaint.ticket.in_(_ids(args["service_request_id"])))
                                  .order_by(Complaint.id)).all()
    if args.get("service_code"):
        codes = [c.strip() for c in args["service_code"].split(",") if c.strip()]
        query = query.join(Department, Department.id == Complaint.department_id).where(Department.code.in_(codes))
    if args.get("status"):
        wanted = {s.strip().lower() for s in args["status"].split(",") if s.strip()}
        if not wanted <= {"open", "closed"}:
            raise Open311Error(400, "status must be open, closed or both (comma-separated).")
        if wanted == {"open"}:
            query = query.where(Complaint.status.not_in(CLOSED))
        elif wanted == {"closed"}:
            query = query.where(Complaint.status.in_(CLOSED))
    end = parse_w3c(args["end_date"], "end_date") if args.get("end_date") else None
    start = parse_w3c(args["start_date"], "start_date") if args.get("start_date") else None
    if start is None and end is None:
        end = now
    if start is None:
        start = end - MAX_SPAN
    if end is None:  # start_date alone: "since then", up to now (a client asking for more is told, not given [])
        end = max(now, start)
        if end - start > MAX_SPAN:
            raise Open311Error(400, "start_date alone searches up to now, more than 90 days: send an end_date "
                                    "at most 90 days after it.")
    if end < start:
        raise Open311Error(400, "end_date is before start_date.")
    if end - start > MAX_SPAN:
        raise Open311Error(400, "start_date to end_date may not span more than 90 days.")
    query = query.where(Complaint.created_at >= start, Complaint.created_at <= end)
    return db.session.scalars(query.order_by(Complaint.id.desc()).limit(MAX_RESULTS)).all()


def one_request(key: Open311Key, ticket: str) -> Complaint:
    found = db.session.scalar(select(Complaint).where(Complaint.ticket == ticket.strip().upper(),
                                                      Complaint.estate_id.in_(_street_estates(key))))
    if found is None:
        raise Open311Error(404, f"service_request_id {ticket} not found.")
    return found


# --- requests: filing ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Place:
    estate: Estate
    flat: Flat | None


def _estate_named(key: Open311Key, text: str) -> Estate | None:
    """The street's estate named in the text (the longest name that occurs in it)."""
    estates = db.session.scalars(select(Estate).where(Estate.id.in_(_street_estates(key)))).all()
    named = [e for e in estates if e.name and e.name in text]
    return max(named, key=lambda e: len(e.name)) if named else None


def locate(key: Open311Key, form: dict) -> Place:
    """Where the request is: attribute[estate] (+ attribute[flat]), address_id (our flat id), or an
    address_string naming the estate and perhaps 楼栋-单元-房号. Coordinates alone cannot be placed:
    the register has no map."""
    lat, long = form.get("lat"), form.get("long")
    if bool(lat) != bool(long):
        raise Open311Error(400, "lat and long must both be sent.")
    for name, value in (("lat", lat), ("long", long)):
        if value:
            try:
                float(value)
            except ValueError:
                raise Open311Error(400, f"{name} must be a number.") from None
    estate_name = (form.get("attribute[estate]") or "").strip()
    flat_code = (form.get("attribute[flat]") or "").strip()
    address_id = (form.get("address_id") or "").strip()
    address = (form.get("address_string") or "").strip()
    if estate_name:
        estate = db.session.scalar(select(Estate).where(Estate.id.in_(_street_estates(key)), Estate.name == estate_name))
        if estate is None:
            raise Open311Error(400, f"attribute[estate] {estate_name} is not an estate of this street.")
        return Place(estate, _flat(estate, flat_code, "attribute[flat]"))
    if address_id:
        flat = db.session.get(Flat, int(address_id)) if address_id.isdigit() else None
        if flat is None or flat.unit.building.estate_id not in set(db.session.scalars(_street_estates(key))):
            raise Open311Error(400, f"address_id {address_id} is not a flat of this street.")
        return Place(flat.unit.building.estate, flat)
    if address:
        estate = _estate_named(key, address)
        if estate is None:
            raise Open311Error(400, "address_string names no estate of this street.")
        match = _FLAT_IN_ADDRESS.search(address[address.index(estate.name) + len(estate.name):])
        return Place(estate, _flat(estate, "-".join(match.groups()), "address_string") if match else None)
    if lat:
        raise Open311Error(400, "lat/long alone cannot be placed: send address_string (小区 楼栋-单元-房号), "
                                "address_id or attribute[estate].")
    raise Open311Error(400, "A location is required: address_string (小区 楼栋-单元-房号), address_id or "
                            "attribute[estate]; lat/long alone cannot be placed (the register has no map).")


def _flat(estate: Estate, code: str, name: str) -> Flat | None:
    if not code:
        return None
    flat = flat_by_code(estate, code)
    if flat is None:
        raise Open311Error(400, f"{name}: {estate.name} has no flat {code} (楼栋-单元-房号).")
    return flat


def file_request(key: Open311Key, form: dict, router: tickets.Router) -> tuple[Complaint, str | None]:
    """POST requests: a ticket in the place given, assigned to the service's department. Returns the
    ticket and the service notice (None if there is nothing to say)."""
    target = department(form.get("service_code"), key.street_id)
    place = locate(key, form)
    description = (form.get("description") or "").strip()
    if not description:
        raise Open311Error(400, "description not provided: the department needs to know the problem.")
    if len(description) > MAX_DESCRIPTION:
        raise Open311Error(400, f"description is longer than {MAX_DESCRIPTION} characters.")
    last, first = (form.get("last_name") or "").strip(), (form.get("first_name") or "").strip()
    chinese = re.fullmatch(r"[\u4e00-\u9fff·]*", last + first) is not None  # 刘 + 明 is 刘明; John Smith keeps its space
    name = (last + first) if chinese else " ".join(p for p in (first, last) if p)
    contact = " ".join(p for p in (name, (form.get("phone") or "").strip()) if p)
    note = f"经 Open311（{key.name}）受理" + (f"，来人 {contact}" if contact else "")
    # A client retrying a POST whose answer it lost gets the request it made, not an error.
    text, _ = tickets.clean(description, routed=False)
    earlier = tickets.repeat_of(place.flat, text, db_now(db.session))
    if earlier is not None and earlier.channel == "open311":
        return earlier, f"同一地点、同一内容的请求已于 {w3c(earlier.created_at)} 受理，这就是那一张（未重复登记）"
    try:
        complaint, cut = tickets.file_complaint(description, "open311", router, flat=place.flat, estate=place.estate,
                                                department=target, note=note)
    except tickets.ComplaintRefused as refused:
        raise Open311Error(400, str(refused)) from None
    audit.record(None, "open311.request", f"complaint:{complaint.id}", f"{key.name} {complaint.ticket}")
    notices = [f"description cut to {tickets.MAX_TEXT} characters" if cut else "",
               f"与 {complaint.lead.ticket} 是同一问题，合并办理" if complaint.duplicate_of else "",
               tickets.urgent_notice(complaint.lead)]
    return complaint, "；".join(n for n in notices if n) or None


def update_request(key: Open311Key, form: dict) -> int:
    """POST servicerequestupdates (FixMyStreet's extension): a department's system moves a ticket.
    Returns the id of the event recorded (the update_id)."""
    ticket = (form.get("service_request_id") or "").strip()
    if not ticket:
        raise Open311Error(400, "service_request_id not provided.")
    status = (form.get("status") or "").strip().upper().replace(" ", "_")
    if status not in UPDATE_STATUSES:
        raise Open311Error(400, f"status must be one of {', '.join(UPDATE_STATUSES)}.")
    complaint = tickets.for_update(one_request(key, ticket).id)
    description = (form.get("description") or "").strip()
    note = f"Open311（{key.name}）：{description}" if description else f"Open311（{key.name}）"
    wanted = UPDATE_STATUSES[status]
    try:
        if wanted == "in_progress" and complaint.status != "in_progress":
            tickets.start(complaint, None, note)
        elif wanted == "resolved":
            if not description:
                raise Open311Error(400, "description (the result) is required to close a request.")
            tickets.resolve(complaint, None, note)
        elif wanted == "returned":
            if not description:
                raise Open311Error(400, "description (the reason) is required to hand a request back.")
            tickets.send_back(complaint, None, note)
    except tickets.ComplaintRefused as refused:
        raise Open311Error(400, str(refused)) from None
    audit.record(None, "open311.update", f"complaint:{complaint.id}", f"{key.name} {status}")
    db.session.flush()
    return db.session.scalar(select(func.max(ComplaintEvent.id)).where(ComplaintEvent.complaint_id == complaint.id))
