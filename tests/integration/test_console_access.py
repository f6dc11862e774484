"""Sign-in, CSRF, rate limits, and tenancy: every console page scoped to the user's community or street."""
import pytest

from core.db import db
from tests import factories
from tests.conftest import csrf_token, login, make_app


@pytest.fixture
def world(app):
    street_a, street_b = factories.street(), factories.street()
    comm_a, comm_b = factories.community(street_a), factories.community(street_a)
    comm_c = factories.community(street_b)
    estates = {name: factories.estate(c, buildings=("1",), units=1, floors=1)
               for name, c in (("a", comm_a), ("b", comm_b), ("c", comm_c))}
    users = {
        "worker_a": factories.user("worker", community_=comm_a),
        "street_a": factories.user("street", street_=street_a),
        "admin": factories.user("admin"),
    }
    db.session.commit()
    return estates, users


CONSOLE_PAGES = [
    ("GET", "/console/estates/{id}"),
    ("POST", "/console/estates/{id}/import"),
    ("GET", "/console/estates/{id}/register.xlsx"),
]

# (user, estate, pages that must answer 404)
EXPECTED_404 = [
    ("worker_a", "b", CONSOLE_PAGES),  # another community in the same street
    ("worker_a", "c", CONSOLE_PAGES),  # another street
    ("street_a", "c", CONSOLE_PAGES),  # another street
    ("street_a", "a", CONSOLE_PAGES[1:]),  # the street office reads but does not edit the register
]


@pytest.mark.parametrize("username, estate_key, pages", EXPECTED_404)
def test_out_of_scope_console_pages_answer_404(client, world, username, estate_key, pages):
    estates, users = world
    login(client, users[username].username)
    token = csrf_token(client, "/console/")  # a valid token: the refusal must come from the scope
    for method, url in pages:
        url = url.format(id=estates[estate_key].id)
        response = client.get(url) if method == "GET" else client.post(url, data={"csrf_token": token})
        assert response.status_code == 404, (username, method, url)


def test_each_role_sees_its_own_estates(client, world):
    estates, users = world
    expected = {"worker_a": {"a"}, "street_a": {"a", "b"}, "admin": {"a", "b", "c"}}
    for username, keys in expected.items():
        client.post("/logout", data={"csrf_token": csrf_token(client, "/console/")}) if username != "worker_a" else None
        login(client, users[username].username)
        page = client.get("/console/").get_data(as_text=True)
        shown = {k for k, e in estates.items() if f"/console/estates/{e.id}\"" in page}
        assert shown == keys, username


def test_console_needs_a_login(client, world):
    estates, _ = world
    response = client.get(f"/console/estates/{estates['a'].id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_wrong_password_is_refused_and_logged(client, world):
    from sqlalchemy import select

    from core.audit import AuditEntry

    _, users = world
    response = login(client, users["worker_a"].username, "wrong-password")
    assert "用户名或密码不对" in response.get_data(as_text=True)
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "auth.login_failed"))
    assert client.get("/console/").status_code == 302


def test_login_without_csrf_token_is_refused(client, world):
    _, users = world
    response = client.post("/login", data={"username": users["admin"].username, "password": factories.PASSWORD})
    assert response.status_code == 400
    assert client.get("/console/").status_code == 302


def test_login_sets_a_fresh_httponly_cookie_and_logout_ends_it(client, world):
    _, users = world
    client.get("/login")
    response = login(client, users["admin"].username)
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get("/console/").status_code == 200
    assert client.get("/logout").status_code == 405  # no state change by GET
    client.post("/logout", data={"csrf_token": csrf_token(client, "/console/")})
    assert client.get("/console/").status_code == 302


def test_secure_cookie_flag_is_on_by_default(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("YISHI_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    from web.app import create_app

    assert create_app({"SQLALCHEMY_DATABASE_URI": database_url}).config["SESSION_COOKIE_SECURE"] is True


def test_login_is_rate_limited(database_url, world):
    app = make_app(database_url, RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    with app.app_context():
        codes = [login(client, "nobody", "wrong-password").status_code for _ in range(4)]
        db.session.remove()
        db.engine.dispose()
    assert codes[:3] == [200, 200, 200] and codes[3] == 429


def test_security_headers(client):
    response = client.get("/login")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_hsts_only_over_https_and_headers_on_every_kind_of_page(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://yishi.example.cn")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")
    for url in ("/r/", "/healthz", "/no-such-page", "/console/"):
        headers = client.get(url).headers
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"], url
        assert headers["X-Frame-Options"] == "DENY", url
