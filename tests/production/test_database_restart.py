"""PostgreSQL restarting under load, as the app sees it: every connection cut, new ones refused for a
while, then accepted again. Requests in the gap fail cleanly (503, nothing half-stored); afterwards the
same gunicorn workers serve again, without a restart. (A loopback proxy plays the restart, so the
suite's own server keeps running.)"""
import socket
import threading
import time
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import pytest
from sqlalchemy import func, select

from core.db import db
from core.votes.models import BallotEntry
from tests.conftest import BACKEND
from tests.production.conftest import Gunicorn, free_port, say, voting_estate

pytestmark = pytest.mark.skipif(BACKEND != "postgresql", reason="a PostgreSQL restart; the PostgreSQL run has it")


class Proxy:
    """TCP from a loopback port to the real server; `outage()` cuts every connection and refuses new ones."""

    def __init__(self, host: str, port: int):
        self.target = (host, port)
        self.port = free_port()
        self.down = False
        self.pairs: list[socket.socket] = []
        self.listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.down:
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            self.pairs += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    @contextmanager
    def outage(self):
        self.down = True
        for s in self.pairs:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.pairs.clear()
        try:
            yield
        finally:
            self.down = False

    def close(self):
        self.listener.close()


def test_requests_fail_cleanly_during_a_restart_and_the_workers_recover(app, database_url, tmp_path):
    vote, flat_ids = voting_estate(buildings=("1",), units=2, floors=3)
    db.session.rollback()
    parts = urlsplit(database_url)
    proxy = Proxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    through_proxy = urlunsplit(parts._replace(netloc=f"{parts.username}@127.0.0.1:{proxy.port}"))
    server = Gunicorn(through_proxy, tmp_path / "instance", workers=2)
    try:
        assert say(server, f"o-{flat_ids[0]}", "同意", 1)[0] == 200
        with proxy.outage():
            statuses = [say(server, f"o-{flat_id}", "同意", 100 + n)[0] for n, flat_id in enumerate(flat_ids[1:6])]
            assert set(statuses) == {503}, statuses
            assert server.request("GET", "/healthz")[0] == 503
        deadline = time.monotonic() + 20
        while server.request("GET", "/healthz")[0] != 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        # WeChat retries the refused deliveries: now they go through, once each.
        statuses = [say(server, f"o-{flat_id}", "同意", 100 + n)[0] for n, flat_id in enumerate(flat_ids[1:6])]
        assert statuses == [200] * 5
    finally:
        server.stop()
        proxy.close()
    db.session.expire_all()
    counts = db.session.execute(select(BallotEntry.flat_id, func.count()).group_by(BallotEntry.flat_id)).all()
    assert len(counts) == 6 and all(n == 1 for _, n in counts)
    db.session.rollback()
