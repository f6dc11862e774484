"""Sessions end on the server: a copied cookie stops working after logout, deactivation, a new password,
and (for residents) after their binding ends; a sign-in link sent before 解绑 signs nobody in."""
import pytest
from sqlalchemy import select

from core.db import db
from core.residents.models import Binding
from tests import factories
from tests.conftest import csrf_token, login
from tests.wechat_helpers import SAFE, Phone, config_for

pytestmark = pytest.mark.parametrize("app", [config_for(SAFE, PUBLIC_BASE_URL="https://yishi.example.cn")],
                                     indirect=True)


def copy_of(app, client):
    """Another browser holding a copy of this client's session cookie (a stolen cookie)."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


@pytest.fixture
def worker(app):
    estate = factories.estate(name="幸福里", buildings=("3",), units=1, floors=2)
    user = factories.user("worker", estate.community)
    db.session.commit()
    return user


def test_logout_ends_every_copy_of_the_session(app, client, worker):
    login(client, worker.username)
    stolen = copy_of(app, client)
    assert stolen.get("/console/").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token(client, "/console/")})
    assert stolen.get("/console/").status_code == 302  # to the login page
    assert login(client, worker.username).status_code == 302  # a new login works
    assert client.get("/console/").status_code == 200


@pytest.mark.parametrize("command", [["users", "deactivate"], ["users", "set-password", "--password", "new-password-1"]])
def test_deactivation_and_a_new_password_end_open_sessions(app, client, runner, worker, command):
    login(client, worker.username)
    assert client.get("/console/").status_code == 200
    result = runner.invoke(args=[*command, worker.username])
    assert result.exit_code == 0, result.output
    assert client.get("/console/").status_code == 302


def signed_in_by_link(app, phone):
    link = phone.say("网页").split("\n")[-1].removeprefix("https://yishi.example.cn")
    web = app.test_client()
    assert web.post(link, data={"csrf_token": csrf_token(web, link)}).status_code == 302
    return web, link


def bound_phone(client, worker):
    owner = factories.flats_of(worker.community.estates[0])[0].owners[0]
    db.session.commit()
    phone = Phone(client, SAFE, "o-zhang")
    assert "绑定成功" in phone.say(f"绑定 幸福里 {owner.flat.code} {owner.name} {owner.phone[-4:]}")
    return phone, owner


def test_a_revoked_binding_ends_the_residents_page_session(app, client, worker):
    phone, owner = bound_phone(client, worker)
    web, _ = signed_in_by_link(app, phone)
    assert owner.flat.label in web.get("/r/").get_data(as_text=True)
    console = app.test_client()
    login(console, worker.username)
    binding = db.session.scalar(select(Binding))
    estate = worker.community.estates[0]
    page = f"/console/estates/{estate.id}/bindings"
    console.post(f"{page}/{binding.id}/revoke", data={"csrf_token": csrf_token(console, page)})
    assert web.get("/r/").status_code == 401


def test_a_link_sent_before_unbinding_no_longer_signs_in(app, client, worker):
    phone, owner = bound_phone(client, worker)
    link = phone.say("网页").split("\n")[-1].removeprefix("https://yishi.example.cn")
    web, _ = signed_in_by_link(app, phone)
    assert "确定要解除" in phone.say("解绑")
    assert "已解除" in phone.say("是")
    assert web.get("/r/").status_code == 401  # the session the earlier link opened is over too
    late = app.test_client()
    assert late.get(link).status_code == 403  # says so at once, before anything is pressed
    assert late.post(link, data={"csrf_token": csrf_token(late, "/login")}).status_code == 403
    assert late.get("/r/").status_code == 401


def test_a_residents_logout_ends_copies_of_the_cookie(app, client, worker):
    phone, _ = bound_phone(client, worker)
    web, _ = signed_in_by_link(app, phone)
    stolen = copy_of(app, web)
    assert stolen.get("/r/").status_code == 200
    web.post("/r/logout", data={"csrf_token": csrf_token(web, "/r/")})
    assert stolen.get("/r/").status_code == 401


def test_an_empty_login_form_says_what_is_missing(app, client):
    page = client.post("/login", data={"csrf_token": csrf_token(client, "/login"), "username": "", "password": ""})
    assert "请填写用户名和密码" in page.get_data(as_text=True)
