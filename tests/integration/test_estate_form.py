"""新建小区 and an estate's facts in the console: a community worker starts a new estate without the CLI,
then imports its register; a refused form keeps what was typed and stores nothing; street staff only read."""
import io

from sqlalchemy import func, select

from core.audit import AuditEntry
from core.db import db
from core.register.models import Building, Estate
from core.register.sheet import write_workbook
from tests import factories
from tests.conftest import csrf_token, login


def post(client, url, **fields):
    return client.post(url, data={"csrf_token": csrf_token(client, url), **fields})


def test_a_worker_creates_an_estate_imports_its_register_and_edits_its_facts(app, client):
    community = factories.community(name="新华社区")
    worker = factories.user("worker", community_=community)
    db.session.commit()
    login(client, worker.username)
    assert "新建小区" in client.get("/console/").get_data(as_text=True)

    refused = [({"name": "", "year_built": "1995", "buildings": "1"}, "请填写小区名称"),
               ({"name": "棉纺厂宿舍", "year_built": "九五年", "buildings": "1"}, "建成年份"),
               ({"name": "棉纺厂宿舍", "year_built": "1995", "buildings": " ，"}, "请填写楼栋号")]
    for fields, words in refused:
        response = post(client, "/console/estates/new", address="解放路 8 号", **fields)
        page = response.get_data(as_text=True)
        assert response.status_code == 422 and words in page, words
        assert 'value="解放路 8 号"' in page  # what was typed stays
    assert db.session.scalar(select(func.count()).select_from(Estate)) == 0

    done = post(client, "/console/estates/new", name="棉纺厂宿舍", address="解放路 8 号", year_built="1995",
                buildings="1号楼、2栋 3", structurally_safe="1")
    assert done.status_code == 302
    estate = db.session.scalar(select(Estate))
    assert (estate.name, estate.community_id, estate.year_built) == ("棉纺厂宿舍", community.id, 1995)
    assert [b.number for b in estate.buildings] == ["1", "2", "3"]
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "已新建小区" in page and "前置条件未满足" in page

    again = post(client, "/console/estates/new", name="棉纺厂宿舍", year_built="1990", buildings="1")
    assert again.status_code == 422 and "已有名为“棉纺厂宿舍”的小区" in again.get_data(as_text=True)

    # The register's import now finds the buildings. The template downloads under its Chinese name, and
    # under a plain one for tools that cannot read filename* (curl -OJ, wget).
    disposition = client.get("/console/register-template.xlsx").headers["Content-Disposition"]
    assert 'filename="register-template.xlsx"' in disposition and "filename*=UTF-8''%E4%BD%8F" in disposition
    sheet = write_workbook([["1", "1", "101", 1, "62.50", "王芳", "13800001111", "1234", ""],
                            ["3", "2", "502", 5, "75.00", "李强", "13800002222", "5678", ""]])
    url = f"/console/estates/{estate.id}"
    imported = client.post(f"{url}/import", follow_redirects=True, content_type="multipart/form-data",
                           data={"csrf_token": csrf_token(client, url), "file": (io.BytesIO(sheet), "登记表.xlsx")})
    assert imported.status_code == 200
    db.session.expire_all()
    assert sum(len(u.flats) for b in db.session.get(Estate, estate.id).buildings for u in b.units) == 2

    edit = f"/console/estates/{estate.id}/edit"
    assert 'name="preconditions_met"' in client.get(edit).get_data(as_text=True)
    saved = post(client, edit, name="棉纺厂宿舍", address="解放路 8 号", year_built="1995", buildings="4",
                 structurally_safe="1", preconditions_met="1")
    assert saved.status_code == 302
    page = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "符合老旧小区改造条件" in page and "新增楼栋：4" in page
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("register.estate_%"))).all()
    assert actions == ["register.estate_create", "register.estate_update"]

    wrong_year = post(client, edit, name="棉纺厂宿舍", year_built="3000")
    assert wrong_year.status_code == 422 and 'value="3000"' in wrong_year.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Estate, estate.id).year_built == 1995
    assert db.session.scalar(select(func.count()).select_from(Building)) == 4


def test_street_staff_and_other_communities_cannot_create_or_edit(app, client):
    estate = factories.estate(name="和平里")
    street_user = factories.user("street", street_=estate.community.street)
    stranger = factories.user("worker", community_=factories.community())
    db.session.commit()
    login(client, street_user.username)
    assert client.get("/console/estates/new").status_code == 404
    assert "新建小区" not in client.get("/console/").get_data(as_text=True)
    assert client.get(f"/console/estates/{estate.id}/edit").status_code == 404
    client.post("/logout", data={"csrf_token": csrf_token(client, "/console/")})
    login(client, stranger.username)
    assert client.get(f"/console/estates/{estate.id}/edit").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action.like("register.estate_%"))) == 0
