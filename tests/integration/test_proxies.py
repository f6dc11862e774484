"""Issue 13.7 (委托投票): a worker records a signed proxy in the console; the proxy — a co-owner — then
casts the flat's ballot in the chat; the roll says who cast it; a revoked proxy votes no more."""
import io
from datetime import datetime, timedelta

import openpyxl
import pytest
from sqlalchemy import func, select

from core.audit import AuditEntry
from core.db import SHANGHAI, db
from core.register.models import Owner
from core.votes.models import Ballot, BallotEntry, Proxy
from tests import factories
from tests.conftest import csrf_token, login
from tests.wechat_helpers import SAFE, Phone, config_for

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64

pytestmark = pytest.mark.parametrize("app", [config_for(SAFE, PUBLIC_BASE_URL="https://yishi.example.cn")],
                                     indirect=True)


def world():
    from core.residents.bindings import issue_code

    estate = factories.estate(name="幸福里", buildings=("1",), units=1, floors=1)
    worker = factories.user("worker", community_=estate.community)
    vote = factories.vote(estate)
    flat = factories.flats_of(estate)[0]
    son = Owner(name="张小明", phone="13900000001", id_last4="", is_representative=False)
    flat.owners.append(son)
    db.session.flush()
    code = issue_code(son, None)
    db.session.commit()
    return estate, worker, vote, flat, son, code


def test_a_proxy_recorded_in_the_console_votes_in_the_chat_until_revoked(app, client):
    estate, worker, vote, flat, son, code = world()
    phone = Phone(client, SAFE, "o-son")
    assert "绑定成功" in phone.say(f"绑定 {code}")
    assert "一套房屋只投一票" in phone.say("同意")  # no proxy yet

    login(client, worker.username)
    url = f"/console/flats/{flat.id}"
    response = client.post(f"{url}/proxies", follow_redirects=True, data={
        "csrf_token": csrf_token(client, url), "proxy_name": "张小明", "proxy_phone": "13900000001",
        "scope": str(vote.id), "scan": (io.BytesIO(PNG), "委托书.png")}, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert "委托已登记" in page and "共有人，可网上投票" in page
    proxy = db.session.scalar(select(Proxy))
    assert proxy.proxy_owner_id == son.id and proxy.scan == PNG and proxy.entered_by_id == worker.id
    assert client.get(f"/console/proxies/{proxy.id}/scan").data == PNG

    from core.residents.links import issue_link

    token = issue_link(son)
    db.session.commit()
    resident = app.test_client()
    resident.post(f"/r/login/{token}", data={"csrf_token": csrf_token(resident, f"/r/login/{token}")})
    page = resident.get(f"/r/votes/{vote.id}").get_data(as_text=True)
    assert "您受业主代表委托" in page and 'name="choice"' in page

    reply = phone.say("同意")
    assert "已记录：同意" in reply
    db.session.expire_all()
    entry = db.session.scalar(select(BallotEntry))
    assert (entry.flat_id, entry.owner_id, entry.channel) == (flat.id, son.id, "wechat")
    assert db.session.scalar(select(Ballot.choice).where(Ballot.flat_id == flat.id)) == "agree"
    roll = list(openpyxl.load_workbook(io.BytesIO(client.get(
        f"/console/votes/{vote.id}/roll.xlsx?full=1").data)).active.iter_rows(values_only=True))
    assert roll[1][6] == "张小明（受托人）"

    # Revoked: the proxy may vote no more; the ballot cast stays the flat's until the representative changes it.
    client.post(f"/console/proxies/{proxy.id}/revoke", data={"csrf_token": csrf_token(client, url), "reason": "业主收回"})
    db.session.expire_all()
    assert db.session.get(Proxy, proxy.id).revoked_at is not None
    assert "一套房屋只投一票" in phone.say("不同意")
    assert db.session.scalar(select(func.count()).select_from(BallotEntry)) == 1
    actions = set(db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("proxy.%"))))
    assert actions == {"proxy.record", "proxy.revoke", "proxy.scan_view"}


def test_a_proxy_for_all_votes_until_a_date_and_refusals_that_store_nothing(app, client):
    estate, worker, vote, flat, son, code = world()
    login(client, worker.username)
    url = f"/console/flats/{flat.id}"
    tomorrow = (datetime.now(SHANGHAI) + timedelta(days=1)).date().isoformat()
    cases = [
        ({"proxy_name": "", "scope": str(vote.id)}, "请填写受托人姓名"),
        ({"proxy_name": "张小明", "proxy_phone": "call me", "scope": str(vote.id)}, "不像电话号码"),
        ({"proxy_name": "张小明", "scope": "until", "valid_until": ""}, "请填写委托截止日期"),
        ({"proxy_name": "张小明", "scope": "until", "valid_until": "2000-01-01"}, "须在今天之后"),
        ({"proxy_name": flat.representative.name, "scope": str(vote.id)}, "不需要委托"),
    ]
    for form, words in cases:
        response = client.post(f"{url}/proxies", data={"csrf_token": csrf_token(client, url), **form})
        page = response.get_data(as_text=True)
        assert response.status_code == 422 and words in page, words
        if form["proxy_name"]:
            assert f'value="{form["proxy_name"]}"' in page  # what was typed stays
    bad_scan = client.post(f"{url}/proxies", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(client, url), "proxy_name": "张小明", "scope": str(vote.id),
        "scan": (io.BytesIO(b"not an image"), "a.txt")})
    assert "JPG、PNG 或 PDF" in bad_scan.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Proxy)) == 0

    done = client.post(f"{url}/proxies", follow_redirects=True, data={
        "csrf_token": csrf_token(client, url), "proxy_name": "张小明", "scope": "until", "valid_until": tomorrow})
    assert "委托已登记" in done.get_data(as_text=True)
    phone = Phone(client, SAFE, "o-son")
    assert "绑定成功" in phone.say(f"绑定 {code}")
    assert "已记录：弃权" in phone.say("弃权")
    # The register keeps a principal and a proxy: an import may not drop them.
    from core.votes.ballots import owner_has_voted

    assert owner_has_voted(flat.representative) and owner_has_voted(son)


def record_by_form(client, flat, name, phone, scope):
    url = f"/console/flats/{flat.id}"
    response = client.post(f"{url}/proxies", follow_redirects=True, data={
        "csrf_token": csrf_token(client, url), "proxy_name": name, "proxy_phone": phone, "scope": scope})
    assert "委托已登记" in response.get_data(as_text=True)
    return db.session.scalar(select(Proxy).where(Proxy.flat_id == flat.id).order_by(Proxy.id.desc()))


def code_by_form(client, flat, proxy) -> str:
    url = f"/console/flats/{flat.id}"
    page = client.post(f"/console/proxies/{proxy.id}/code",
                       data={"csrf_token": csrf_token(client, url)}).get_data(as_text=True)
    assert "只能用一次" in page
    return page.split('id="binding-code">')[1].split("<")[0]


def test_a_child_living_elsewhere_binds_to_the_proxy_and_votes_for_the_parents_flat(app, client):
    """Not on the register at all: the worker records the proxy and hands over a code; the child binds in
    the chat, votes, and the roll and the log name the proxy; once revoked, the chat refuses."""
    estate, worker, vote, flat, son, _ = world()
    login(client, worker.username)
    proxy = record_by_form(client, flat, "李小红", "13700000002", str(vote.id))
    assert proxy.proxy_owner_id is None
    page = client.get(f"/console/flats/{flat.id}").get_data(as_text=True)
    assert "未绑定" in page and "发绑定码" in page
    code = code_by_form(client, flat, proxy)

    daughter = Phone(client, SAFE, "o-daughter")
    assert "绑定" in daughter.say("同意")  # not bound yet: told how to bind, nothing stored
    assert db.session.scalar(select(func.count()).select_from(BallotEntry)) == 0
    reply = daughter.say(f"绑定 {code}")
    assert "受托人" in reply and flat.label in reply
    assert "绑定码不对" in Phone(client, SAFE, "o-other").say(f"绑定 {code}")  # one use only

    assert vote.matter in daughter.say("投票")
    from core.residents.models import Push
    from core.votes.reminders import remind_due_votes

    remind_due_votes(timedelta(days=2))  # the proxy is reminded of the vote they may cast, as owners are
    db.session.commit()
    assert db.session.scalar(select(Push.kind).where(Push.openid == "o-daughter")) == "vote_reminder"
    reply = daughter.say("同意")
    assert "已记录：同意" in reply and "受托投票" in reply
    db.session.expire_all()
    entry = db.session.scalar(select(BallotEntry))
    assert (entry.flat_id, entry.owner_id, entry.proxy_id, entry.channel) == (flat.id, None, proxy.id, "wechat")
    assert db.session.scalar(select(Ballot.choice).where(Ballot.flat_id == flat.id)) == "agree"
    assert "同意" in daughter.say("我的投票") and entry.receipt in daughter.say("我的投票")
    factories.vote(estate, unit=estate.buildings[0].units[0])  # another vote of the flat, outside the proxy
    db.session.commit()
    assert "加装电梯" not in daughter.say("我的投票")  # a proxy for one vote is shown that vote
    assert "报修" in daughter.say("报修 楼道灯不亮") and "业主本人" in daughter.say("报修 楼道灯不亮")
    roll = list(openpyxl.load_workbook(io.BytesIO(client.get(
        f"/console/votes/{vote.id}/roll.xlsx?full=1").data)).active.iter_rows(values_only=True))
    assert roll[1][6] == "李小红（受托人）"
    assert "已绑定" in client.get(f"/console/flats/{flat.id}").get_data(as_text=True)

    # Revoked: the chat refuses and stores nothing; the ballot cast stays the flat's.
    client.post(f"/console/proxies/{proxy.id}/revoke",
                data={"csrf_token": csrf_token(client, f"/console/flats/{flat.id}"), "reason": "业主收回"})
    told = daughter.say("不同意")
    assert "委托已撤销" in told and flat.label in told
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(BallotEntry)) == 1
    assert db.session.scalar(select(Ballot.choice).where(Ballot.flat_id == flat.id)) == "agree"

    # One live proxy a flat: a second, while the first stands, would overwrite its ballots unseen.
    second = record_by_form(client, flat, "李小红", "13700000002", str(vote.id))
    url = f"/console/flats/{flat.id}"
    third = client.post(f"{url}/proxies", data={"csrf_token": csrf_token(client, url), "proxy_name": "王五",
                                                "scope": str(vote.id)})
    assert third.status_code == 422 and "本户已有有效的委托" in third.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Proxy).where(Proxy.flat_id == flat.id)) == 2
    assert second.revoked_at is None


def test_a_neighbour_holding_a_proxy_sees_and_votes_for_both_flats(app, client):
    estate = factories.estate(name="和平里", buildings=("1",), units=1, floors=1)
    worker = factories.user("worker", community_=estate.community)
    vote = factories.vote(estate)
    mine, theirs = factories.flats_of(estate)
    from core.residents.bindings import issue_code

    own_code = issue_code(mine.representative, None)
    db.session.commit()
    login(client, worker.username)
    tomorrow = (datetime.now(SHANGHAI) + timedelta(days=2)).date().isoformat()
    url = f"/console/flats/{theirs.id}"
    client.post(f"{url}/proxies", data={"csrf_token": csrf_token(client, url), "proxy_name": mine.representative.name,
                                        "proxy_phone": "13800000000", "scope": "until", "valid_until": tomorrow})
    proxy = db.session.scalar(select(Proxy).where(Proxy.flat_id == theirs.id))
    assert proxy is not None and proxy.proxy_owner_id is None  # an owner, but of another flat
    code = code_by_form(client, theirs, proxy)

    neighbour = Phone(client, SAFE, "o-neighbour")
    assert "绑定成功" in neighbour.say(f"绑定 {own_code}")
    assert "受托人" in neighbour.say(f"绑定 {code}")  # already bound as an owner: the proxy is added
    listing = neighbour.say("投票")
    assert mine.label in listing and theirs.label in listing and "同意 1" in listing

    asked = neighbour.say("同意")
    assert "回复数字" in asked
    assert db.session.scalar(select(func.count()).select_from(BallotEntry)) == 0
    assert "受托投票" in neighbour.say("2")
    first = neighbour.say("不同意 1")
    assert "已记录：不同意" in first and "原来是" not in first
    assert "（原来是：不同意）" in neighbour.say("弃权 1") and "（原来是：弃权）" in neighbour.say("不同意 1")
    db.session.expire_all()
    choices = dict(db.session.execute(select(Ballot.flat_id, Ballot.choice)).all())
    assert choices == {mine.id: "disagree", theirs.id: "agree"}
    mine_said = neighbour.say("我的投票")
    assert mine.label in mine_said and theirs.label in mine_said

    assert "确定要解除" in neighbour.say("解绑")
    assert "已解除" in neighbour.say("是")
    db.session.expire_all()
    assert db.session.get(Proxy, proxy.id).openid is None and db.session.get(Proxy, proxy.id).revoked_at is None


def test_a_sold_flat_ends_its_proxy_and_a_wrong_code_from_a_bound_owner_counts(app, client):
    from core.residents.models import BindingAttempt
    from core.votes import proxies

    estate, worker, vote, flat, son, code = world()
    proxy = proxies.record(worker, flat, "李小红", vote=vote)
    proxy_code = proxies.issue_code(proxy, worker)
    db.session.commit()
    phone = Phone(client, SAFE, "o-son")
    assert "绑定成功" in phone.say(f"绑定 {code}")
    assert "绑定码不对" in phone.say("绑定 00000000")  # a guess by a bound owner is counted
    assert db.session.scalar(select(func.count()).select_from(BindingAttempt)) == 1

    daughter = Phone(client, SAFE, "o-daughter")
    assert "受托人" in daughter.say(f"绑定 {proxy_code}")
    login(client, worker.username)  # 过户 in the console: the principal is no longer an owner
    url = f"/console/flats/{flat.id}"
    sold = client.post(f"{url}/transfer", follow_redirects=True, data={
        "csrf_token": csrf_token(client, url), "confirm": "1", "name": "王新", "phone": "13600000003",
        "id_last4": "4321"})
    assert "已过户" in sold.get_data(as_text=True)
    told = daughter.say("同意")  # the proxy speaks for nobody now, and is told why
    assert "委托人已不是本户业主代表" in told
    assert db.session.scalar(select(func.count()).select_from(BallotEntry)) == 0
    page = client.get(url).get_data(as_text=True)
    assert "已失效（委托人已不是本户业主代表）" in page and f"/console/proxies/{proxy.id}/code" not in page
    refused = client.post(f"/console/proxies/{proxy.id}/code", data={"csrf_token": csrf_token(client, url)},
                          follow_redirects=True)
    assert "不能再发绑定码" in refused.get_data(as_text=True)
