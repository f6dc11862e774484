"""Attacks seen on main, each through the path an attacker takes: the login form, a URL, a form field."""
import pytest

from core.db import db
from tests import factories
from tests.conftest import csrf_token, login

BAD_NEXT = ["/%09/evil.example", "/%0d%0aSet-Cookie:%20x=1", "//evil.example", "/\\evil.example",
            "https://evil.example/", "/%20/evil.example", "/%0a/evil.example", "javascript:alert(1)"]


@pytest.mark.parametrize("target", BAD_NEXT)
def test_login_never_redirects_off_site(client, target):
    user = factories.user("admin")
    db.session.commit()
    token = csrf_token(client, "/login")
    response = client.post(f"/login?next={target}", data={"username": user.username, "password": "password-123",
                                                          "csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == "/console/", target


def test_login_keeps_a_same_site_next(client):
    user = factories.user("admin")
    db.session.commit()
    token = csrf_token(client, "/login")
    response = client.post("/login?next=/console/complaints%3Fstatus%3Dnew",
                           data={"username": user.username, "password": "password-123", "csrf_token": token})
    assert response.headers["Location"] == "/console/complaints?status=new"


def test_an_unknown_username_costs_a_password_check_like_a_known_one(client, monkeypatch):
    """Timing: without a hash check for unknown users the answer comes back ~100 times faster."""
    import core.accounts

    user = factories.user("admin")
    db.session.commit()
    checked = []
    real = core.accounts.check_password_hash
    monkeypatch.setattr(core.accounts, "check_password_hash", lambda h, p: checked.append(h) or real(h, p))
    login(client, "no-such-user", "wrong-password")
    login(client, user.username, "wrong-password")
    assert len(checked) == 2
    unknown, known = checked
    assert unknown.split("$")[0] == known.split("$")[0]  # the same method and cost


def test_pages_with_personal_data_are_not_cached(client):
    estate = factories.estate(buildings=("1",), units=1, floors=1)
    worker = factories.user("worker", estate.community)
    db.session.commit()
    assert client.get("/login").headers["Cache-Control"] == "no-store"
    login(client, worker.username)
    for url in ("/console/", f"/console/estates/{estate.id}", f"/console/estates/{estate.id}/register.xlsx", "/r/"):
        assert client.get(url).headers["Cache-Control"] == "no-store", url


