"""Vote pages end to end: a worker creates, opens, enters paper ballots; a resident signs in and votes;
the street office sees the tally; exports mask names; other tenants get 404."""
import io
import re
import uuid

import openpyxl
import pytest
from sqlalchemy import func, select

from core.audit import AuditEntry
from core.db import db
from core.residents.links import issue_link
from core.votes.models import BallotEntry, Vote
from tests import factories
from tests.conftest import CSRF_RE, csrf_token, login


def setup_world():
    estate = factories.estate(buildings=("1",), units=2, floors=2)  # 8 flats
    worker = factories.user("worker", community_=estate.community)
    street = factories.user("street", street_=estate.community.street)
    outsider = factories.user("worker", community_=factories.community())
    return estate, worker, street, outsider


def test_worker_creates_opens_and_enters_a_paper_ballot(app, client):
    estate, worker, street, _ = setup_world()
    db.session.commit()
    login(client, worker.username)
    token = csrf_token(client, f"/console/estates/{estate.id}/votes/new")
    unit = estate.buildings[0].units[0]
    response = client.post(f"/console/estates/{estate.id}/votes/new", data={
        "csrf_token": token, "matter": "1栋1单元加装电梯", "scope": f"u:{unit.id}", "rule": "civil_code_major",
        "closes_at": "2099-01-01T18:00"})
    assert response.status_code == 302
    vote = db.session.scalar(select(Vote))
    assert vote.unit_id == unit.id and vote.status == "draft"
    page = client.get(f"/console/votes/{vote.id}").get_data(as_text=True)
    assert "未发布" in page
    assert "发布后不能撤回" in page
    unconfirmed = client.post(f"/console/votes/{vote.id}/open", follow_redirects=True,
                              data={"csrf_token": csrf_token(client, f"/console/votes/{vote.id}")})
    assert "请先勾选确认" in unconfirmed.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Vote, vote.id).status == "draft"
    client.post(f"/console/votes/{vote.id}/open",
                data={"csrf_token": csrf_token(client, f"/console/votes/{vote.id}"), "confirm": "1"})
    page = client.get(f"/console/votes/{vote.id}").get_data(as_text=True)
    assert "进行中" in page and "录入纸质表决票" in page and "至少还差 3 人同意" in page
    flat = unit.flats[0]
    key = re.search(r'name="key" value="([0-9a-f]+)"', page).group(1)
    form = {"csrf_token": csrf_token(client, f"/console/votes/{vote.id}"), "key": key, "flat_id": flat.id,
            "choice": "agree", "collected_by": "李社工", "collected_at": "2000-01-01T10:00", "paper_ref": "P-1"}
    refused = client.post(f"/console/votes/{vote.id}/paper", data=form, follow_redirects=True).get_data(as_text=True)
    assert "收票时间须在表决开始之后" in refused
    assert db.session.scalar(select(func.count()).select_from(BallotEntry)) == 0
    from datetime import datetime
    from zoneinfo import ZoneInfo

    form["collected_at"] = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%dT%H:%M")
    done = client.post(f"/console/votes/{vote.id}/paper", data=form, follow_redirects=True).get_data(as_text=True)
    assert "已录入 1栋1单元101 的纸质票" in done
    again = client.post(f"/console/votes/{vote.id}/paper", data=form, follow_redirects=True)  # a double submit
    assert again.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(BallotEntry)) == 1

    # The street office sees it in its list, but cannot manage it.
    client.post("/logout", data={"csrf_token": csrf_token(client, "/console/")})
    login(client, street.username)
    listing = client.get("/console/votes").get_data(as_text=True)
    assert "1栋1单元加装电梯" in listing and "1 / 4" in listing
    assert client.post(f"/console/votes/{vote.id}/close", data={"csrf_token": csrf_token(client, "/console/")}).status_code == 404
    assert client.get(f"/console/votes/{vote.id}/roll.xlsx?full=1").status_code == 404


def test_resident_signs_in_with_a_one_time_link_votes_and_changes_it(app, client):
    estate, *_ = setup_world()
    vote = factories.vote(estate)
    owner = factories.flats_of(estate)[0].owners[0]
    token = issue_link(owner)
    db.session.commit()
    assert client.get("/r/").status_code == 401
    assert "进入" in client.get(f"/r/login/{token}").get_data(as_text=True)  # a GET spends nothing
    response = client.post(f"/r/login/{token}", data={"csrf_token": csrf_token(client, f"/r/login/{token}")})
    assert response.status_code == 302
    home = client.get("/r/").get_data(as_text=True)
    assert "老旧小区改造" in home
    page = client.get(f"/r/votes/{vote.id}").get_data(as_text=True)
    assert "还没有表决" in page
    key = re.search(r'name="key" value="([0-9a-f]+)"', page).group(1)
    csrf = csrf_token(client, f"/r/votes/{vote.id}")
    voted = client.post(f"/r/votes/{vote.id}/ballot", data={"csrf_token": csrf, "key": key, "choice": "agree"},
                        follow_redirects=True).get_data(as_text=True)
    assert "已记录您的意见：同意" in voted
    receipt = re.search(r'id="receipt">([0-9A-F-]+)<', voted).group(1)
    changed = client.post(f"/r/votes/{vote.id}/ballot", data={"csrf_token": csrf, "key": uuid.uuid4().hex,
                                                               "choice": "disagree"}, follow_redirects=True)
    assert "不同意" in changed.get_data(as_text=True)
    check = client.get(f"/votes/{vote.id}/receipts?code={receipt}").get_data(as_text=True)
    assert "回执码在日志中：第 1 条" in check and "本户另有表决" in check  # the first, since changed
    latest = re.search(r'id="receipt">([0-9A-F-]+)<', changed.get_data(as_text=True)).group(1)
    assert "本户另有表决" not in client.get(f"/votes/{vote.id}/receipts?code={latest}").get_data(as_text=True)
    assert owner.name not in check  # the public list shows no names
    # The link works once.
    csrf = csrf_token(client, "/r/")
    client.post("/r/logout", data={"csrf_token": csrf})
    again = client.get(f"/r/login/{token}")  # said at once, before anything is pressed
    assert again.status_code == 403 and "链接已经用过了" in again.get_data(as_text=True)
    assert client.post(f"/r/login/{token}", data={"csrf_token": csrf_token(client, "/login")}).status_code == 403


def test_an_expired_link_says_so_at_once_and_a_link_lands_on_the_page_it_was_for(app, client):
    from datetime import timedelta

    estate, *_ = setup_world()
    vote = factories.vote(estate)
    owner = factories.flats_of(estate)[0].owners[0]
    expired = issue_link(owner, lifetime=timedelta(seconds=-1))
    token = issue_link(owner)
    db.session.commit()
    stale = client.get(f"/r/login/{expired}")
    assert stale.status_code == 403 and "链接已失效" in stale.get_data(as_text=True)
    landing = f"/r/votes/{vote.id}"
    page = client.get(f"/r/login/{token}?next={landing}").get_data(as_text=True)
    csrf = CSRF_RE.search(page)
    response = client.post(f"/r/login/{token}", data={"csrf_token": csrf.group(1) or csrf.group(2), "next": landing})
    assert response.status_code == 302 and response.headers["Location"].endswith(landing)


@pytest.mark.parametrize("target", ["//evil.example/r/", "/console/", "https://evil.example/", "/r/\\evil"])
def test_a_link_never_lands_outside_the_residents_pages(app, client, target):
    estate, *_ = setup_world()
    owner = factories.flats_of(estate)[0].owners[0]
    token = issue_link(owner)
    db.session.commit()
    response = client.post(f"/r/login/{token}", data={"csrf_token": csrf_token(client, f"/r/login/{token}"),
                                                      "next": target})
    assert response.headers["Location"].endswith("/r/")


def test_a_stale_form_keeps_what_was_typed_and_sends_it_again(app, client):
    estate, *_ = setup_world()
    owner = factories.flats_of(estate)[0].owners[0]
    token = issue_link(owner)
    db.session.commit()
    client.post(f"/r/login/{token}", data={"csrf_token": csrf_token(client, f"/r/login/{token}")})
    text = "3栋2单元的楼道灯坏了一个星期"
    stale = client.post("/r/complaints", data={"csrf_token": "stale", "text": text})
    page = stale.get_data(as_text=True)
    assert stale.status_code == 400 and "页面放得太久了" in page and "再提交一次" in page and text in page
    assert "Bad Request" not in page
    from core.complaints.models import Complaint
    assert db.session.scalar(select(func.count()).select_from(Complaint)) == 0
    fresh = CSRF_RE.search(page)
    again = client.post("/r/complaints", data={"csrf_token": fresh.group(1) or fresh.group(2), "text": text})
    assert again.status_code == 302
    assert db.session.scalar(select(Complaint.text)) == text


def test_resident_cannot_see_or_vote_in_a_vote_outside_their_flat(app, client):
    estate, *_ = setup_world()
    unit_vote = factories.vote(estate, unit=estate.buildings[0].units[1])
    owner = estate.buildings[0].units[0].flats[0].owners[0]
    token = issue_link(owner)
    db.session.commit()
    client.post(f"/r/login/{token}", data={"csrf_token": csrf_token(client, f"/r/login/{token}")})
    assert client.get(f"/r/votes/{unit_vote.id}").status_code == 404
    csrf = csrf_token(client, "/r/")
    assert client.post(f"/r/votes/{unit_vote.id}/ballot", data={"csrf_token": csrf, "key": "k", "choice": "agree"}).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(BallotEntry)) == 0


def test_exports_mask_names_in_the_public_roll_and_audit_the_full_one(app, client):
    estate, worker, _, outsider = setup_world()
    vote = factories.vote(estate)
    from core.votes.ballots import cast

    flat = factories.flats_of(estate)[0]
    cast(vote.id, flat, "agree", channel="web", idempotency_key="k1", owner=flat.owners[0])
    db.session.commit()
    login(client, worker.username)
    public = openpyxl.load_workbook(io.BytesIO(client.get(f"/console/votes/{vote.id}/roll.xlsx").data)).active
    rows = list(public.iter_rows(values_only=True))
    assert rows[1][4] == flat.owners[0].name[0] + "*" * (len(flat.owners[0].name) - 2) + flat.owners[0].name[-1]
    assert rows[1][5] == "同意"
    full = openpyxl.load_workbook(io.BytesIO(client.get(f"/console/votes/{vote.id}/roll.xlsx?full=1").data)).active
    assert list(full.iter_rows(values_only=True))[1][4] == flat.owners[0].name
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("vote.roll%"))).all()
    assert sorted(actions) == ["vote.roll_full", "vote.roll_public"]
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/console/votes/{vote.id}/tally.xlsx").data))
    assert list(book.active.iter_rows(values_only=True))[1][5] == 1
    notes = dict(book["说明"].iter_rows(values_only=True, min_row=2))
    assert notes["事项"] == vote.matter and notes["规则"].startswith("同意户数达到总户数 2/3") and notes["导出时间（北京时间）"]
    # Another community's worker sees none of it.
    client.post("/logout", data={"csrf_token": csrf_token(client, "/console/")})
    login(client, outsider.username)
    for url in (f"/console/votes/{vote.id}", f"/console/votes/{vote.id}/tally.xlsx", f"/console/votes/{vote.id}/roll.xlsx",
                f"/console/estates/{estate.id}/votes/new"):
        assert client.get(url).status_code == 404, url
    for url in (f"/console/votes/{vote.id}/open", f"/console/votes/{vote.id}/close", f"/console/votes/{vote.id}/paper"):
        assert client.post(url, data={"csrf_token": csrf_token(client, "/console/")}).status_code == 404, url


def test_demo_has_an_open_elevator_vote_and_an_estate_vote_that_verify(app, runner):
    result = runner.invoke(args=["demo", "seed"])
    assert "/r/login/" in result.output
    votes = db.session.scalars(select(Vote).order_by(Vote.id)).all()
    assert [v.scope for v in votes] == ["estate", "unit"] and all(v.status == "open" for v in votes)
    for vote in votes:
        assert runner.invoke(args=["votes", "verify", str(vote.id)]).exit_code == 0
