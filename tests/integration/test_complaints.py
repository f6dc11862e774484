"""Complaints end to end: filed in the chat, on the mobile page or by phone; routed by the classifier or
triaged by a worker; taken up, returned, resolved, rated; overdue tickets flagged; the rates counted."""
import base64
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from core.complaints.departments import by_code
from core.complaints.models import Complaint, ComplaintEvent, ComplaintPhoto, RoutingCorrection
from core.db import db, db_now
from core.residents.links import issue_link
from core.residents.models import Push
from tests import factories
from tests.conftest import csrf_token, login
from tests.wechat_helpers import SAFE, Phone, config_for

CONFIG = config_for(SAFE, PUBLIC_BASE_URL="https://yishi.example.cn")
pytestmark = pytest.mark.parametrize("app", [CONFIG], indirect=True)
# A 1×1 PNG, as a phone's upload would start.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


@pytest.fixture
def estate(app, routing):
    from core.complaints.departments import seed_defaults

    e = factories.estate(name="幸福里", buildings=("3",), units=2, floors=3)
    seed_defaults(e.community.street)  # departments belong to a street
    db.session.commit()
    return e


@pytest.fixture
def worker(estate):
    w = factories.user("worker", estate.community)
    db.session.commit()
    return w


@pytest.fixture
def phone(client, estate):
    """A resident of 3-1-101, bound in the chat."""
    from core.register.lookup import flat_by_code

    owner = flat_by_code(estate, "3-1-101").owners[0]
    db.session.commit()
    p = Phone(client, SAFE, "o-zhang")
    assert "绑定成功" in p.say(f"绑定 幸福里 3-1-101 {owner.name} {owner.phone[-4:]}")
    p.owner = owner
    return p


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def pushes_for(ticket) -> list[Push]:
    db.session.expire_all()
    return db.session.scalars(select(Push).where(Push.kind == "complaint_status").order_by(Push.id)).all()


def test_a_clear_complaint_in_the_chat_goes_straight_to_the_department(phone):
    reply = phone.say("报修 楼道灯坏了一个多月，晚上摸黑上楼")
    ticket = db.session.scalar(select(Complaint))
    assert ticket.status == "assigned" and ticket.department.code == "物业" and ticket.routed_by == "model"
    assert f"已受理，编号 {ticket.ticket}" in reply and "已转给物业服务企业，24小时内处理" in reply
    assert [s["code"] for s in ticket.suggestions][0] == "物业" and len(ticket.suggestions) == 3
    assert "楼道灯" in ticket.key_words and ticket.model_version
    assert (ticket.due_at - ticket.assigned_at) == timedelta(hours=24)
    assert [e.status for e in ticket.events] == ["received", "assigned"]
    assert pushes_for(ticket) == []  # the reply told the resident already
    assert f"{ticket.ticket} 已派单（物业服务企业）" in phone.say("查询")


def test_an_unsure_complaint_waits_in_triage_and_the_workers_choice_is_kept_as_a_label(phone, client, worker, app):
    app.config["ROUTING_THRESHOLD"] = 0.999
    reply = phone.say("投诉 楼下那家天天很吵")
    ticket = db.session.scalar(select(Complaint))
    assert ticket.status == "received" and ticket.department is None and ticket.in_triage
    assert "社区工作人员会尽快交给负责的部门" in reply

    login(client, worker.username)
    queue = client.get("/console/complaints?view=triage").get_data(as_text=True)
    assert ticket.ticket in queue and "待分派（1）" in queue
    page = client.get(f"/console/complaints/{ticket.id}").get_data(as_text=True)
    names = {d.code: d.name for d in [by_code(s["code"]) for s in ticket.suggestions]}
    assert all(f"{name}：" in page for name in names.values())  # the top three, with their chances

    police = by_code("公安")
    response = client.post(f"/console/complaints/{ticket.id}/assign", data={
        "department": police.id, "note": "夜间噪音扰民", "csrf_token": csrf_token(client, f"/console/complaints/{ticket.id}")})
    assert response.status_code == 302
    db.session.expire_all()
    ticket = db.session.get(Complaint, ticket.id)
    assert (ticket.status, ticket.department_id, ticket.routed_by) == ("assigned", police.id, "worker")
    correction = db.session.scalar(select(RoutingCorrection))
    assert (correction.text, correction.department_code, correction.actor_id) == (ticket.text, "公安", worker.id)
    assert ticket.events[-1].actor_id == worker.id and ticket.events[-1].note == "夜间噪音扰民"
    (push,) = pushes_for(ticket)
    assert (push.openid, push.data["ticket"], push.data["status"]) == ("o-zhang", ticket.ticket, "已派单")
    assert push.url == f"/r/complaints/{ticket.id}"
    assert "待分派（0）" in client.get("/console/complaints?view=triage").get_data(as_text=True)


def _act(client, ticket, action, **data):
    token = csrf_token(client, f"/console/complaints/{ticket.id}")
    return client.post(f"/console/complaints/{ticket.id}/{action}", data={"csrf_token": token, **data},
                       follow_redirects=True)


def test_taken_up_resolved_and_rated_in_the_chat_with_the_resident_told_at_each_step(phone, client, worker):
    phone.say("报修 家里停水两天了，一点水都没有")
    ticket = db.session.scalar(select(Complaint))
    assert ticket.department.code == "供水"
    login(client, worker.username)
    assert "处理中" in _act(client, ticket, "start").get_data(as_text=True)
    refused = _act(client, ticket, "resolve", note="")
    assert "请写明办理结果" in refused.get_data(as_text=True)
    assert _act(client, ticket, "resolve", note="更换了入户水管，已恢复供水").status_code == 200
    db.session.expire_all()
    assert db.session.get(Complaint, ticket.id).status == "resolved"
    statuses = [(p.data["status"], p.data["summary"]) for p in pushes_for(ticket)]
    assert statuses == [("处理中", ticket.summary), ("已办结", "已办结，请点开评价")]

    assert "已办结（供水公司）" in phone.say("查询") and "评价 5" in phone.say("查询")
    assert f"给报修 {ticket.ticket}（家里停水两天了" in phone.say("评价")  # says what is being rated
    assert "1 到 5" in phone.say("评价 9")
    assert f"谢谢您的评价：{ticket.ticket} 5分" in phone.say("评价 5 修得很快，态度好！OK")
    assert "已经评价过了" in phone.say(f"评价 {ticket.ticket} 1")
    db.session.expire_all()
    ticket = db.session.get(Complaint, ticket.id)
    # Kept as typed (punctuation and case), not as the bot's normal form ("修得很快 态度好 ok").
    assert (ticket.status, ticket.rating, ticket.rating_comment) == ("rated", 5, "修得很快，态度好！OK")

    stats = client.get("/console/complaints/stats").get_data(as_text=True)
    row = stats[stats.index("供水公司"):].split("</tr>")[0]
    assert row.count("100%") == 3  # responded, resolved, satisfied


def test_a_department_returns_a_ticket_with_a_reason_and_it_is_back_in_triage(phone, client, worker):
    phone.say("报修 楼道灯坏了一个多月，晚上摸黑上楼")
    ticket = db.session.scalar(select(Complaint))
    login(client, worker.username)
    events = count(ComplaintEvent)
    assert "请写明退回原因" in _act(client, ticket, "return", note=" ").get_data(as_text=True)
    assert count(ComplaintEvent) == events
    _act(client, ticket, "return", note="路灯归市政，不归物业")
    db.session.expire_all()
    ticket = db.session.get(Complaint, ticket.id)
    assert ticket.status == "returned" and ticket.in_triage
    assert ticket.ticket in client.get("/console/complaints?view=triage").get_data(as_text=True)
    assert "退回（" not in phone.say("查询") and "退回" in phone.say("查询")


def test_a_ticket_no_department_takes_is_declined_with_a_reason_the_resident_sees(phone, client, worker, app):
    app.config["ROUTING_THRESHOLD"] = 0.999
    phone.say("投诉 楼上邻居欠我两千块钱不还")
    ticket = db.session.scalar(select(Complaint))
    assert ticket.in_triage
    login(client, worker.username)
    events = count(ComplaintEvent)
    assert "请写明不予受理的原因" in _act(client, ticket, "decline", note=" ").get_data(as_text=True)
    assert count(ComplaintEvent) == events
    page = _act(client, ticket, "decline", note="属于民间借贷纠纷，请向人民法院起诉").get_data(as_text=True)
    assert "不予受理" in page
    db.session.expire_all()
    ticket = db.session.get(Complaint, ticket.id)
    assert ticket.status == "declined" and not ticket.in_triage and ticket.events[-1].actor_id == worker.id
    assert ticket.ticket not in client.get("/console/complaints?view=open").get_data(as_text=True)
    assert ticket.ticket in client.get("/console/complaints?view=closed").get_data(as_text=True)
    (push,) = pushes_for(ticket)
    assert (push.data["status"], push.data["summary"]) == ("不予受理", "点开看原因")
    told = phone.say("查询")
    assert f"{ticket.ticket} 不予受理" in told and "原因：属于民间借贷纠纷，请向人民法院起诉" in told
    assert "评价" not in phone.say("查询")

    resident = _resident_client(app, phone.owner)
    mine = resident.get(f"/r/complaints/{ticket.id}").get_data(as_text=True)
    assert "不予受理" in mine and "请向人民法院起诉" in mine and "负责：" not in mine and "补充照片" not in mine
    # Closed: nothing more happens to it.
    again = _act(client, ticket, "assign", department=by_code("公安").id).get_data(as_text=True)
    assert "不能派单" in again
    assert "不能不予受理" in _act(client, ticket, "decline", note="再次").get_data(as_text=True)
    db.session.expire_all()
    assert [e.status for e in db.session.get(Complaint, ticket.id).events] == ["received", "declined"]


def test_a_change_the_workflow_does_not_allow_is_refused_and_changes_nothing(phone, client, worker):
    phone.say("报修 楼道灯坏了一个多月，晚上摸黑上楼")
    ticket = db.session.scalar(select(Complaint))
    login(client, worker.username)
    _act(client, ticket, "start")
    page = _act(client, ticket, "start").get_data(as_text=True)
    assert "工单现在是“处理中”，不能标记为处理中" in page
    same = _act(client, ticket, "assign", department=ticket.department_id).get_data(as_text=True)
    assert "工单已经在物业服务企业" in same
    db.session.expire_all()
    assert [e.status for e in db.session.get(Complaint, ticket.id).events] == ["received", "assigned", "in_progress"]


def test_street_staff_follow_tickets_but_do_not_act_and_other_communities_see_nothing(phone, client, estate):
    phone.say("报修 楼道灯坏了一个多月，晚上摸黑上楼")
    ticket = db.session.scalar(select(Complaint))
    staff = factories.user("street", street_=estate.community.street)
    stranger = factories.user("worker", factories.community())
    db.session.commit()
    login(client, staff.username)
    page = client.get(f"/console/complaints/{ticket.id}").get_data(as_text=True)
    assert ticket.text in page and 'id="actions"' not in page
    token = csrf_token(client, f"/console/complaints/{ticket.id}")
    assert client.post(f"/console/complaints/{ticket.id}/start", data={"csrf_token": token}).status_code == 404
    other = client.application.test_client()
    login(other, stranger.username)
    assert other.get(f"/console/complaints/{ticket.id}").status_code == 404
    assert ticket.ticket not in other.get("/console/complaints?view=all").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Complaint, ticket.id).status == "assigned"


def test_the_overdue_job_flags_tickets_past_the_deadline_and_the_queue_shows_them_first(phone, client, worker, app):
    from core.jobs import flag_overdue_complaints

    phone.say("报修 楼道灯坏了一个多月，晚上摸黑上楼")
    phone.say("报修 家里停水两天了，一点水都没有")
    late, on_time = db.session.scalars(select(Complaint).order_by(Complaint.id)).all()
    late.due_at = db_now(db.session) - timedelta(minutes=1)
    db.session.commit()
    assert flag_overdue_complaints(app.config) == [late.id]
    assert flag_overdue_complaints(app.config) == []  # flagged once
    login(client, worker.username)
    queue = client.get("/console/complaints").get_data(as_text=True)
    assert queue.index(late.ticket) < queue.index(on_time.ticket) and "已超时" in queue
    assert on_time.ticket not in client.get("/console/complaints?view=overdue").get_data(as_text=True)


def test_a_worker_files_a_phone_call_with_a_photo_and_the_bound_resident_gets_the_ticket_number(phone, client, worker,
                                                                                                estate):
    login(client, worker.username)
    token = csrf_token(client, "/console/complaints/new")
    bad = client.post("/console/complaints/new", data={"csrf_token": token, "estate": estate.id, "flat": "9-9-999",
                                                       "text": "暖气不热"})
    assert bad.status_code == 422 and "没有房屋 9-9-999" in bad.get_data(as_text=True)
    assert count(Complaint) == 0
    response = client.post("/console/complaints/new", data={
        "csrf_token": token, "estate": estate.id, "flat": "3-1-101", "text": "暖气不热，家里才十五度",
        "caller": "张阿姨的女儿", "caller_phone": "13912345678",
        "photos": [(__import__("io").BytesIO(PNG), "heater.png")]}, content_type="multipart/form-data")
    assert response.status_code == 302
    ticket = db.session.scalar(select(Complaint))
    assert (ticket.channel, ticket.department.code, ticket.owner_id) == ("phone", "供热", phone.owner.id)
    assert ticket.events[0].actor_id == worker.id
    # Who called, for calling back: on the ticket's history for the staff, not on the resident's page.
    assert "来电人 张阿姨的女儿 13912345678" in client.get(f"/console/complaints/{ticket.id}").get_data(as_text=True)
    resident = _resident_client(client.application, phone.owner).get(f"/r/complaints/{ticket.id}")
    assert resident.status_code == 200 and "13912345678" not in resident.get_data(as_text=True)
    photo = db.session.scalar(select(ComplaintPhoto))
    assert client.get(f"/console/complaints/{ticket.id}/photos/{photo.id}").data == PNG
    assert [p.data["status"] for p in pushes_for(ticket)] == ["已受理", "已派单"]


def _resident_client(app, owner):
    web = app.test_client()
    token = issue_link(owner)
    db.session.commit()
    web.post(f"/r/login/{token}", data={"csrf_token": csrf_token(web, f"/r/login/{token}")})
    return web


def test_a_resident_files_on_the_page_with_a_photo_and_rates_it_there(app, estate, worker, client):
    from io import BytesIO

    from core.register.lookup import flat_by_code

    owner = flat_by_code(estate, "3-2-301").owners[0]
    web = _resident_client(app, owner)
    token = csrf_token(web, "/r/complaints")
    not_a_photo = web.post("/r/complaints", data={"csrf_token": token, "text": "小区门口烧烤摊占道经营",
                                                  "photos": [(BytesIO(b"GIF89a..."), "a.gif")]},
                           content_type="multipart/form-data")
    assert not_a_photo.status_code == 422 and "照片只能是 JPG 或 PNG" in not_a_photo.get_data(as_text=True)
    assert count(Complaint) == 0 and count(ComplaintPhoto) == 0
    filed = web.post("/r/complaints", data={"csrf_token": token, "text": "小区门口烧烤摊占道经营",
                                            "photos": [(BytesIO(PNG), "a.png")]},
                     content_type="multipart/form-data", follow_redirects=True)
    page = filed.get_data(as_text=True)
    ticket = db.session.scalar(select(Complaint))
    assert ticket.channel == "web" and f"已受理，编号 {ticket.ticket}" in page and "城管执法局" in page
    again = web.post("/r/complaints", data={"csrf_token": token, "text": "小区门口烧烤摊占道经营"})
    assert again.status_code == 422 and "刚才已经受理了" in again.get_data(as_text=True)
    assert count(Complaint) == 1

    login(client, worker.username)
    _act(client, ticket, "resolve", note="已清理占道摊点")
    page = web.get(f"/r/complaints/{ticket.id}").get_data(as_text=True)
    assert "请为办理打分" in page and "已清理占道摊点" in page
    web.post(f"/r/complaints/{ticket.id}/rating", data={"csrf_token": csrf_token(web, f"/r/complaints/{ticket.id}"),
                                                        "stars": "2", "comment": "第二天又来了"})
    db.session.expire_all()
    assert (db.session.get(Complaint, ticket.id).rating, db.session.get(Complaint, ticket.id).status) == (2, "rated")

    neighbour = _resident_client(app, flat_by_code(estate, "3-2-302").owners[0])
    assert neighbour.get(f"/r/complaints/{ticket.id}").status_code == 404


def test_the_street_office_edits_a_deadline_and_a_bad_one_changes_nothing(client, estate, worker):
    staff = factories.user("street", street_=estate.community.street)
    db.session.commit()
    water = by_code("供水")
    login(client, worker.username)
    token = csrf_token(client, "/console/departments")
    assert client.post(f"/console/departments/{water.id}", data={"csrf_token": token, "name": "x",
                                                                 "sla_hours": "1"}).status_code == 404
    other = client.application.test_client()
    login(other, staff.username)
    token = csrf_token(other, "/console/departments")
    form = {"csrf_token": token, "name": "自来水公司", "handles": water.handles, "sla_hours": "abc", "active": "1"}
    assert "办理时限请填整数小时" in other.post(f"/console/departments/{water.id}", data=form,
                                              follow_redirects=True).get_data(as_text=True)
    db.session.expire_all()
    assert (by_code("供水").name, by_code("供水").sla_hours) == ("供水公司", 24)
    other.post(f"/console/departments/{water.id}", data={**form, "sla_hours": "12"})
    db.session.expire_all()
    assert (by_code("供水").name, by_code("供水").sla_hours, by_code("供水").active) == ("自来水公司", 12, True)


def test_photos_are_checked_and_limited_and_a_refused_one_leaves_the_others(phone):
    from core.complaints.tickets import MAX_PHOTO_BYTES, MAX_PHOTOS, ComplaintRefused, Router, add_photo, file_complaint

    phone.say("报修 楼道灯坏了一个多月，晚上摸黑上楼")
    ticket = db.session.scalar(select(Complaint))
    for n in range(MAX_PHOTOS):
        add_photo(ticket, PNG + bytes(n))  # PNG, PNG + one zero byte, …
    add_photo(ticket, PNG)  # the same photo again is no new photo
    with pytest.raises(ComplaintRefused, match="最多 3 张"):
        add_photo(ticket, PNG + b"more")
    db.session.commit()
    other, _ = file_complaint("暖气不热", "web", Router(), owner=phone.owner)
    with pytest.raises(ComplaintRefused, match="不能超过 5 MB"):
        add_photo(other, PNG + b"\0" * MAX_PHOTO_BYTES)
    with pytest.raises(ComplaintRefused, match="JPG 或 PNG"):
        add_photo(other, b"<svg onload=alert(1)>")
    db.session.rollback()
    assert count(ComplaintPhoto) == MAX_PHOTOS


def _image(phone, media_id: str, msg_id: int) -> str:
    xml = ("<xml><ToUserName>gh</ToUserName><FromUserName>o-zhang</FromUserName><CreateTime>1</CreateTime>"
           f"<MsgType>image</MsgType><PicUrl>http://mmbiz/x.jpg</PicUrl><MediaId>{media_id}</MediaId>"
           f"<MsgId>{msg_id}</MsgId></xml>")
    return phone.reply(phone.post(xml))


# The smallest JPEG header with a frame (SOF0, 1 × 1): photos are now checked for their declared size,
# and the 64 zero bytes that stood here before declared none.
JPEG = (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
        b"\xff\xc0\x00\x11\x08\x00\x01\x00\x01\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01\xff\xd9")


def test_a_photo_sent_in_the_chat_is_fetched_into_the_ticket(phone, client, worker, api, app):
    from bot.jobs import fetch_photos

    app.config.update(WECHAT_APP_SECRET="secret", WECHAT_API_BASE_URL=api.base_url)
    assert "请先发文字" in _image(phone, "m-early", 801)  # no ticket yet: nothing kept
    assert count(ComplaintPhoto) == 0
    phone.say("报修 楼道灯坏了一个多月，晚上摸黑上楼")
    ticket = db.session.scalar(select(Complaint))
    assert f"附在工单 {ticket.ticket} 上" in _image(phone, "m-1", 802)
    assert f"附在工单 {ticket.ticket} 上" in _image(phone, "m-2", 803)
    api.scripted["/cgi-bin/media/get"] = [(200, JPEG), (200, {"errcode": 40007, "errmsg": "invalid media_id"})]
    assert fetch_photos(app.config) == {"fetched": 1, "failed": 1}
    assert fetch_photos(app.config) == {"fetched": 0, "failed": 0}  # the expired one is given up, not retried
    assert [c["query"]["media_id"] for c in api.calls_to("/cgi-bin/media/get")] == ["m-1", "m-2"]
    db.session.expire_all()
    shown = db.session.get(Complaint, ticket.id).shown_photos
    assert len(shown) == 1 and shown[0].content_type == "image/jpeg"
    login(client, worker.username)
    assert client.get(f"/console/complaints/{ticket.id}/photos/{shown[0].id}").data == JPEG


def _png_declaring(width: int, height: int) -> bytes:
    import struct
    import zlib

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = lambda kind, body: struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def _jpeg_declaring(width: int, height: int) -> bytes:
    return JPEG.replace(b"\x08\x00\x01\x00\x01", b"\x08" + height.to_bytes(2, "big") + width.to_bytes(2, "big"))


def test_a_photo_declaring_huge_dimensions_is_refused_before_decoding(app, estate, client):
    """A 100-byte PNG declaring 65535 × 65535 (17 GB of pixels once decoded) was accepted."""
    from io import BytesIO

    from core.register.lookup import flat_by_code

    owner = flat_by_code(estate, "3-2-301").owners[0]
    web = _resident_client(app, owner)
    token = csrf_token(web, "/r/complaints")
    for bomb in (_png_declaring(65535, 65535), _jpeg_declaring(65500, 65500), _png_declaring(20000, 100),
                 _png_declaring(0, 0), b"\x89PNG\r\n\x1a\n" + b"\0" * 40, b"\xff\xd8\xff\xda\x00\x02"):
        refused = web.post("/r/complaints", data={"csrf_token": token, "text": "小区门口烧烤摊占道经营",
                                                  "photos": [(BytesIO(bomb), "a.png")]},
                           content_type="multipart/form-data")
        page = refused.get_data(as_text=True)
        assert refused.status_code == 422 and ("照片尺寸太大" in page or "已损坏" in page), page[-300:]
    assert count(Complaint) == 0 and count(ComplaintPhoto) == 0
    for fine in (_png_declaring(4000, 3000), _jpeg_declaring(4032, 3024)):
        from core.complaints.tickets import _checked_photo

        assert _checked_photo(fine)[0].startswith("image/")


def test_an_emergency_is_taken_past_the_hourly_limit_and_the_hotlines_tickets_do_not_count(phone, estate):
    from core.complaints import tickets
    from core.register.lookup import flat_by_code
    from web.classifier import router

    flat = flat_by_code(estate, "3-1-101")
    # The 12345 hotline files a ticket for the flat: the resident did not, so it is not theirs to count.
    tickets.file_complaint("楼下垃圾桶满了没人清", "open311", router(), flat=flat,
                           department=by_code("城管执法", estate.community.street_id))
    db.session.commit()
    replies = [phone.say(f"报修 楼道第{n}层的灯坏了") for n in range(tickets.MAX_COMPLAINTS_PER_OWNER_HOUR + 1)]
    assert all("已受理" in r for r in replies[:tickets.MAX_COMPLAINTS_PER_OWNER_HOUR])
    assert "一小时内已经报了" in replies[-1]
    before = count(Complaint)
    # Past the limit, a gas smell is still taken, flagged 紧急, and the resident told what to do now.
    reply = phone.say("报修 家里厨房闻到很浓的煤气味")
    assert "已受理" in reply and "紧急" in reply and "开窗通风" in reply
    assert count(Complaint) == before + 1
    assert db.session.scalars(select(Complaint).order_by(Complaint.id.desc())).first().urgent


def test_a_re_routing_keeps_a_long_12345_label(estate, worker):
    """A street's own model names bureaus as its 12345 export does, often at length: a worker re-routes such a
    ticket and the correction keeps the label (the database refused it past 20 characters)."""
    from core.complaints import tickets
    from core.register.lookup import flat_by_code
    from web.classifier import router

    complaint, _ = tickets.file_complaint("小区后面的山体有滑坡的迹象", "web", router(), flat=flat_by_code(estate, "3-1-101"))
    label = "市自然资源和规划局（市林业局）高新技术产业开发区分局"
    complaint.suggestions = [{"code": label, "probability": 0.5}]
    tickets.assign(complaint, by_code("住建", estate.community.street_id), worker)
    db.session.commit()
    assert db.session.scalar(select(RoutingCorrection.predicted)) == label


def test_a_resident_cannot_flood_the_queue(phone, worker, client):
    from core.complaints.tickets import MAX_COMPLAINTS_PER_OWNER_HOUR

    replies = [phone.say(f"报修 楼道第{n}层的灯坏了") for n in range(MAX_COMPLAINTS_PER_OWNER_HOUR + 2)]
    assert all("已受理" in r for r in replies[:MAX_COMPLAINTS_PER_OWNER_HOUR])
    assert all("一小时内已经报了" in r for r in replies[MAX_COMPLAINTS_PER_OWNER_HOUR:])
    assert count(Complaint) == MAX_COMPLAINTS_PER_OWNER_HOUR
    # An hour later the resident may file again; a worker entering a phone call is never limited.
    db.session.execute(update(Complaint).values(
        created_at=db_now(db.session) - timedelta(hours=2)))
    db.session.commit()
    assert "已受理" in phone.say("报修 单元门的门禁坏了")


def test_a_number_sent_after_the_survey_list_is_not_taken_as_a_ticket_rating(phone, client, worker, estate):
    from core.consultation.surveys import create_survey, open_survey

    phone.say("报修 楼道灯坏了，晚上看不见")
    ticket = db.session.scalar(select(Complaint))
    login(client, worker.username)
    _act(client, ticket, "start")
    _act(client, ticket, "resolve", note="换了灯泡")
    now = db_now(db.session)
    survey = create_survey(worker, estate, "改造满意度", now - timedelta(hours=1), now + timedelta(days=3), "评分 总体满意吗",
                           anonymous=False)
    open_survey(survey, worker)
    db.session.commit()

    assert f"/r/surveys/{survey.id}" in phone.say("问卷")
    reply = phone.say("5")  # meant for the survey
    assert "在页面上填写" in reply and f"/r/surveys/{survey.id}" in reply
    db.session.expire_all()
    assert (db.session.get(Complaint, ticket.id).status, db.session.get(Complaint, ticket.id).rating) == ("resolved", None)
