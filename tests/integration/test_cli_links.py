"""`flask residents link` prints a full address a worker can send to a resident."""
import re

import pytest

from tests import factories


def test_a_link_is_a_full_address_on_the_local_server_by_default(runner):
    estate = factories.estate(name="新村")
    result = runner.invoke(args=["residents", "link", "--estate", "新村", "1-1-101"])
    assert result.exit_code == 0, result.output
    assert re.fullmatch(r"http://127\.0\.0\.1:5000/r/login/[\w-]+\n", result.output)


@pytest.mark.parametrize("app", [{"PUBLIC_BASE_URL": "https://yishi.example.cn"}], indirect=True)
def test_a_link_uses_the_public_address_when_set(runner):
    factories.estate(name="新村")
    result = runner.invoke(args=["residents", "link", "--estate", "新村", "1-1-101"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("https://yishi.example.cn/r/login/")


def test_a_worker_makes_a_sign_in_link_in_the_console_for_an_owner_without_wechat(app, client):
    from sqlalchemy import select

    from core.audit import AuditEntry
    from core.db import db
    from core.register.lookup import flat_by_code
    from tests.conftest import csrf_token, login

    estate = factories.estate(name="新村")
    other = factories.estate(name="别处")
    worker = factories.user("worker", estate.community)
    flat = flat_by_code(estate, "1-1-101")
    owner = flat.owners[0]
    stranger = flat_by_code(other, "1-1-101").owners[0]
    db.session.commit()
    login(client, worker.username)
    page = client.get(f"/console/flats/{flat.id}").get_data(as_text=True)
    assert "生成登录链接" in page
    made = client.post(f"/console/flats/{flat.id}/owners/{owner.id}/sign-in-link",
                       data={"csrf_token": csrf_token(client, f"/console/flats/{flat.id}")})
    text = made.get_data(as_text=True)
    link = re.search(r'id="sign-in-link">(http://[^<]+)<', text).group(1)
    assert "<svg" in text and "30 分钟内有效" in text
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "resident.link")).target == f"owner:{owner.id}"
    # Another community's owner, or an owner of another flat: nothing to make.
    assert client.post(f"/console/flats/{flat.id}/owners/{stranger.id}/sign-in-link",
                       data={"csrf_token": csrf_token(client, f"/console/flats/{flat.id}")}).status_code == 404

    resident = app.test_client()
    path = link.removeprefix("http://localhost")
    opened = resident.get(path)
    assert opened.status_code == 200
    signed_in = resident.post(path, data={"csrf_token": csrf_token(resident, path)}, follow_redirects=True)
    assert signed_in.status_code == 200 and "1栋1单元101" in signed_in.get_data(as_text=True)
