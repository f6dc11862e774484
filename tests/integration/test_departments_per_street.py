"""Departments belong to a street: each office edits and extends its own list, tickets are routed and
assigned within their estate's street, and the migration gives every existing street its own copy."""
import pytest
from sqlalchemy import create_engine, func, select, text

from core.complaints.departments import by_code, seed_defaults
from core.complaints.models import Complaint, Department
from core.db import db
from tests import factories
from tests.conftest import csrf_token, login


@pytest.fixture
def streets(app, routing):
    a, b = factories.estate(name="甲小区"), factories.estate(name="乙小区")
    seed_defaults()
    users = {"street_a": factories.user("street", street_=a.community.street),
             "street_b": factories.user("street", street_=b.community.street),
             "worker_a": factories.user("worker", a.community), "worker_b": factories.user("worker", b.community)}
    db.session.commit()
    return a, b, users


def test_each_street_has_its_own_list_and_cannot_edit_anothers(client, streets):
    a, b, users = streets
    water_a, water_b = (by_code("供水", e.community.street_id) for e in (a, b))
    assert water_a.id != water_b.id
    login(client, users["street_b"].username)
    page = client.get("/console/departments").get_data(as_text=True)
    assert f"/console/departments/{water_b.id}\"" in page and f"/console/departments/{water_a.id}\"" not in page
    token = csrf_token(client, "/console/departments")
    refused = client.post(f"/console/departments/{water_a.id}", data={"csrf_token": token, "name": "乱改",
                                                                      "sla_hours": "1", "active": ""})
    assert refused.status_code == 404
    db.session.expire_all()
    assert (db.session.get(Department, water_a.id).name, db.session.get(Department, water_a.id).active) == ("供水公司", True)
    done = client.post(f"/console/departments/{water_b.id}", data={"csrf_token": token, "name": "乙街自来水",
                                                                   "sla_hours": "12", "active": "1"})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Department, water_b.id).name == "乙街自来水"
    assert db.session.get(Department, water_a.id).name == "供水公司"


def test_a_street_office_adds_a_department_its_workers_can_assign_to(client, app, streets):
    from core.complaints.tickets import Router, file_complaint

    a, b, users = streets
    login(client, users["street_a"].username)
    token = csrf_token(client, "/console/departments")
    assert client.post("/console/departments", data={"csrf_token": token, "name": "", "sla_hours": "24"}).status_code == 302
    assert client.post("/console/departments", data={"csrf_token": token, "name": "供水公司", "sla_hours": "24"}).status_code == 302
    client.post("/console/departments", data={"csrf_token": token, "name": "甲街消防站", "handles": "消防通道",
                                              "sla_hours": "6", "phone": "119"})
    added = db.session.scalar(select(Department).where(Department.name == "甲街消防站"))
    assert added.street_id == a.community.street_id and added.sla_hours == 6
    assert db.session.scalar(select(func.count(Department.id)).where(Department.name == "供水公司",
                                                                     Department.street_id == a.community.street_id)) == 1
    assert "甲街消防站" in client.get("/console/departments").get_data(as_text=True)
    other = app.test_client()
    login(other, users["street_b"].username)
    assert "甲街消防站" not in other.get("/console/departments").get_data(as_text=True)
    # Workers do not add departments.
    worker_b = app.test_client()
    login(worker_b, users["worker_b"].username)
    assert worker_b.post("/console/departments", data={"csrf_token": csrf_token(worker_b, "/console/departments"),
                                                       "name": "x", "sla_hours": "1"}).status_code == 404

    ticket_a, _ = file_complaint("消防通道被车堵了", "web", Router(), flat=factories.flats_of(a)[0])
    ticket_b, _ = file_complaint("消防通道被车堵了", "web", Router(), flat=factories.flats_of(b)[0])
    db.session.commit()
    worker_a = app.test_client()
    login(worker_a, users["worker_a"].username)
    page = f"/console/complaints/{ticket_a.id}"
    assert "甲街消防站" in worker_a.get(page).get_data(as_text=True)
    worker_a.post(f"{page}/assign", data={"csrf_token": csrf_token(worker_a, page), "department": added.id})
    page_b = f"/console/complaints/{ticket_b.id}"
    assert "甲街消防站" not in worker_b.get(page_b).get_data(as_text=True)
    worker_b.post(f"{page_b}/assign", data={"csrf_token": csrf_token(worker_b, page_b), "department": added.id})
    db.session.expire_all()
    assert db.session.get(Complaint, ticket_a.id).department_id == added.id
    assert db.session.get(Complaint, ticket_b.id).department_id != added.id  # another street's department


def test_tickets_are_routed_to_their_own_streets_department(streets):
    from core.complaints.tickets import file_complaint
    from web.classifier import router

    a, b, _ = streets
    for estate in (a, b):
        ticket, _ = file_complaint("家里停水两天了，水龙头一滴水都没有", "web", router(), flat=factories.flats_of(estate)[0])
        assert ticket.department is not None and ticket.department.code == "供水"
        assert ticket.department.street_id == estate.community.street_id


def test_a_street_created_later_gets_the_defaults_with_its_first_ticket(app, routing):
    from core.complaints.tickets import file_complaint
    from web.classifier import router

    estate = factories.estate(name="新街道的小区")
    assert by_code("供水", estate.community.street_id) is None
    ticket, _ = file_complaint("家里停水两天了，水龙头一滴水都没有", "web", router(), flat=factories.flats_of(estate)[0])
    assert ticket.department.street_id == estate.community.street_id
    assert len(db.session.scalars(select(Department).where(
        Department.street_id == estate.community.street_id)).all()) == 13


def test_the_migration_gives_every_street_its_own_copy_and_keeps_tickets_in_their_street(tmp_path, monkeypatch):
    """Upgrade an old database (one city-wide list, two streets, a ticket in each) and check the result."""
    from flask_migrate import upgrade

    from tests.conftest import BACKEND, make_app

    if BACKEND != "sqlite":
        pytest.skip("the data migration is checked on a scratch SQLite file")
    monkeypatch.setenv("YISHI_INSTANCE_PATH", str(tmp_path))
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    scratch = make_app(url)
    with scratch.app_context():
        upgrade(revision="70ab1a64a9cb")
        engine = create_engine(url)
        with engine.begin() as c:
            for statement in (
                "INSERT INTO street (id, name) VALUES (1, '甲街道'), (2, '乙街道')",
                "INSERT INTO community (id, street_id, name) VALUES (1, 1, '甲社区'), (2, 2, '乙社区')",
                "INSERT INTO department (id, code, name, handles, sla_hours, phone, active) VALUES "
                "(1, '供水', '供水公司', '', 24, '', 1), (2, '供电', '供电公司', '', 24, '', 1)",
            ):
                c.execute(text(statement))
            columns = {r[1] for r in c.execute(text("PRAGMA table_info(estate)"))}
            required = {r[1]: r for r in c.execute(text("PRAGMA table_info(estate)")) if r[3] and r[4] is None}
            values = {name: 1 for name in required if name != "id"}
            values.update(community_id=1, name="甲小区", year_built=1990)
            c.execute(text(f"INSERT INTO estate (id, {', '.join(values)}) VALUES (1, {', '.join(':' + k for k in values)})"), values)
            values.update(community_id=2, name="乙小区")
            c.execute(text(f"INSERT INTO estate (id, {', '.join(values)}) VALUES (2, {', '.join(':' + k for k in values)})"), values)
            assert "community_id" in columns
            required = {r[1] for r in c.execute(text("PRAGMA table_info(complaint)")) if r[3] and r[4] is None} - {"id"}
            for n, estate in ((1, 1), (2, 2)):
                row = {name: "" for name in required}
                row.update(estate_id=estate, department_id=1, ticket=f"TS{n}", channel="web", text="停水",
                           status="assigned", created_at="2026-01-01 00:00:00", updated_at="2026-01-01 00:00:00")
                c.execute(text(f"INSERT INTO complaint (id, {', '.join(row)}) VALUES ({n}, {', '.join(':' + k for k in row)})"), row)
        upgrade()
        with engine.begin() as c:
            departments = c.execute(text("SELECT id, street_id, code FROM department ORDER BY id")).all()
            tickets = dict(c.execute(text("SELECT estate_id, department_id FROM complaint")).all())
        engine.dispose()
        db.engine.dispose()
    assert sorted((s, code) for _, s, code in departments) == [(1, "供水"), (1, "供电"), (2, "供水"), (2, "供电")]
    by_id = {i: (s, code) for i, s, code in departments}
    assert by_id[tickets[1]] == (1, "供水") and by_id[tickets[2]] == (2, "供水")
