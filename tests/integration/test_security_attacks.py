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


@pytest.mark.parametrize("url", ["/votes/99999999999999999999/receipts", "/r/votes/99999999999999999999",
                                 "/console/estates/99999999999999999999", "/console/votes/9223372036854775808"])
def test_huge_ids_are_no_page_not_an_error(client, url):
    estate = factories.estate(buildings=("1",), units=1, floors=1)
    worker = factories.user("worker", estate.community)
    db.session.commit()
    assert client.get(url).status_code in (404, 401), url  # unauthenticated first
    login(client, worker.username)
    assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("scope", ["b:x", "u:", "b:99999999999999999999", "u:-1", "b:１"])
def test_a_bad_vote_scope_is_a_form_error(client, scope):
    from sqlalchemy import func, select

    from core.votes.models import Vote

    estate = factories.estate(buildings=("1",), units=1, floors=1)
    worker = factories.user("worker", estate.community)
    db.session.commit()
    login(client, worker.username)
    page = f"/console/estates/{estate.id}/votes/new"
    response = client.post(page, data={"csrf_token": csrf_token(client, page), "scope": scope, "matter": "改造",
                                       "rule": "headcount_2_3", "closes_at": "2030-01-01T12:00"})
    # The form comes back with what was typed (422) and a Chinese error, not a 500.
    assert response.status_code == 422 and "表决范围不属于这个小区" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Vote.id))) == 0


def test_a_huge_number_in_a_form_field_is_not_a_500(client):
    estate = factories.estate(buildings=("1",), units=1, floors=1)
    worker = factories.user("worker", estate.community)
    vote = factories.vote(estate, actor=worker)
    db.session.commit()
    login(client, worker.username)
    page = f"/console/votes/{vote.id}"
    response = client.post(f"/console/votes/{vote.id}/paper", data={"csrf_token": csrf_token(client, page),
                                                                    "flat_id": "99999999999999999999"})
    assert response.status_code < 500
