"""Keeping the register by hand: street offices and communities from the console and the CLI, one flat or owner
corrected in place; every change audited, bad input refused with nothing changed. The community's workers see
owners' names and phones in full on the register page; everyone else sees them masked."""
from decimal import Decimal

from sqlalchemy import func, select

from core.audit import AuditEntry
from core.db import db
from core.register.models import Community, Flat, Owner, Street
from tests import factories
from tests.conftest import csrf_token, login


def _audits(action):
    db.session.expire_all()
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


def test_the_cli_creates_a_street_and_a_community_and_refuses_twins(runner):
    made = runner.invoke(args=["register", "create-street", "--name", "雁江街道"])
    assert made.exit_code == 0, made.output
    community = runner.invoke(args=["register", "create-community", "--street", "雁江街道", "--name", "建设路社区"])
    assert community.exit_code == 0, community.output
    street = db.session.scalar(select(Street).where(Street.name == "雁江街道"))
    assert [c.name for c in street.communities] == ["建设路社区"]
    again = runner.invoke(args=["register", "create-street", "--name", "雁江街道"])
    assert again.exit_code != 0 and "已有名为“雁江街道”的街道" in again.output
    nowhere = runner.invoke(args=["register", "create-community", "--street", "无此街道", "--name", "某社区"])
    assert nowhere.exit_code != 0 and "没有名为“无此街道”的街道" in nowhere.output
    twin = runner.invoke(args=["register", "create-community", "--street", "雁江街道", "--name", "建设路社区"])
    assert twin.exit_code != 0
    assert db.session.scalar(select(func.count(Street.id))) == 1
    assert db.session.scalar(select(func.count(Community.id))) == 1
    assert len(_audits("register.street_create")) == 1 and len(_audits("register.community_create")) == 1


def test_admins_add_streets_and_street_staff_add_communities_in_their_own_street_only(client):
    own, other = factories.street(name="雁江街道"), factories.street(name="城东街道")
    factories.user("admin", username="boss")
    factories.user("street", street_=own, username="wang")
    factories.user("worker", factories.community(own), username="li")
    db.session.commit()

    login(client, "wang")
    page = client.get("/console/organisation").get_data(as_text=True)
    assert "雁江街道" in page and "城东街道" not in page and "添加街道" not in page
    token = csrf_token(client, "/console/organisation")
    done = client.post("/console/organisation/communities", data={"csrf_token": token, "street": own.id,
                                                                  "name": "和平社区"}, follow_redirects=True)
    assert "已添加社区：雁江街道 和平社区" in done.get_data(as_text=True)
    refused = client.post("/console/organisation/communities", data={"csrf_token": token, "street": other.id,
                                                                     "name": "越权社区"}, follow_redirects=True)
    assert "请选择街道" in refused.get_data(as_text=True)
    assert client.post("/console/organisation/streets", data={"csrf_token": token, "name": "x"}).status_code == 404
    empty = client.post("/console/organisation/communities", data={"csrf_token": token, "street": own.id,
                                                                   "name": "  "}, follow_redirects=True)
    assert "请填写社区名称" in empty.get_data(as_text=True)
    client.post("/logout", data={"csrf_token": token})

    login(client, "li")
    assert client.get("/console/organisation").status_code == 404
    client.post("/logout", data={"csrf_token": csrf_token(client, "/console/")})

    login(client, "boss")
    token = csrf_token(client, "/console/organisation")
    done = client.post("/console/organisation/streets", data={"csrf_token": token, "name": "城西街道"},
                       follow_redirects=True)
    assert "已添加街道：城西街道" in done.get_data(as_text=True)
    db.session.expire_all()
    assert sorted(c.name for c in db.session.scalars(select(Community))) == sorted(
        [c.name for c in own.communities])
    assert "越权社区" not in [c.name for c in db.session.scalars(select(Community))]
    assert [e.actor.username for e in _audits("register.community_create")] == ["wang"]
    assert [e.actor.username for e in _audits("register.street_create")] == ["boss"]
    # The new street's officers find the default departments, not an empty list.
    from core.complaints.departments import DEFAULTS
    from core.complaints.models import Department
    from core.register.models import Street

    west = db.session.scalar(select(Street).where(Street.name == "城西街道"))
    assert len(db.session.scalars(select(Department).where(Department.street_id == west.id)).all()) == len(DEFAULTS)


def test_a_worker_corrects_one_flat_and_one_owner_and_bad_input_changes_nothing(client):
    estate = factories.estate(name="幸福里")
    factories.user("worker", estate.community, username="li")
    flat = factories.flats_of(estate)[0]
    owner = flat.owners[0]
    flat_id, owner_id = flat.id, owner.id
    db.session.commit()
    login(client, "li")
    register = client.get(f"/console/estates/{estate.id}").get_data(as_text=True)
    assert f'href="/console/flats/{flat_id}/edit"' in register
    token = csrf_token(client, f"/console/flats/{flat_id}/edit")

    saved = client.post(f"/console/flats/{flat_id}/edit", data={"csrf_token": token, "area": "76.35", "floor": "1"},
                        follow_redirects=True).get_data(as_text=True)
    assert "专有面积 80.00 → 76.35" in saved
    saved = client.post(f"/console/owners/{owner_id}", data={"csrf_token": token, "name": "张秀英",
                                                             "phone": "13912345678", "id_last4": "123x"},
                        follow_redirects=True).get_data(as_text=True)
    assert "改了姓名、电话、身份证后四位" in saved

    for data, message in (({"area": "-3", "floor": "1"}, "不是数字"), ({"area": "abc", "floor": ""}, "不是数字"),
                          ({"area": "1e3", "floor": ""}, "不是数字"), ({"area": "0", "floor": ""}, "专有面积应在"),
                          ({"area": "70.123", "floor": ""}, "最多两位小数"), ({"area": "70", "floor": "三楼"}, "应是整数")):
        page = client.post(f"/console/flats/{flat_id}/edit", data={"csrf_token": token, **data})
        text = page.get_data(as_text=True)
        assert page.status_code == 422 and message in text and f'value="{data["area"]}"' in text  # kept
    for data, message in (({"name": "", "phone": "", "id_last4": ""}, "请填写业主姓名"),
                          ({"name": "张三丰", "phone": "call me", "id_last4": ""}, "不像电话号码"),
                          ({"name": "张三丰", "phone": "", "id_last4": "12a"}, "身份证后四位应是")):
        page = client.post(f"/console/owners/{owner_id}", data={"csrf_token": token, **data})
        text = page.get_data(as_text=True)
        assert page.status_code == 422 and message in text and f'value="{data["name"]}"' in text

    db.session.expire_all()
    flat, owner = db.session.get(Flat, flat_id), db.session.get(Owner, owner_id)
    assert (flat.area, flat.floor) == (Decimal("76.35"), 1)
    assert (owner.name, owner.phone, owner.id_last4) == ("张秀英", "13912345678", "123X")
    assert len(_audits("register.flat_update")) == 1 and len(_audits("register.owner_update")) == 1
    assert "13912345678" not in _audits("register.owner_update")[0].detail  # the log names fields, not data


def test_names_and_phones_in_full_for_the_communitys_workers_only(client):
    street = factories.street()
    estate = factories.estate(factories.community(street), name="幸福里")
    factories.user("worker", estate.community, username="li")
    factories.user("street", street_=street, username="wang")
    owner = factories.flats_of(estate)[0].owners[0]
    owner.name, owner.phone = "张秀英", "13912345678"
    db.session.commit()
    login(client, "li")
    page = client.get(f"/console/estates/{estate.id}").get_data(as_text=True)
    assert "张秀英" in page and "13912345678" in page
    assert not _audits("register.export")  # viewing is not an export; the export stays audited
    client.get(f"/console/estates/{estate.id}/register.xlsx")
    assert len(_audits("register.export")) == 1
    client.post("/logout", data={"csrf_token": csrf_token(client, "/console/")})
    login(client, "wang")
    page = client.get(f"/console/estates/{estate.id}").get_data(as_text=True)
    assert "张秀英" not in page and "13912345678" not in page and "张*英" in page
