"""`make run`'s one command, `flask dev-server`: the development server with one scheduler beside it, which
delivers the demo's pushes to the WeChat simulator and stops when the server stops."""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from sqlalchemy import select, text

from core.db import db
from core.residents import pushes
from core.residents.models import Binding, Push
from tests import factories


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait(predicate, seconds=40):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    return None


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False


def _get(url: str):
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return answer.read().decode()
    except OSError:
        return None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_the_dev_server_runs_a_scheduler_that_delivers_pushes_to_the_simulator_and_stops_with_it(
        app, database_url, tmp_path):
    estate = factories.estate(buildings=("1",), units=1, floors=1)
    owner = factories.flats_of(estate)[0].owners[0]
    openid = f"sim-{owner.id}"
    db.session.add(Binding(openid=openid, owner=owner, method="code"))
    db.session.flush()
    pushes.enqueue("vote_opened:test", openid, "vote_opened",
                   {"matter": "1栋1单元加装电梯", "scope": estate.name, "closes_at": "2026-12-01 18:00"}, "/r/votes/1")
    pushes.enqueue("vote_opened:stranger", "o-not-simulated", "vote_opened", {"matter": "x"}, "")
    db.session.commit()

    port = _free_port()
    log = tmp_path / "dev-server.log"
    env = dict(os.environ, DATABASE_URL=database_url, YISHI_INSTANCE_PATH=str(tmp_path / "instance"),
               SECRET_KEY="x", WECHAT_SIMULATOR="1", SESSION_COOKIE_SECURE="0",
               PUBLIC_BASE_URL=f"http://127.0.0.1:{port}")
    env.pop("WECHAT_APP_SECRET", None)
    server = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "dev-server", "--port", str(port)],
                              env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)
    try:
        found = _wait(lambda: re.search(r"Scheduler started \(pid (\d+)\)", log.read_text(errors="replace")))
        assert found, log.read_text(errors="replace")
        scheduler = int(found.group(1))
        assert _wait(lambda: _get(f"http://127.0.0.1:{port}/healthz")), log.read_text(errors="replace")
        # The request log keeps no query strings (an Open311 key, WeChat's signature) and no sign-in tokens.
        _get(f"http://127.0.0.1:{port}/open311/v2/services.json?api_key=secret-key-in-query")
        _get(f"http://127.0.0.1:{port}/r/login/secret-link-token")
        logged = _wait(lambda: "/r/login/" in log.read_text(errors="replace") and log.read_text(errors="replace"))
        assert "/open311/v2/services.json" in logged and "secret-key-in-query" not in logged
        assert "secret-link-token" not in logged

        def status(key):
            value = db.session.scalar(select(Push.status).where(Push.key == key))
            db.session.rollback()  # hold no SQLite lock while the scheduler works
            return value

        assert _wait(lambda: status("vote_opened:test") == "sent"), log.read_text(errors="replace")
        assert _wait(lambda: status("vote_opened:stranger") == "failed")  # WeChat's 43004: not a follower
        shown = json.loads(_get(f"http://127.0.0.1:{port}/dev/wechat/pushes?openid={openid}"))
        assert shown[0]["status_label"] == "已送达" and shown[0]["sent"] and "加装电梯" in shown[0]["data"]["matter"]

        server.send_signal(signal.SIGTERM)  # as Ctrl-C or a stopping `make run`
        server.wait(20)
        assert _wait(lambda: not _alive(scheduler), 15), "the scheduler outlived the server"
        assert "Scheduler stopped." in log.read_text(errors="replace")
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        db.session.execute(text("DROP TABLE IF EXISTS apscheduler_jobs"))
        db.session.commit()


def test_the_simulators_api_answers_only_its_own_account(monkeypatch, tmp_path, database_url):
    from tests.conftest import make_app

    monkeypatch.setenv("WECHAT_SIMULATOR", "1")
    monkeypatch.setenv("YISHI_INSTANCE_PATH", str(tmp_path))
    simulated = make_app(database_url)
    assert simulated.config["WECHAT_API_BASE_URL"] == "http://127.0.0.1:5000/dev/wechat/api/"
    assert all(simulated.config["WECHAT_TEMPLATES"].values())
    client = simulated.test_client()
    assert client.get("/dev/wechat/api/cgi-bin/token?appid=wx00000000simulator&secret=wrong").json["errcode"] == 40125
    token = client.get("/dev/wechat/api/cgi-bin/token?appid=wx00000000simulator&secret=simulator-secret").json
    sent = client.post(f"/dev/wechat/api/cgi-bin/message/template/send?access_token={token['access_token']}",
                       json={"touser": "sim-1", "template_id": "t", "data": {}})
    assert sent.json["errcode"] == 0 and sent.json["msgid"]
    # Outside simulator mode there is no such API.
    monkeypatch.delenv("WECHAT_SIMULATOR")
    assert make_app(database_url).test_client().get("/dev/wechat/api/cgi-bin/token").status_code == 404


def test_the_demo_queues_pushes_for_a_bound_simulator_resident(monkeypatch, tmp_path, database_url):
    from core.demo import seed
    from tests.conftest import _empty_tables, make_app

    monkeypatch.setenv("WECHAT_SIMULATOR", "1")
    monkeypatch.setenv("YISHI_INSTANCE_PATH", str(tmp_path))
    simulated = make_app(database_url)
    with simulated.app_context():
        try:
            seed()
            db.session.commit()
            queued = db.session.scalars(select(Push)).all()
            assert {p.kind for p in queued} == {"survey_opened", "notice_published"}
            assert all(p.openid.startswith("sim-") and p.status == "pending" for p in queued)
            page = simulated.test_client().get("/dev/wechat/").get_data(as_text=True)
            assert "纺织厂宿舍" in page and "（已绑定，有推送）" in page
        finally:
            db.session.remove()
            _empty_tables()
