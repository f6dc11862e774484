"""The production shape for real: gunicorn with several sync workers on a loopback port, against the
suite's database (SQLite or PostgreSQL), with residents bound to WeChat who vote in the chat."""
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.wechat_side import reply_text, signed_request, text_xml
from core.db import db
from core.residents.models import Binding
from tests import factories
from tests.wechat_helpers import SAFE

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    def __init__(self, database_url: str, instance: Path, workers: int = 4):
        self.port = free_port()
        env = dict(os.environ, DATABASE_URL=database_url, YISHI_INSTANCE_PATH=str(instance), SECRET_KEY="prod-test",
                   SESSION_COOKIE_SECURE="0", WECHAT_TOKEN=SAFE.token, WECHAT_APP_ID=SAFE.app_id,
                   WECHAT_ENCODING_AES_KEY=SAFE.aes_key, WECHAT_RATE_LIMIT="10000 per minute")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{self.port}", "--timeout", "60",
             "--graceful-timeout", "5", "wsgi:app"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        self.wait_healthy()

    def wait_healthy(self, seconds: float = 120) -> None:  # a loaded 2-core machine starts 4 workers slowly
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                if self.request("GET", "/healthz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError("gunicorn did not become healthy")

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def workers(self) -> list[int]:
        out = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout
        return [int(pid) for pid in out.split()]

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


@pytest.fixture
def gunicorn(app, database_url, tmp_path):
    server = Gunicorn(database_url, tmp_path / "instance")
    yield server
    server.stop()


def say(server: Gunicorn, openid: str, text: str, msg_id: int) -> tuple[int, str]:
    """One delivery as WeChat's servers make it; (HTTP status, the reply's text or '')."""
    from urllib.parse import urlencode

    query, body = signed_request(SAFE, text_xml(openid, text, msg_id), openid)
    status, answer = server.request("POST", "/wechat?" + urlencode(query), body if isinstance(body, bytes) else body.encode(),
                                    {"Content-Type": "text/xml"})
    return status, reply_text(SAFE, answer.decode()) if status == 200 else ""


def voting_estate(buildings=("1", "2", "3"), units=2, floors=5):
    """An estate with an open vote, every representative bound to WeChat as o-<flat id>."""
    estate = factories.estate(name="风暴小区", buildings=buildings, units=units, floors=floors)
    vote = factories.vote(estate)
    flats = factories.flats_of(estate)
    for flat in flats:
        db.session.add(Binding(openid=f"o-{flat.id}", owner_id=flat.owners[0].id, method="code"))
    db.session.commit()
    return vote, [flat.id for flat in flats]
