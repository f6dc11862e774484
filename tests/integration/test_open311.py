"""Open311 GeoReport v2 for connected systems, checked against the spec's published example documents
(../shared/open311/examples): field names, JSON shapes (bare arrays), XML element names, the error list;
keys made by the CLI and scoped to a street; filing, filters, status both ways, and bad requests that
change nothing."""
import json
from pathlib import Path
from xml.etree import ElementTree

import pytest
from sqlalchemy import func, select

from core.complaints.models import Complaint, Open311Key
from core.db import db
from core.register.lookup import flat_by_code
from tests import factories

EXAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "open311" / "examples"


def example(name: str):
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    return json.loads(text) if name.endswith(".json") else ElementTree.fromstring(text.encode("utf-8"))


@pytest.fixture
def estate(app, routing):
    from core.complaints.departments import ensure_street

    e = factories.estate(name="幸福里", buildings=("3",), units=2, floors=3)
    ensure_street(e.community.street_id)  # departments are per street: the new street gets the defaults
    db.session.commit()
    return e


def add_key(app, name: str, street: str) -> str:
    result = app.test_cli_runner().invoke(args=["open311", "add-key", name, "--street", street])
    assert result.exit_code == 0, result.output
    return result.output.strip()


@pytest.fixture
def key(app, estate):
    return add_key(app, "12345热线", estate.community.street.name)


def count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Complaint.id)))


def post(client, key, fmt="json", **form):
    data = {"api_key": key, "jurisdiction_id": "yanjiang.gov.cn", "service_code": "物业",
            "address_string": "幸福里 3-1-101", "description": "3栋1单元楼道灯不亮了", **form}
    return client.post(f"/open311/v2/requests.{fmt}", data={k: v for k, v in data.items() if v is not None})


def assert_error(response, status: int):
    assert response.status_code == status and response.content_type.startswith("application/json")
    body = response.get_json()
    spec = example("spec/errors_403.json")
    assert isinstance(body, list) and [set(e) for e in body] == [set(spec[0])]
    assert body[0]["code"] == status and body[0]["description"]


def test_the_key_is_printed_once_and_only_its_hash_is_kept(app, key, estate):
    row = db.session.scalar(select(Open311Key))
    assert len(key) >= 40 and key not in (row.key_sha256, row.name) and row.street_id == estate.community.street_id
    again = app.test_cli_runner().invoke(args=["open311", "add-key", "12345热线", "--street", "没有这个街道"])
    assert again.exit_code != 0 and "no street" in again.output


def test_a_street_officer_issues_a_key_in_the_console_sees_it_once_and_revokes_it(app, client, estate):
    from tests.conftest import csrf_token, login

    officer = factories.user("street", street_=estate.community.street)
    worker = factories.user("worker", estate.community)
    db.session.commit()
    login(client, worker.username)
    assert client.get("/console/open311-keys").status_code == 404  # a street's keys are its officers'
    client.post("/logout", data={"csrf_token": csrf_token(client, "/console/")})
    login(client, officer.username)
    token = csrf_token(client, "/console/open311-keys")
    page = client.post("/console/open311-keys", data={"csrf_token": token, "name": "12345热线"}).get_data(as_text=True)
    key = page.split('id="new-key"')[1].split("<code>")[1].split("</code>")[0]
    assert len(key) >= 40 and "只显示这一次" in page
    assert key not in client.get("/console/open311-keys").get_data(as_text=True)  # never shown again
    assert post(client, key).status_code == 200  # the key works at once, for this street
    again = client.post("/console/open311-keys", data={"csrf_token": token, "name": "12345热线"},
                        follow_redirects=True).get_data(as_text=True)
    assert "本街道已经有名为“12345热线”的有效密钥" in again
    row = db.session.scalar(select(Open311Key))
    client.post(f"/console/open311-keys/{row.id}/revoke", data={"csrf_token": token})  # not ticked: kept
    assert post(client, key, description="另一件事").status_code == 200
    client.post(f"/console/open311-keys/{row.id}/revoke", data={"csrf_token": token, "confirm": "1"})
    assert_error(post(client, key, description="第三件事"), 403)
    # The revoked key's name goes to its replacement; another street names its own 12345热线 too.
    page = client.post("/console/open311-keys", data={"csrf_token": token, "name": "12345热线"}).get_data(as_text=True)
    assert "只显示这一次" in page
    other = factories.street()
    db.session.commit()
    assert add_key(app, "12345热线", other.name)
    assert app.test_cli_runner().invoke(args=["open311", "revoke-key", "12345热线"]).exit_code != 0  # which one?
    assert app.test_cli_runner().invoke(args=["open311", "revoke-key", "12345热线", "--street", other.name]).exit_code == 0


def test_services_have_the_spec_fields_in_json_and_xml(client, estate):
    response = client.get("/open311/v2/services.json")
    assert response.content_type == "application/json; charset=utf-8"
    services = response.get_json()
    spec = example("spec/services.json")
    assert isinstance(services, list) and len(services) == 13
    assert all(set(s) == set(spec[0]) for s in services)
    assert {"service_code": "物业", "metadata": True, "type": "realtime"}.items() <= services[-2].items()

    xml = client.get("/open311/v2/services.xml")
    assert xml.content_type == "text/xml; charset=utf-8"
    assert xml.get_data(as_text=True).startswith('<?xml version="1.0" encoding="utf-8"?>')
    root, spec_root = ElementTree.fromstring(xml.data), example("spec/services.xml")
    assert root.tag == spec_root.tag and {c.tag for c in root} == {c.tag for c in spec_root}
    assert {c.tag for c in root[0]} == {c.tag for c in spec_root[0]}

    definition = client.get("/open311/v2/services/物业.json").get_json()
    spec_definition = example("spec/service_definition.json")
    assert set(definition) == set(spec_definition) and definition["service_code"] == "物业"
    assert all(set(a) <= set(spec_definition["attributes"][0]) for a in definition["attributes"])
    xml_definition = ElementTree.fromstring(client.get("/open311/v2/services/物业.xml").data)
    assert [c.tag for c in xml_definition] == [c.tag for c in example("spec/service_definition.xml")]
    assert_error(client.get("/open311/v2/services/没有.json"), 404)


def test_a_request_is_filed_read_back_and_closed_by_the_departments_system(client, key, estate):
    response = post(client, key, last_name="张", first_name="明", phone="13800000000")
    assert response.status_code == 200
    [created] = response.get_json()
    assert set(created) == set(example("spec/post_request_response.json")[0])
    ticket = db.session.scalar(select(Complaint))
    assert created["service_request_id"] == ticket.ticket and isinstance(created["service_request_id"], str)
    assert (ticket.channel, ticket.department.code, ticket.status, ticket.routed_by) == (
        "open311", "物业", "assigned", "system")
    assert ticket.flat == flat_by_code(estate, "3-1-101") and "12345热线" in ticket.events[0].note
    assert "来人 张明 13800000000" in ticket.events[0].note  # the staff can call back

    [one] = client.get(f"/open311/v2/requests/{ticket.ticket}.json", query_string={"api_key": key}).get_json()
    spec = example("spec/service_request.json")[0]
    assert set(one) == set(spec)
    assert (one["status"], one["service_code"], one["description"], one["address"]) == (
        "open", "物业", "3栋1单元楼道灯不亮了", "幸福里 3栋1单元101")
    assert one["requested_datetime"].endswith("+08:00")
    # The caller's name and phone stay with the staff: no status note repeats the intake's.
    assert one["status_notes"] in (None, "按对接系统指定的部门派单")
    assert "13800000000" not in json.dumps(one, ensure_ascii=False)
    xml = ElementTree.fromstring(client.get(f"/open311/v2/requests/{ticket.ticket}.xml",
                                            query_string={"api_key": key}).data)
    spec_xml = example("spec/service_request.xml")
    assert (xml.tag, xml[0].tag) == (spec_xml.tag, spec_xml[0].tag)
    assert [c.tag for c in xml[0]] == [c.tag for c in spec_xml[0]]

    update = client.post("/open311/v2/servicerequestupdates.json", data={
        "api_key": key, "service_request_id": ticket.ticket, "status": "IN_PROGRESS", "description": "已派电工"})
    assert update.status_code == 200 and update.get_json()[0]["update_id"]
    refused = client.post("/open311/v2/servicerequestupdates.json", data={
        "api_key": key, "service_request_id": ticket.ticket, "status": "FIXED"})
    assert_error(refused, 400)
    client.post("/open311/v2/servicerequestupdates.json", data={
        "api_key": key, "service_request_id": ticket.ticket, "status": "FIXED", "description": "已更换灯泡"})
    [closed] = client.get(f"/open311/v2/requests/{ticket.ticket}.json", query_string={"api_key": key}).get_json()
    assert closed["status"] == "closed" and "已更换灯泡" in closed["status_notes"]
    db.session.expire_all()
    assert [e.status for e in db.session.get(Complaint, ticket.id).events] == [
        "received", "assigned", "in_progress", "resolved"]


def test_places_by_attribute_address_id_and_an_english_description(client, key, estate):
    flat = flat_by_code(estate, "3-2-201")
    by_attribute = post(client, key, address_string=None, **{"attribute[estate]": "幸福里", "attribute[flat]": "3-2-201"},
                        description="Streetlight out near gate")
    by_id = post(client, key, address_string=None, address_id=str(flat.id), service_code="供水",
                 description="3栋2单元停水两天了")
    assert by_attribute.status_code == by_id.status_code == 200, by_attribute.get_data(as_text=True)
    first, second = db.session.scalars(select(Complaint).order_by(Complaint.id)).all()
    assert first.flat_id == second.flat_id == flat.id and first.text == "Streetlight out near gate"


@pytest.mark.parametrize(("form", "status"), [
    ({"api_key": None}, 403),
    ({"api_key": "not-a-key"}, 403),
    ({"service_code": "不存在"}, 404),
    ({"service_code": None}, 400),
    ({"address_string": None}, 400),
    ({"address_string": None, "lat": "30.12"}, 400),
    ({"address_string": None, "lat": "30.12", "long": "104.63"}, 400),  # the register has no map
    ({"address_string": "别的小区 1-1-101"}, 400),
    ({"address_string": "幸福里 9-9-909"}, 400),
    ({"description": None}, 400),
    ({"description": "长" * 4001}, 400),
])
def test_a_bad_post_gets_the_spec_error_and_stores_nothing(client, key, form, status):
    assert_error(post(client, key, **{"api_key": key, **form}), status)
    assert count() == 0


def test_a_json_body_is_refused_as_not_a_form_and_stores_nothing(client, key):
    response = client.post("/open311/v2/requests.json", json={"api_key": key, "service_code": "物业",
                                                               "address_string": "幸福里 3-1-101", "description": "灯坏了"})
    assert_error(response, 400)
    assert "application/json" in response.get_json()[0]["description"]
    assert count() == 0


def test_an_xml_error_has_the_spec_shape(client, key):
    response = post(client, "wrong", fmt="xml")
    assert response.status_code == 403 and response.content_type == "text/xml; charset=utf-8"
    root, spec = ElementTree.fromstring(response.data), example("spec/errors_403.xml")
    assert (root.tag, [c.tag for c in root[0]]) == (spec.tag, [c.tag for c in spec[0]])


def test_filters_dates_and_the_id_list_that_overrides_them(client, key):
    ids = [post(client, key, description=text, service_code=code).get_json()[0]["service_request_id"]
           for text, code in (("楼道灯不亮了", "物业"), ("3栋停水两天了", "供水"))]
    client.post("/open311/v2/servicerequestupdates.json", data={
        "api_key": key, "service_request_id": ids[1], "status": "CLOSED", "description": "已恢复供水"})

    def listed(**args):
        response = client.get("/open311/v2/requests.json", query_string={"api_key": key, **args})
        assert response.status_code == 200, response.get_data(as_text=True)
        return [r["service_request_id"] for r in response.get_json()]

    assert sorted(listed()) == sorted(ids)
    assert sorted(listed(status="", service_code="", start_date="", end_date="")) == sorted(ids)
    assert listed(service_code="物业") == [ids[0]] and sorted(listed(service_code="物业,供水")) == sorted(ids)
    assert listed(status="open") == [ids[0]] and listed(status="closed") == [ids[1]]
    assert sorted(listed(status="open,closed")) == sorted(ids)
    ticket = db.session.scalar(select(Complaint).where(Complaint.ticket == ids[0]))
    created = ticket.created_at
    from datetime import timedelta, timezone
    around = [(created + d).astimezone(timezone(timedelta(hours=5))).isoformat(timespec="seconds")
              for d in (timedelta(hours=-1), timedelta(hours=1))]
    assert sorted(listed(start_date=around[0], end_date=around[1])) == sorted(ids)
    earlier = [(created + d).strftime("%Y-%m-%dT%H:%M:%SZ") for d in (timedelta(hours=-3), timedelta(hours=-2))]
    assert listed(start_date=earlier[0], end_date=earlier[1]) == []
    assert listed(service_request_id=f"{ids[0]}, TS000", status="closed", service_code="没有",
                  start_date="2000-01-01T00:00:00Z", end_date="2000-01-02T00:00:00Z") == [ids[0]]
    assert_error(client.get("/open311/v2/requests.json", query_string={"api_key": key, "start_date": "yesterday"}), 400)
    # start_date alone means "since then": up to now, within the 90 days, else a clear 400 (never a silent []).
    assert sorted(listed(start_date=around[0])) == sorted(ids)
    long_ago = client.get("/open311/v2/requests.json", query_string={"api_key": key, "start_date": "2020-01-01T00:00:00Z"})
    assert_error(long_ago, 400)
    assert "send an end_date" in long_ago.get_json()[0]["description"]
    assert_error(client.get("/open311/v2/requests.json", query_string={
        "api_key": key, "start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}), 400)
    xml = ElementTree.fromstring(client.get("/open311/v2/requests.xml", query_string={"api_key": key}).data)
    spec = example("spec/service_requests.xml")
    assert xml.tag == spec.tag and [c.tag for c in xml[0]] == [c.tag for c in spec[0]]


def test_a_key_sees_only_its_street_and_a_revoked_key_nothing(app, client, key, estate):
    [created] = post(client, key).get_json()
    other_street = factories.street("城东街道")
    db.session.commit()
    other = add_key(app, "城东热线", other_street.name)
    assert client.get("/open311/v2/requests.json", query_string={"api_key": other}).get_json() == []
    assert_error(client.get(f"/open311/v2/requests/{created['service_request_id']}.json",
                            query_string={"api_key": other}), 404)
    assert_error(post(client, other), 400)  # 幸福里 is not an estate of 城东街道
    assert app.test_cli_runner().invoke(args=["open311", "revoke-key", "12345热线"]).exit_code == 0
    assert_error(client.get("/open311/v2/requests.json", query_string={"api_key": key}), 403)
    assert_error(client.get("/open311/v2/requests.json"), 403)  # residents' words need a key (README)


def test_only_the_api_is_exempt_from_csrf(client, estate):
    response = client.post("/console/complaints/new", data={"estate": estate.id, "text": "x"})
    assert response.status_code in (302, 400, 401)  # never served without a token
    assert count() == 0


@pytest.mark.parametrize("app", [{"RATELIMIT_ENABLED": True, "OPEN311_RATE_LIMIT": "3 per minute"}], indirect=True)
def test_a_key_over_its_rate_gets_the_spec_error_list(app, client, key):
    statuses = [client.get("/open311/v2/requests.json", query_string={"api_key": key}).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert_error(client.get("/open311/v2/requests.json", query_string={"api_key": key}), 429)
    other = add_key(app, "另一个系统", db.session.scalar(select(Open311Key)).street.name)
    assert client.get("/open311/v2/requests.json", query_string={"api_key": other}).status_code == 200


def test_a_retried_post_gets_the_same_request_and_a_returned_one_has_no_deadline(client, key):
    first = post(client, key)
    again = post(client, key)  # the client lost the first answer and sends it again
    assert first.status_code == again.status_code == 200
    assert again.get_json()[0]["service_request_id"] == first.get_json()[0]["service_request_id"]
    assert "未重复登记" in again.get_json()[0]["service_notice"]
    assert count() == 1
    ticket = first.get_json()[0]["service_request_id"]
    [assigned] = client.get(f"/open311/v2/requests/{ticket}.json", query_string={"api_key": key}).get_json()
    assert assigned["expected_datetime"]
    client.post("/open311/v2/servicerequestupdates.json", data={
        "api_key": key, "service_request_id": ticket, "status": "NOT_COUNCILS_RESPONSIBILITY",
        "description": "不归物业管"})
    [returned] = client.get(f"/open311/v2/requests/{ticket}.json", query_string={"api_key": key}).get_json()
    assert returned["status"] == "open" and returned["expected_datetime"] is None
    assert returned["agency_responsible"] is None and "不归物业管" in returned["status_notes"]
