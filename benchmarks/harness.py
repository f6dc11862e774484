"""What the HTTP benchmarks share: a database with bound residents, gunicorn on a free port, and senders
that post pre-signed, encrypted deliveries concurrently and time each answer."""
import http.client
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.protocol import Account  # noqa: E402
from bot.wechat_side import reply_text, signed_request, text_xml  # noqa: E402

ACCOUNT = Account(token="bench-token", app_id="wx0000000000bench",
                  aes_key="abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")
WECHAT_ENV = {"WECHAT_TOKEN": ACCOUNT.token, "WECHAT_APP_ID": ACCOUNT.app_id,
              "WECHAT_ENCODING_AES_KEY": ACCOUNT.aes_key, "WECHAT_RATE_LIMIT": "100000 per minute"}


def database_url(workdir: Path) -> str:
    """BENCH_DATABASE_URL (its schema is replaced), or a fresh SQLite file in workdir."""
    url = os.environ.get("BENCH_DATABASE_URL", "")
    if url:
        if "bench" not in url.rsplit("/", 1)[-1]:
            sys.exit("BENCH_DATABASE_URL must name a database whose name contains 'bench': its schema is dropped")
        from sqlalchemy import create_engine, text

        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
        return url
    return f"sqlite:///{workdir / 'bench.sqlite3'}"


def prepare(url: str, workdir: Path, buildings: int, units: int, floors: int, vote: bool) -> list[str]:
    """Migrate, build an estate, bind every representative as o-<flat id>; returns the openids."""
    os.environ.update(DATABASE_URL=url, YISHI_INSTANCE_PATH=str(workdir), SECRET_KEY="bench")
    from flask_migrate import upgrade

    from core.db import db
    from core.residents.models import Binding
    from tests import factories
    from web.app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        estate = factories.estate(name="基准小区", buildings=[str(b) for b in range(1, buildings + 1)], units=units,
                                  floors=floors)
        if vote:
            factories.vote(estate)
        flats = factories.flats_of(estate)
        db.session.add_all(Binding(openid=f"o-{f.id}", owner_id=f.owners[0].id, method="code") for f in flats)
        db.session.commit()
        openids = [f"o-{f.id}" for f in flats]
        db.session.remove()
        db.engine.dispose()
    return openids


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, wsgi: str, workers: int, env: dict, options: list[str] = ()):
        """gunicorn from the repository root, so with gunicorn.conf.py unless options name another `-c`."""
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{self.port}", "--timeout", "120",
             "--backlog", "2048", *options, wsgi], cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                time.sleep(1.5)  # let every worker finish importing
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{wsgi} did not start")

    def stop(self):
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait()


def deliveries(openids: list[str], text: str, first_msg_id: int = 1) -> list[tuple[str, bytes]]:
    """(path with query, body) for one delivery per openid, signed and encrypted before the clock starts."""
    out = []
    for n, openid in enumerate(openids):
        query, body = signed_request(ACCOUNT, text_xml(openid, text, first_msg_id + n), openid)
        out.append(("/wechat?" + urlencode(query), body))
    return out


def fire(port: int, requests: list[tuple[str, bytes]], senders: int, expect: str = "") -> dict:
    """Post every request with `senders` concurrent connections; replies/s and latency percentiles."""
    def one(request):
        path, body = request
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        start = time.perf_counter()
        try:
            connection.request("POST", path, body=body, headers={"Content-Type": "text/xml"})
            response = connection.getresponse()
            answer = response.read()
            ok = response.status == 200 and (not expect or expect in reply_text(ACCOUNT, answer.decode()))
        except OSError:
            ok = False
        finally:
            connection.close()
        return ok, time.perf_counter() - start

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=senders) as pool:
        results = list(pool.map(one, requests))
    elapsed = time.perf_counter() - started
    latencies = sorted(t for _, t in results)
    q = statistics.quantiles(latencies, n=100)
    return {"requests": len(results), "ok": sum(ok for ok, _ in results), "seconds": round(elapsed, 2),
            "per_second": round(len(results) / elapsed), "p50_ms": round(q[49] * 1000, 1),
            "p99_ms": round(q[98] * 1000, 1)}


def workdir() -> Path:
    """A fresh folder; the chat's intent tables (a build file the app refuses to start without) are
    built first when missing or outdated, as `flask nlp install-default` does."""
    from nlp.intent_training import ensure

    ensure()
    return Path(tempfile.mkdtemp(prefix="yishi-bench-"))
