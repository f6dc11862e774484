"""Issue 13.3: only a flat's voting representative casts its ballot online; other co-owners read, are told
why in plain Chinese, and nothing is stored. The roll shows who actually cast each ballot."""
import io
import re

import openpyxl
import pytest
from sqlalchemy import func, select

from core.db import db
from core.register.models import Owner
from core.residents.links import issue_link
from core.votes.models import BallotEntry
from tests import factories
from tests.conftest import csrf_token, login
from tests.wechat_helpers import SAFE, Phone, config_for


def flat_with_co_owner(estate):
    flat = factories.flats_of(estate)[0]
    co = Owner(name="李秀英", phone="13900000009", id_last4="0009", is_representative=False)
    flat.owners.append(co)
    db.session.flush()
    return flat, flat.representative, co


def sign_in(client, owner):
    token = issue_link(owner)
    db.session.commit()
    client.post(f"/r/login/{token}", data={"csrf_token": csrf_token(client, f"/r/login/{token}")})


def test_a_co_owner_reads_the_vote_page_but_cannot_vote_and_nothing_is_stored(app, client):
    estate = factories.estate(buildings=("1",), units=1, floors=1)
    vote = factories.vote(estate)
    flat, rep, co = flat_with_co_owner(estate)
    worker = factories.user("worker", community_=estate.community)
    sign_in(client, co)
    page = client.get(f"/r/votes/{vote.id}").get_data(as_text=True)
    assert "老旧小区改造" in page and "表决票由业主代表" in page and 'name="choice"' not in page
    key = "k" * 32
    refused = client.post(f"/r/votes/{vote.id}/ballot", follow_redirects=True, data={
        "csrf_token": csrf_token(client, f"/r/votes/{vote.id}"), "choice": "disagree", "key": key})
    assert "一套房屋只投一票" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(BallotEntry)) == 0

    client.post("/r/logout")
    sign_in(client, rep)
    page = client.get(f"/r/votes/{vote.id}").get_data(as_text=True)
    key = re.search(r'name="key" value="([0-9a-f]+)"', page).group(1)
    done = client.post(f"/r/votes/{vote.id}/ballot", follow_redirects=True, data={
        "csrf_token": csrf_token(client, f"/r/votes/{vote.id}"), "choice": "agree", "key": key})
    assert "已记录您的意见：同意" in done.get_data(as_text=True)

    # The full roll names who cast it: the representative, by name.
    login(client, worker.username)
    roll = list(openpyxl.load_workbook(io.BytesIO(client.get(
        f"/console/votes/{vote.id}/roll.xlsx?full=1").data)).active.iter_rows(values_only=True))
    assert roll[0][6] == "投票人" and roll[1][5] == "同意" and roll[1][6] == rep.name


@pytest.mark.parametrize("app", [config_for(SAFE, PUBLIC_BASE_URL="https://yishi.example.cn")], indirect=True)
def test_a_co_owner_in_the_chat_is_told_why_and_nothing_is_stored(app, client):
    from core.residents.bindings import issue_code

    estate = factories.estate(name="幸福里", buildings=("1",), units=1, floors=1)
    vote = factories.vote(estate)
    flat, rep, co = flat_with_co_owner(estate)
    code = issue_code(co, None)
    db.session.commit()
    phone = Phone(client, SAFE, "o-li")
    assert "绑定成功" in phone.say(f"绑定 {code}")
    assert "表决票由业主代表" in phone.say("投票")
    reply = phone.say("不同意")
    assert "一套房屋只投一票" in reply and "查看" in reply
    assert db.session.scalar(select(func.count()).select_from(BallotEntry)) == 0
    assert "还差同意" in phone.say("进度")  # reading still works
    assert vote.status == "open"
