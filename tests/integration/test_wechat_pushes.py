"""Template messages: queued with what they announce, sent after the commit by the scheduler's job through
WeChat's API (a fake one on loopback), retried on failure, never twice; one shared access token; reminders."""

import pytest
from sqlalchemy import func, select

from bot.jobs import send_pushes
from core.db import db, db_now
from core.jobs import remind_votes
from core.residents import pushes
from core.residents.models import Binding, CachedToken, Push
from core.votes import reminders
from core.votes.operations import open_vote
from tests import factories

TEMPLATES = {kind: f"TPL-{kind}" for kind in pushes.KINDS}


@pytest.fixture
def config(app, api):
    app.config.update(WECHAT_APP_ID="wx1234567890abcdef", WECHAT_APP_SECRET="secret", WECHAT_TEMPLATES=TEMPLATES,
                      WECHAT_API_BASE_URL=api.base_url, PUBLIC_BASE_URL="https://yishi.example.cn")
    return app.config


@pytest.fixture
def estate(app):
    """12 flats; the first three owners are bound to WeChat."""
    e = factories.estate(buildings=("1",), units=2, floors=3)
    for n, f in enumerate(factories.flats_of(e)[:3]):
        db.session.add(Binding(openid=f"o-{n}", owner=f.owners[0], method="code"))
    db.session.flush()
    return e


def queued():
    db.session.expire_all()
    return db.session.scalars(select(Push).order_by(Push.id)).all()


def test_opening_a_vote_queues_one_push_per_bound_resident_in_scope(estate):
    vote = factories.vote(estate)
    db.session.commit()
    rows = queued()
    assert sorted(p.openid for p in rows) == ["o-0", "o-1", "o-2"]
    assert {p.kind for p in rows} == {"vote_opened"} and rows[0].data["matter"] == "老旧小区改造"
    assert rows[0].url == f"/r/votes/{vote.id}"
    # Queuing the same news again adds nothing.
    assert reminders.vote_opened(vote) == 0


def test_a_rolled_back_opening_announces_nothing(estate):
    vote = factories.vote(estate, open_=False)
    db.session.commit()
    open_vote(vote.id, None)
    db.session.rollback()
    assert queued() == []


def test_the_job_sends_after_the_commit_with_one_shared_token(estate, config, api):
    vote = factories.vote(estate)
    db.session.commit()
    assert send_pushes(config) == {"sent": 3, "failed": 0, "retry": 0, "skipped": 0}
    sends = api.calls_to("/cgi-bin/message/template/send")
    assert len(sends) == 3 and len(api.calls_to("/cgi-bin/token")) == 1
    body = sends[0]["json"]
    assert body["template_id"] == "TPL-vote_opened" and body["touser"] == "o-0"
    assert body["url"] == f"https://yishi.example.cn/r/votes/{vote.id}"
    assert body["data"]["thing1"]["value"] == "老旧小区改造"
    assert body["client_msg_id"].startswith("yishi-push-")  # WeChat drops a resend with the same id
    assert sends[0]["query"]["access_token"] == "TOKEN-1"
    assert {p.status for p in queued()} == {"sent"}
    # The token is in the database for every process; the next run fetches none and sends nothing again.
    assert db.session.get(CachedToken, "wx1234567890abcdef_access_token").value == "TOKEN-1"
    assert send_pushes(config) == {"sent": 0, "failed": 0, "retry": 0, "skipped": 0}
    assert len(api.calls_to("/cgi-bin/token")) == 1 and len(api.calls_to("/cgi-bin/message/template/send")) == 3


def test_a_wechat_outage_loses_nothing_and_a_retry_sends_once(estate, config, api):
    factories.vote(estate)
    db.session.commit()
    api.scripted["/cgi-bin/message/template/send"] = [
        (500, {}), (200, {"errcode": 45009, "errmsg": "api freq out of limit"}),
        (200, {"errcode": 43004, "errmsg": "require subscribe"}),
    ]
    assert send_pushes(config) == {"sent": 0, "failed": 1, "retry": 2, "skipped": 0}
    rows = queued()
    assert [p.status for p in rows] == ["pending", "pending", "failed"]  # 43004: unfollowed, no retry
    assert all(p.attempts == 1 for p in rows) and "43004" in rows[2].last_error
    # Not yet due: nothing is sent early.
    assert send_pushes(config)["sent"] == 0
    for push in rows[:2]:
        push.next_attempt_at = db_now(db.session)
    db.session.commit()
    assert send_pushes(config)["sent"] == 2
    assert [p.status for p in queued()] == ["sent", "sent", "failed"]
    assert len(api.calls_to("/cgi-bin/message/template/send")) == 5


def test_an_unreachable_wechat_is_a_retry_not_a_crash(estate, config):
    factories.vote(estate)
    db.session.commit()
    config["WECHAT_API_BASE_URL"] = "http://127.0.0.1:9/"  # nothing listens on the discard port
    counts = send_pushes(config)
    assert counts["retry"] == 3
    assert {p.status for p in queued()} == {"pending"}


def test_a_kind_without_a_template_is_recorded_as_skipped(estate, config, api):
    config["WECHAT_TEMPLATES"] = dict(TEMPLATES, vote_opened="")
    factories.vote(estate)
    db.session.commit()
    assert send_pushes(config)["skipped"] == 3
    assert api.calls_to("/cgi-bin/message/template/send") == []


def test_without_an_app_secret_the_job_sends_nothing_and_keeps_the_queue(estate, app):
    factories.vote(estate)
    db.session.commit()
    assert send_pushes(app.config) is None
    assert {p.status for p in queued()} == {"pending"}


def test_reminders_go_once_to_bound_residents_whose_flat_has_not_voted(estate, app):
    from core.votes.ballots import cast

    vote = factories.vote(estate, closes_in=6 * 3600)  # closes in six hours
    early = factories.vote(estate, closes_in=5 * 86400)  # not yet within a day
    voted = factories.flats_of(estate)[0]
    cast(vote.id, voted, "agree", channel="web", idempotency_key="k1", owner=voted.owners[0])
    db.session.commit()
    assert remind_votes(app.config) == {vote.id: 2}
    reminders = [p for p in queued() if p.kind == "vote_reminder"]
    assert sorted(p.openid for p in reminders) == ["o-1", "o-2"]
    assert remind_votes(app.config) == {}  # once per vote
    assert early.reminded_at is None


def test_no_reminder_for_a_flat_whose_owner_voted_on_another_of_their_flats(estate, app):
    """司法解释第九条: one person with several flats votes once; none of their flats is reminded."""
    from core.votes.ballots import cast

    first, second, third = factories.flats_of(estate)[:3]
    first.person_key = second.person_key = "A"  # one buyer of two flats (bound as o-0 and o-1)
    vote = factories.vote(estate, closes_in=6 * 3600)
    cast(vote.id, first, "agree", channel="web", idempotency_key="k1", owner=first.owners[0])
    db.session.commit()
    assert remind_votes(app.config) == {vote.id: 1}
    assert [p.openid for p in queued() if p.kind == "vote_reminder"] == ["o-2"]


def test_the_reminder_lead_is_configurable(estate, app):
    factories.vote(estate, closes_in=30 * 3600)
    db.session.commit()
    assert remind_votes(app.config) == {}
    app.config["VOTE_REMINDER_HOURS"] = 48
    assert list(remind_votes(app.config).values()) == [3]


def test_menu_push_creates_the_menu_through_the_api(config, api, runner):
    result = runner.invoke(args=["wechat", "menu", "push"])
    assert result.exit_code == 0, result.output
    created = api.calls_to("/cgi-bin/menu/create")[0]["json"]
    labels = [b["name"] for top in created["button"] for b in top["sub_button"]]
    assert "当前表决" in labels and len(created["button"]) == 3


def test_menu_push_reports_wechats_refusal(config, api, runner):
    api.scripted["/cgi-bin/menu/create"] = [(200, {"errcode": 48001, "errmsg": "api unauthorized"})]
    result = runner.invoke(args=["wechat", "menu", "push"])
    assert result.exit_code == 1 and "48001" in result.output


@pytest.fixture
def redis_url(tmp_path):
    """A Redis server of the test's own on a free loopback port (make test installs redis-server)."""
    import shutil
    import socket
    import subprocess
    import time

    import redis

    server = shutil.which("redis-server")
    if server is None:
        pytest.fail("redis-server is not installed: `make test` installs it (Debian package redis-server)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                "--dir", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(port=port)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                process.kill()
                pytest.fail("redis-server did not start")
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(10)


def test_the_token_can_live_in_redis(config, api, redis_url):
    from bot.client import make_client

    config["REDIS_URL"] = redis_url
    assert make_client(config).access_token == "TOKEN-1"
    assert make_client(config).access_token == "TOKEN-1"  # a second process reads the same token
    assert len(api.calls_to("/cgi-bin/token")) == 1
    assert db.session.scalar(select(func.count()).select_from(CachedToken)) == 0


def test_closing_a_vote_tells_the_bound_residents(app, estate=None):
    from core.votes.operations import close_vote

    estate = factories.estate(buildings=("1",), units=1, floors=1)
    vote = factories.vote(estate)
    flat = factories.flats_of(estate)[0]
    db.session.add(Binding(openid="o-closed", owner=flat.owners[0], method="code"))
    db.session.commit()
    assert close_vote(vote.id)
    db.session.commit()
    push = db.session.scalar(select(Push).where(Push.key == f"vote_closed:{vote.id}:o-closed"))
    assert push is not None and push.kind == "vote_result" and push.data["outcome"] in ("初步通过", "初步未通过")
    assert not close_vote(vote.id)  # closing twice tells nobody twice
    assert db.session.scalar(select(func.count()).select_from(Push).where(Push.kind == "vote_result")) == 1
