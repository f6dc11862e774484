"""Issue 13.6: the console asks before what cannot be undone, lets a draft be edited and deleted, keeps
everything typed when a form has an error, and says rule errors in Chinese."""
import re
from datetime import datetime, timedelta

from sqlalchemy import func, select

from core.audit import AuditEntry
from core.db import SHANGHAI, db, local
from core.votes.models import BallotEntry, Vote
from tests import factories
from tests.conftest import csrf_token, login


def setup():
    estate = factories.estate(buildings=("1",), units=2, floors=1)
    worker = factories.user("worker", community_=estate.community)
    db.session.commit()
    return estate, worker


def test_a_form_with_an_error_keeps_everything_typed_and_rule_errors_are_chinese(app, client):
    estate, worker = setup()
    login(client, worker.username)
    unit = estate.buildings[0].units[1]
    typed = {"matter": "1栋2单元加装电梯", "description": "电梯井在北侧", "scope": f"u:{unit.id}", "rule": "custom",
             "participation": "2/3", "approval": "3/2", "approval_strict": "1", "opens_at": "2099-01-01T09:00",
             "closes_at": "2099-01-10T18:00"}
    response = client.post(f"/console/estates/{estate.id}/votes/new",
                           data={"csrf_token": csrf_token(client, f"/console/estates/{estate.id}/votes/new"), **typed})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "比例必须在 0 和 1 之间" in page
    for value in ("1栋2单元加装电梯", "电梯井在北侧", 'value="3/2"', 'value="2/3"', "2099-01-01T09:00", "2099-01-10T18:00"):
        assert value in page, value
    assert re.search(rf'value="u:{unit.id}" selected', page) and 'value="custom" selected' in page
    assert re.search(r'name="approval_strict" value="1" checked', page)
    bad_time = client.post(f"/console/estates/{estate.id}/votes/new", data={
        "csrf_token": csrf_token(client, f"/console/estates/{estate.id}/votes/new"), **typed, "approval": "3/4",
        "closes_at": "下周五"}).get_data(as_text=True)
    assert "时间格式不对" in bad_time and "电梯井在北侧" in bad_time
    assert db.session.scalar(select(func.count()).select_from(Vote)) == 0


def test_a_draft_is_edited_then_deleted_after_confirmation(app, client):
    estate, worker = setup()
    login(client, worker.username)
    client.post(f"/console/estates/{estate.id}/votes/new", data={
        "csrf_token": csrf_token(client, f"/console/estates/{estate.id}/votes/new"), "matter": "改造", "scope": "estate",
        "rule": "headcount_2_3", "closes_at": "2099-01-10T18:00"})
    vote = db.session.scalar(select(Vote))
    form_page = client.get(f"/console/votes/{vote.id}/edit").get_data(as_text=True)
    assert 'value="改造"' in form_page and "2099-01-10T18:00" in form_page
    building = estate.buildings[0]
    edited = client.post(f"/console/votes/{vote.id}/edit", follow_redirects=True, data={
        "csrf_token": csrf_token(client, f"/console/votes/{vote.id}/edit"), "matter": "1栋改造", "scope": f"b:{building.id}",
        "rule": "civil_code_major", "closes_at": "2099-02-01T18:00"}).get_data(as_text=True)
    assert "草稿已保存" in edited and "1栋改造" in edited
    db.session.expire_all()
    vote = db.session.get(Vote, vote.id)
    assert (vote.matter, vote.building_id, vote.rule) == ("1栋改造", building.id, "civil_code_major")
    assert vote.closes_at == datetime(2099, 2, 1, 18, 0, tzinfo=SHANGHAI)
    # A bad edit keeps what was typed and changes nothing.
    bad = client.post(f"/console/votes/{vote.id}/edit", data={
        "csrf_token": csrf_token(client, f"/console/votes/{vote.id}/edit"), "matter": "新名字", "scope": "estate",
        "rule": "headcount_2_3", "opens_at": "2099-03-01T09:00", "closes_at": "2099-02-01T18:00"})
    assert bad.status_code == 422 and "截止时间必须晚于开始时间" in bad.get_data(as_text=True)
    assert 'value="新名字"' in bad.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Vote, vote.id).matter == "1栋改造"

    page = client.get(f"/console/votes/{vote.id}").get_data(as_text=True)
    assert "删除草稿后无法恢复" in page
    kept = client.post(f"/console/votes/{vote.id}/delete", follow_redirects=True,
                       data={"csrf_token": csrf_token(client, f"/console/votes/{vote.id}")})
    assert "请先勾选确认" in kept.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Vote)) == 1
    gone = client.post(f"/console/votes/{vote.id}/delete", follow_redirects=True,
                       data={"csrf_token": csrf_token(client, f"/console/votes/{vote.id}"), "confirm": "1"})
    assert "已删除草稿“1栋改造”" in gone.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Vote)) == 0
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"vote.create", "vote.edit", "vote.delete"} <= actions


def test_a_published_vote_cannot_be_edited_or_deleted_and_closing_early_asks_first(app, client):
    estate, worker = setup()
    vote = factories.vote(estate)
    db.session.commit()
    login(client, worker.username)
    page = client.get(f"/console/votes/{vote.id}").get_data(as_text=True)
    assert "提前截止后不能撤回" in page and "修改草稿" not in page
    assert "不能再修改" in client.get(f"/console/votes/{vote.id}/edit", follow_redirects=True).get_data(as_text=True)
    refused = client.post(f"/console/votes/{vote.id}/delete", follow_redirects=True,
                          data={"csrf_token": csrf_token(client, f"/console/votes/{vote.id}"), "confirm": "1"})
    assert "不能删除" in refused.get_data(as_text=True)
    client.post(f"/console/votes/{vote.id}/close", data={"csrf_token": csrf_token(client, f"/console/votes/{vote.id}")})
    db.session.expire_all()
    assert db.session.get(Vote, vote.id).status == "open"
    client.post(f"/console/votes/{vote.id}/close",
                data={"csrf_token": csrf_token(client, f"/console/votes/{vote.id}"), "confirm": "1"})
    db.session.expire_all()
    assert db.session.get(Vote, vote.id).status == "closed"
    listing = client.get("/console/votes").get_data(as_text=True)
    closed_at = local(db.session.get(Vote, vote.id).closed_at)
    assert "（提前截止）" in listing and closed_at in listing
    # A sheet brought in after the early close is refused with the time it really closed, not the one planned.
    late = client.post(f"/console/votes/{vote.id}/paper", data={
        "csrf_token": csrf_token(client, f"/console/votes/{vote.id}"), "key": "late-1",
        "flat_id": str(factories.flats_of(estate)[0].id), "choice": "agree", "collected_by": "王收票",
        "collected_at": closed_at.replace(" ", "T"), "paper_ref": "迟-1"}).get_data(as_text=True)
    assert f"表决已于 {closed_at} 截止" in late


def test_a_refused_paper_sheet_keeps_what_was_typed(app, client):
    estate, worker = setup()
    vote = factories.vote(estate)
    flat = factories.flats_of(estate)[1]
    db.session.commit()
    login(client, worker.username)
    page = client.get(f"/console/votes/{vote.id}").get_data(as_text=True)
    key = re.search(r'name="key" value="([0-9a-f]+)"', page).group(1)
    typed = {"key": key, "flat_id": str(flat.id), "choice": "disagree", "collected_by": "王收票",
             "collected_at": "2000-01-01T10:00", "paper_ref": "纸票-88"}
    response = client.post(f"/console/votes/{vote.id}/paper",
                           data={"csrf_token": csrf_token(client, f"/console/votes/{vote.id}"), **typed})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "收票时间须在表决开始之后" in page
    for value in ("王收票", "2000-01-01T10:00", "纸票-88", f'value="{key}"'):
        assert value in page, value
    assert f'value="{flat.id}" selected' in page and 'value="disagree" selected' in page
    assert db.session.scalar(select(func.count()).select_from(BallotEntry)) == 0
    # Corrected and sent again (the same key): stored once.
    typed["collected_at"] = (datetime.now(SHANGHAI) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M")
    done = client.post(f"/console/votes/{vote.id}/paper", follow_redirects=True,
                       data={"csrf_token": csrf_token(client, f"/console/votes/{vote.id}"), **typed})
    assert "已录入" in done.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(BallotEntry)) == 1
