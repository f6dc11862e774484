"""The front page: what Yishi is and where to sign in; the demo's logins only in the demo."""
import re

import pytest

from core.db import db
from core.demo import seed
from core.residents.models import SignInLink
from sqlalchemy import func, select


def test_the_front_page_names_both_doors_and_no_demo_outside_the_demo(client):
    page = client.get("/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "老旧小区改造" in text and "登录工作台" in text and "微信公众号" in text
    assert 'href="/login"' in text
    assert "demo-worker-2026" not in text and "/dev/wechat" not in text
    assert client.post("/demo/resident").status_code in (400, 404)  # no demo door outside the demo


@pytest.mark.parametrize("app", [{"WECHAT_SIMULATOR": True}], indirect=True)
def test_the_demo_front_page_lists_the_logins_and_signs_in_the_demo_resident(app, client):
    seed()
    db.session.commit()
    text = client.get("/").get_data(as_text=True)
    assert "demo-worker-2026" in text and "demo-street-2026" in text and 'href="/dev/wechat/"' in text
    token = re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)
    answer = client.post("/demo/resident", data={"csrf_token": token})
    assert answer.status_code == 302 and "/r/login/" in answer.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(SignInLink)) == 1
    signin = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "进入" in signin


def test_a_signed_in_worker_is_offered_the_console_not_the_login(client):
    from tests import factories
    from tests.conftest import login

    factories.user("worker", factories.community(), username="li")
    db.session.commit()
    login(client, "li")
    text = client.get("/").get_data(as_text=True)
    assert "进入工作台</a>" in text and 'href="/console/"' in text and "登录工作台</a>" not in text
