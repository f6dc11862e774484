"""Shared fixtures: one database per run (SQLite, or PostgreSQL when YISHI_TEST_BACKEND=postgresql),
migrated once, emptied after each test; outbound network refused."""
import contextvars
import os
import re
import socket

import pytest
from hypothesis import settings
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import create_engine, select, text

from core.db import db
from web.app import create_app

BACKEND = os.environ.get("YISHI_TEST_BACKEND", "sqlite")

# Tests assert behaviour, not speed: no per-example deadline (a busy CI machine would fail them at random).
settings.register_profile("yishi", deadline=None)
settings.load_profile("yishi")


def pytest_report_header(config):
    return f"yishi test backend: {BACKEND}"


def pytest_configure(config):
    # The chat's intent tables are a build file (nlp.intents.TABLES): built here when missing or outdated,
    # as `flask nlp install-default` builds them for `make run` (atomically: parallel runs may race).
    from nlp.intent_training import ensure

    ensure()
    if BACKEND == "postgresql":
        url = os.environ.get("TEST_DATABASE_URL", "")
        if not url.startswith("postgresql"):
            pytest.exit("YISHI_TEST_BACKEND=postgresql needs TEST_DATABASE_URL=postgresql+psycopg://…", returncode=1)
        try:
            engine = create_engine(url)
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            engine.dispose()
        except Exception as error:  # fail, never skip, when CI asked for PostgreSQL
            pytest.exit(f"PostgreSQL at {url} is unreachable: {error}", returncode=1)


@pytest.fixture(autouse=True)
def no_internet(monkeypatch):
    """No test talks to the internet: connections go to loopback or nowhere."""
    real_connect = socket.socket.connect

    def guarded(sock, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and not (
            host.startswith("127.") or host in ("localhost", "::1") or sock.family == socket.AF_UNIX
        ):
            raise ConnectionRefusedError(f"tests may not reach {host}")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    if BACKEND == "postgresql":
        url = os.environ["TEST_DATABASE_URL"]
        engine = create_engine(url)
        with engine.begin() as connection:  # a clean schema, whatever an earlier run left
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    app = make_app(url)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()
    return url


def make_app(url, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "SESSION_COOKIE_SECURE": False,
        "RATELIMIT_ENABLED": False,
    }
    config.update(overrides)
    app = create_app(config)
    app.test_client_class = IsolatedClient
    return app


@pytest.fixture
def app(request, database_url, tmp_path, monkeypatch):
    """The app; parametrize it indirectly with a dict of config overrides."""
    monkeypatch.setenv("YISHI_INSTANCE_PATH", str(tmp_path / "instance"))
    app = make_app(database_url, **getattr(request, "param", {}))
    with app.app_context():
        yield app
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def every_vote_log_verifies(request):
    """After every test with a database that wrote ballots, every vote's log must verify.

    A test that breaks a log on purpose says so with @pytest.mark.breaks_vote_log."""
    if "app" not in request.fixturenames or request.node.get_closest_marker("breaks_vote_log"):
        yield
        return
    request.getfixturevalue("app")  # set up before this fixture's end runs, torn down after it
    yield
    from core.votes.log import verify_vote
    from core.votes.models import BallotEntry, Vote

    try:
        db.session.flush()
    except Exception:  # the test left its session failed on purpose; check what was committed
        db.session.rollback()
    if db.session.scalar(select(BallotEntry.id).limit(1)) is None:
        return
    broken = {}
    for vote in db.session.scalars(select(Vote).order_by(Vote.id)):
        report = verify_vote(vote)
        if not report.ok:
            broken[vote.id] = report.problems
    db.session.rollback()
    if broken:
        pytest.fail(f"vote logs that do not verify after the test: {broken}", pytrace=False)


def _empty_tables():
    with db.engine.begin() as connection:
        tables = [connection.dialect.identifier_preparer.quote(t.name) for t in db.metadata.sorted_tables]
        if connection.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in reversed(tables):
                connection.execute(text(f"DELETE FROM {name}"))


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context and database session, as in production.

    The test's own session is committed first, so that it holds no SQLite write lock
    (and pending test data is visible to the request)."""

    def open(self, *args, **kwargs):
        if has_app_context():
            db.session.commit()
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture
def api():
    """A fake of WeChat's API on 127.0.0.1 (tests.wechat_helpers.FakeWeChatAPI); point WECHAT_API_BASE_URL at it."""
    from tests.wechat_helpers import FakeWeChatAPI

    fake = FakeWeChatAPI()
    yield fake
    fake.close()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token(client, url: str) -> str:
    """The CSRF token from the form on a page, as a browser would have it."""
    page = client.get(url).get_data(as_text=True)
    match = CSRF_RE.search(page)
    assert match, f"no CSRF token on {url}"
    return match.group(1) or match.group(2)


def login(client, username: str, password: str = "password-123"):
    token = csrf_token(client, "/login")
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


@pytest.fixture(scope="session")
def shipped_model():
    """The default classifier, trained once per run on the team's corpus (about a second)."""
    from nlp.corpus import shipped
    from nlp.training import train

    return train(shipped(), source="shipped corpus")


@pytest.fixture
def routing(app, shipped_model):
    """The default departments of every street there is (a street made later gets them when its first
    ticket is routed), and the shipped model promoted in the app's model folder."""
    from core.complaints.departments import seed_defaults
    from web.classifier import store

    seed_defaults()
    db.session.commit()
    store().promote(shipped_model)
    return shipped_model
