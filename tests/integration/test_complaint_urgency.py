"""Emergencies (紧急): flagged from the chat, the resident page and a worker's phone entry; a short deadline,
the top of the queue, an alert on every console page, a push to the staff on duty, an audit entry, and
the resident told what to do now."""
from datetime import timedelta
from io import BytesIO

import pytest
from sqlalchemy import select

from core.audit import AuditEntry
from core.complaints.models import Complaint
from core.db import db
from core.register.lookup import flat_by_code
from core.residents.links import issue_link
from core.residents.models import Push
from tests import factories
from tests.conftest import csrf_token, login
from tests.wechat_helpers import SAFE, Phone, config_for

CONFIG = config_for(SAFE, PUBLIC_BASE_URL="https://yishi.example.cn", URGENT_DUTY_OPENIDS=("o-duty-li",))
pytestmark = pytest.mark.parametrize("app", [CONFIG], indirect=True)


@pytest.fixture
def estate(app, routing):
    e = factories.estate(name="幸福里", buildings=("3",), units=2, floors=3)
    db.session.commit()
    return e


@pytest.fixture
def worker(estate):
    w = factories.user("worker", estate.community)
    db.session.commit()
    return w


@pytest.fixture
def phone(client, estate):
    owner = flat_by_code(estate, "3-1-101").owners[0]
    db.session.commit()
    p = Phone(client, SAFE, "o-zhang")
    assert "绑定成功" in p.say(f"绑定 幸福里 3-1-101 {owner.name} {owner.phone[-4:]}")
    return p


def tickets() -> list[Complaint]:
    db.session.expire_all()
    return db.session.scalars(select(Complaint).order_by(Complaint.id)).all()


def duty_pushes() -> list[Push]:
    db.session.expire_all()
    return db.session.scalars(select(Push).where(Push.kind == "complaint_urgent").order_by(Push.id)).all()


@pytest.mark.parametrize(("said", "reason"), [
    ("报修 3栋2单元楼道里好大一股煤气味", "燃气泄漏"),
    ("报修 电梯困人了，我家老人被困在里面", "电梯困人"),
    ("报修 楼下水管爆了，水一直往外冒", "爆管"),
    ("报修 楼道电线打火，还冒烟了", "火情"),
    ("投诉 3栋外墙脱落，砸到楼下的车", "高处坠落"),
    ("投诉 工地的脚手架倒了，横在路上", "高处坠落"),
])
def test_an_emergency_in_the_chat_is_urgent_with_a_short_deadline_and_the_duty_worker_is_pushed(phone, said, reason):
    reply = phone.say(said)
    [ticket] = tickets()
    assert ticket.urgent and ticket.urgent_hours == 2 and ticket.urgent_reason.startswith(reason)
    assert "已按紧急情况处理，要求2小时内处置" in reply and f"编号 {ticket.ticket}" in reply
    if ticket.assigned_at is not None:  # the department's own deadline is longer; the emergency's wins
        assert ticket.due_at == ticket.created_at + timedelta(hours=2)
    [push] = duty_pushes()
    assert (push.openid, push.data["ticket"], push.url) == ("o-duty-li", ticket.ticket, f"/console/complaints/{ticket.id}")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "complaint.urgent"))
    assert entry.target == f"complaint:{ticket.id}" and reason in entry.detail


def test_gas_advice_is_given_and_a_denied_smell_is_an_ordinary_ticket(phone):
    reply = phone.say("报修 厨房有燃气味，很浓")
    assert "开窗通风" in reply and "关掉燃气阀门" in reply
    phone.say("报修 没有煤气味，就是燃气表不走字了")
    urgent, ordinary = tickets()
    assert urgent.urgent and not ordinary.urgent and ordinary.urgent_reason == ""
    assert len(duty_pushes()) == 1


def test_an_emergency_tops_the_queue_and_every_console_page_alerts_until_it_is_taken_up(phone, client, worker):
    phone.say("报修 楼道灯坏了一个多月，晚上摸黑上楼")
    phone.say("报修 家里停水两天了，一点水都没有")
    phone.say("报修 2单元电梯困人，有人出不来")
    lamp, water, lift = tickets()
    assert lift.urgent and not lamp.urgent and not water.urgent
    login(client, worker.username)
    queue = client.get("/console/complaints").get_data(as_text=True)
    assert queue.index(lift.ticket) < queue.index(lamp.ticket) < queue.index(water.ticket)
    home = client.get("/console/").get_data(as_text=True)
    assert 'id="urgent-alert"' in home and "紧急工单 1 件等待处置" in home
    urgent_tab = client.get("/console/complaints?view=urgent").get_data(as_text=True)
    assert lift.ticket in urgent_tab and lamp.ticket not in urgent_tab
    page = client.get(f"/console/complaints/{lift.id}").get_data(as_text=True)
    assert 'id="urgent"' in page and "电梯困人" in page

    if lift.department is None:  # the classifier was unsure: the worker sends it on, 90 minutes after the report
        lift.created_at -= timedelta(minutes=90)
        db.session.commit()
        token = csrf_token(client, f"/console/complaints/{lift.id}")
        from core.complaints.departments import by_code
        client.post(f"/console/complaints/{lift.id}/assign",
                    data={"csrf_token": token, "department": by_code("物业").id})
    [lift] = [t for t in tickets() if t.id == lift.id]
    # The emergency's two hours run from the report (what the resident was told), not from the dispatch.
    assert lift.due_at == lift.created_at + timedelta(hours=2)
    token = csrf_token(client, f"/console/complaints/{lift.id}")
    client.post(f"/console/complaints/{lift.id}/start", data={"csrf_token": token})
    assert 'id="urgent-alert"' not in client.get("/console/").get_data(as_text=True)


def test_a_resident_reporting_on_the_page_is_told_it_is_urgent(app, estate):
    owner = flat_by_code(estate, "3-2-301").owners[0]
    web = app.test_client()
    token = issue_link(owner)
    db.session.commit()
    web.post(f"/r/login/{token}", data={"csrf_token": csrf_token(web, f"/r/login/{token}")})
    filed = web.post("/r/complaints", data={"csrf_token": csrf_token(web, "/r/complaints"),
                                            "text": "楼下的配电箱起火了，一直冒烟"}, follow_redirects=True)
    page = filed.get_data(as_text=True)
    [ticket] = tickets()
    assert ticket.urgent and ticket.channel == "web"
    assert "已按紧急情况处理" in page and 'id="urgent"' in page and "119" in page


def test_a_workers_phone_entry_of_an_emergency_is_urgent_and_the_worker_is_told(client, worker, estate):
    login(client, worker.username)
    response = client.post("/console/complaints/new", data={
        "csrf_token": csrf_token(client, "/console/complaints/new"), "estate": estate.id, "flat": "3栋1单元102室",  # as a caller says it
        "text": "来电：3栋外墙瓷砖掉下来了，差点砸到人", "photos": [(BytesIO(b""), "")]},
        content_type="multipart/form-data", follow_redirects=True)
    page = response.get_data(as_text=True)
    [ticket] = tickets()
    assert ticket.urgent and ticket.channel == "phone" and ticket.urgent_reason.startswith("高处坠落")
    assert ticket.flat.label == "3栋1单元102"
    assert "紧急（高处坠落" in page and "请转告来电人" in page
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "complaint.urgent"))
    assert entry.actor_id == worker.id
    assert [p.openid for p in duty_pushes()] == ["o-duty-li"]


def test_a_gas_leak_or_a_trapped_person_goes_straight_to_its_department_whatever_the_model(estate):
    """A street whose own model knows only 12345 bureaus (or no model, or a model unsure of itself) still sends a
    gas leak to the gas company and a person trapped in a lift to the property company, at once."""
    from core.complaints.tickets import Router, file_complaint
    from nlp.corpus import Corpus, shipped
    from nlp.training import train

    corpus = shipped()
    bureaus = train(Corpus(corpus.texts, tuple(label + "办" for label in corpus.labels)))  # no label is a code
    flats = factories.flats_of(estate)
    for router in (Router(bureaus, 0.7), Router(None, 0.7), Router(bureaus, 1.01)):
        gas, _ = file_complaint("家里燃气管道漏气了，嘶嘶响", "web", router, flat=flats[0])
        lift, _ = file_complaint("电梯卡在三楼了，我妈被困在里面出不来", "web", router, flat=flats[1])
        assert (gas.department.code, gas.routed_by, gas.urgent) == ("燃气", "rule", True)
        assert (lift.department.code, lift.routed_by, lift.urgent) == ("物业", "rule", True)
        assert "按规则直接派单" in gas.events[-1].note
        db.session.rollback()
    # A burst pipe may be the utility's or the property company's: the model and the workers decide.
    pipe, _ = file_complaint("楼下水管爆了，水一直往外喷", "web", Router(None, 0.7), flat=flats[2])
    assert pipe.urgent and pipe.department is None and pipe.routed_by is None
