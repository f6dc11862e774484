"""The close as the notice board and the residents see it: the result notice (HTML for A4 and a PDF) with the
signed head and a QR code to the receipt check; then the objection window (询异): an owner objects on the
vote page or in the chat, the worker answers publicly, and the scheduler confirms the result and pushes it."""
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from core.db import db, db_now
from core.jobs import confirm_results
from core.residents.links import issue_link
from core.residents.models import Binding, Push
from core.votes.ballots import cast
from core.votes.models import Vote, VoteCheckpoint, VoteObjection
from tests import factories
from tests.conftest import csrf_token, login


@pytest.fixture
def world(app):
    estate = factories.estate(buildings=("1", "2"), units=1, floors=2)  # 8 flats
    worker = factories.user("worker", community_=estate.community)
    vote = factories.vote(estate, rule="civil_code_major")
    flats = factories.flats_of(estate)
    for i, flat in enumerate(flats[:7]):
        cast(vote.id, flat, "agree" if i < 6 else "disagree", channel="web", idempotency_key=uuid.uuid4().hex,
             owner=flat.owners[0])
    for n, flat in enumerate(flats[:2]):
        db.session.add(Binding(openid=f"o-{n}", owner=flat.owners[0], method="code"))
    db.session.commit()
    return estate, worker, vote, flats


def close_from_console(client, worker, vote):
    login(client, worker.username)
    response = client.post(f"/console/votes/{vote.id}/close",
                           data={"csrf_token": csrf_token(client, f"/console/votes/{vote.id}"), "confirm": "1"})
    assert response.status_code == 302
    db.session.expire_all()


def resident_client(app, owner):
    client = app.test_client()
    token = issue_link(owner)
    db.session.commit()
    client.post(f"/r/login/{token}", data={"csrf_token": csrf_token(client, f"/r/login/{token}")})
    return client


def end_window(vote):
    db.session.execute(text("UPDATE vote SET objection_ends_at = :t WHERE id = :id"),
                       {"t": (db_now(db.session) - timedelta(seconds=1)).replace(tzinfo=None), "id": vote.id})
    db.session.commit()


def test_the_close_gives_a_printable_notice_with_the_signed_head_and_a_qr_code(app, client, world):
    estate, worker, vote, flats = world
    close_from_console(client, worker, vote)
    vote = db.session.get(Vote, vote.id)
    head = db.session.scalar(select(VoteCheckpoint).where(VoteCheckpoint.reason == "close"))
    assert head is not None and head.tree_size == 7
    page = app.test_client().get(f"/votes/{vote.id}/result").get_data(as_text=True)  # public, no sign-in
    assert "表决结果公告" in page and vote.matter in page and "民法典第二百七十八条" in page
    assert "表决结果：通过" in page  # 7 of 8 took part, 6 of 7 agree
    assert "1栋1单元" in page and "2栋" in page and head.root_hash in page
    assert "<svg" in page and "notice.css" in page
    # Persons, not households: the law's headcount, and the notice says how it counts them.
    assert "<th>业主人数</th>" in page and "同一业主的几套房" in page and "户数</th>" not in page
    assert f"/votes/{vote.id}/receipts" in page
    pdf = app.test_client().get(f"/votes/{vote.id}/result.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert len(pdf.data) > 2000
    # The window runs VOTE_OBJECTION_DAYS (7) from the close.
    assert vote.objection_ends_at - vote.closed_at == timedelta(days=7)
    console = client.get(f"/console/votes/{vote.id}").get_data(as_text=True)
    assert "公示中（可提出异议）" in console
    assert app.test_client().get(f"/votes/{vote.id + 1}/result").status_code == 404


def test_an_objection_is_answered_publicly_and_the_result_confirmed_after_the_window(app, client, world):
    estate, worker, vote, flats = world
    close_from_console(client, worker, vote)
    owner = flats[6].owners[0]
    resident = resident_client(app, owner)
    page = resident.get(f"/r/votes/{vote.id}").get_data(as_text=True)
    assert "提出异议" in page and "公示中" in page
    # An empty objection is refused and stores nothing.
    resident.post(f"/r/votes/{vote.id}/objection", data={"csrf_token": csrf_token(resident, f"/r/votes/{vote.id}"),
                                                          "text": "  "})
    assert db.session.scalar(select(func.count()).select_from(VoteObjection)) == 0
    resident.post(f"/r/votes/{vote.id}/objection", data={"csrf_token": csrf_token(resident, f"/r/votes/{vote.id}"),
                                                          "text": "我家投的是同意，记成了不同意"})
    objection = db.session.scalar(select(VoteObjection))
    assert objection.flat_id == flats[6].id and objection.channel == "web" and objection.answer == ""

    end_window(vote)
    assert confirm_results(app.config) == []  # an unanswered objection holds the confirmation
    console = client.get(f"/console/votes/{vote.id}").get_data(as_text=True)
    assert "待答复异议" in console and "记成了不同意" in console
    client.post(f"/console/votes/{vote.id}/objections/{objection.id}/answer",
                data={"csrf_token": csrf_token(client, f"/console/votes/{vote.id}"),
                      "answer": "经核对纸质回执，该户 11月20日 在网页投了不同意，记录无误。"})
    assert "记录无误" in resident.get(f"/r/votes/{vote.id}").get_data(as_text=True)

    assert confirm_results(app.config) == [vote.id]
    assert confirm_results(app.config) == []  # once
    db.session.expire_all()
    assert db.session.get(Vote, vote.id).confirmed_at is not None
    pushes = db.session.scalars(select(Push).where(Push.kind == "vote_result",
                                                   Push.key.startswith("vote_result:"))).all()
    assert sorted(p.openid for p in pushes) == ["o-0", "o-1"]  # (the close had its own push: vote_closed)
    assert pushes[0].data["outcome"] == "已通过" and pushes[0].url == f"/r/votes/{vote.id}"
    assert "结果已确认" in resident.get(f"/r/votes/{vote.id}").get_data(as_text=True)
    assert "结果已确认" in app.test_client().get(f"/votes/{vote.id}/result").get_data(as_text=True)
    # After the window: refused, nothing stored.
    resident.post(f"/r/votes/{vote.id}/objection", data={"csrf_token": csrf_token(resident, f"/r/votes/{vote.id}"),
                                                          "text": "还有异议"})
    assert db.session.scalar(select(func.count()).select_from(VoteObjection)) == 1


def test_a_vote_with_its_own_window_and_no_objection_is_confirmed_when_it_ends(app, client, world):
    estate, worker, vote, flats = world
    db.session.execute(text("UPDATE vote SET objection_days = 3 WHERE id = :id"), {"id": vote.id})
    db.session.commit()
    close_from_console(client, worker, vote)
    vote = db.session.get(Vote, vote.id)
    assert vote.objection_ends_at - vote.closed_at == timedelta(days=3)
    assert confirm_results(app.config) == []
    end_window(vote)
    assert confirm_results(app.config) == [vote.id]


def test_a_vote_gets_its_own_window_from_the_console_form_and_bad_values_store_nothing(app, client, world):
    estate, worker, _, _ = world
    login(client, worker.username)
    url = f"/console/estates/{estate.id}/votes/new"
    before = db.session.scalar(select(func.count()).select_from(Vote))
    form = {"matter": "增设非机动车棚", "scope": "estate", "rule": "civil_code_ordinary", "closes_at": "2099-01-01T18:00"}
    page = client.post(url, data=dict(form, csrf_token=csrf_token(client, url), objection_days="0"),
                       follow_redirects=True).get_data(as_text=True)
    assert "异议期须为 1 到 60 天" in page
    assert db.session.scalar(select(func.count()).select_from(Vote)) == before
    assert client.post(url, data=dict(form, csrf_token=csrf_token(client, url), objection_days="3")).status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(Vote).where(Vote.matter == "增设非机动车棚")).objection_days == 3
