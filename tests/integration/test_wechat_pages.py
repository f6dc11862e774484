"""The pages around the chat: WeChat OAuth sign-in, the workers' binding console, and the simulator."""
from datetime import datetime, timedelta, timezone
import re
from urllib.parse import parse_qs, urlparse

import openpyxl
import pytest
from sqlalchemy import func, select

from core.audit import AuditEntry
from core.db import db
from core.residents.models import Binding, BindingCode, InboundMessage
from tests import factories
from tests.conftest import csrf_token, login, make_app

WECHAT_UA = {"User-Agent": "Mozilla/5.0 (iPhone) AppleWebKit MicroMessenger/8.0.50 NetType/WIFI"}


@pytest.fixture
def resident(app, api):
    app.config.update(WECHAT_APP_ID="wx1234567890abcdef", WECHAT_APP_SECRET="secret", WECHAT_API_BASE_URL=api.base_url)
    estate = factories.estate(buildings=("1",), units=1, floors=2)
    vote = factories.vote(estate)
    owner = factories.flats_of(estate)[0].owners[0]
    binding = Binding(openid="o-oauth", owner=owner, method="code")
    db.session.add(binding)
    db.session.commit()
    return owner, vote, binding


def oauth_round(client, api, path, answer, state=None):
    """Open a page in WeChat's browser, follow it to WeChat's consent URL, and come back with a code."""
    first = client.get(path, headers=WECHAT_UA)
    assert first.status_code == 302 and "/r/wechat/signin" in first.location
    to_wechat = client.get(first.location, headers=WECHAT_UA)
    target = urlparse(to_wechat.location)
    assert target.netloc == "open.weixin.qq.com"
    query = parse_qs(target.query)
    assert query["scope"] == ["snsapi_base"] and query["appid"] == ["wx1234567890abcdef"]
    if "errcode" not in answer:  # the rest of what WeChat answers for snsapi_base
        answer = {"access_token": "ACCESS", "expires_in": 7200, "refresh_token": "REFRESH", "scope": "snsapi_base",
                  **answer}
    api.oauth_codes["CODE1"] = answer
    return client.get("/r/wechat/callback", query_string={"code": "CODE1", "state": state or query["state"][0]},
                      headers=WECHAT_UA)


def test_inside_wechat_a_bound_resident_is_signed_in_silently(client, api, resident):
    owner, vote, _ = resident
    back = oauth_round(client, api, f"/r/votes/{vote.id}", {"openid": "o-oauth"})
    assert back.status_code == 302 and back.location.endswith(f"/r/votes/{vote.id}")
    page = client.get(f"/r/votes/{vote.id}", headers=WECHAT_UA)
    assert page.status_code == 200 and vote.matter in page.get_data(as_text=True)
    exchange = api.calls_to("/sns/oauth2/access_token")[0]["query"]
    assert exchange["code"] == "CODE1" and exchange["grant_type"] == "authorization_code"


def test_a_forged_state_is_refused(client, api, resident):
    back = oauth_round(client, api, "/r/", {"openid": "o-oauth"}, state="forged")
    assert back.status_code == 403
    assert client.get("/r/").status_code == 401


def test_a_snapshot_user_or_an_unbound_openid_is_not_signed_in(client, api, resident):
    snapshot = oauth_round(client, api, "/r/", {"openid": "o-oauth", "is_snapshotuser": 1})
    assert snapshot.status_code == 403 and "使用完整服务" in snapshot.get_data(as_text=True)
    stranger = oauth_round(client, api, "/r/", {"openid": "o-stranger"})
    assert stranger.status_code == 403 and "还没有绑定" in stranger.get_data(as_text=True)


def test_a_used_code_is_refused(client, api, resident):
    back = oauth_round(client, api, "/r/", {"errcode": 40163, "errmsg": "code been used"})
    assert back.status_code == 403


def test_revoking_a_binding_ends_the_wechat_session(client, api, resident):
    owner, vote, binding = resident
    oauth_round(client, api, "/r/", {"openid": "o-oauth"})
    assert client.get("/r/").status_code == 200
    from core.residents.bindings import revoke

    revoke(db.session.get(Binding, binding.id), None)
    db.session.commit()
    assert client.get("/r/").status_code == 401


def test_outside_wechat_the_page_says_how_to_get_a_link(client, resident):
    page = client.get("/r/")
    assert page.status_code == 401 and "发送“网页”" in page.get_data(as_text=True)


# --- the workers' binding console -----------------------------------------------------------------

@pytest.fixture
def estate_and_worker(app):
    community = factories.community()
    estate = factories.estate(community, buildings=("1",), units=1, floors=2)
    worker = factories.user("worker", community)
    db.session.commit()
    return estate, worker


@pytest.fixture
def bound_owner(estate_and_worker):
    """The estate's first owner, bound to WeChat by the register."""
    estate, _ = estate_and_worker
    binding = Binding(openid="o-x", owner=factories.flats_of(estate)[0].owners[0], method="register")
    db.session.add(binding)
    db.session.commit()
    return binding


def test_a_worker_issues_a_code_that_the_resident_then_binds_with(client, estate_and_worker):
    estate, worker = estate_and_worker
    owner = factories.flats_of(estate)[0].owners[0]
    login(client, worker.username)
    url = f"/console/estates/{estate.id}/bindings"
    token = csrf_token(client, url)
    page = client.post(f"/console/estates/{estate.id}/owners/{owner.id}/binding-code", data={"csrf_token": token})
    code = re.search(r'id="binding-code">(\d{8})<', page.get_data(as_text=True)).group(1)
    from core.residents.bindings import bind_with_code

    bind_with_code("o-new", code)
    db.session.commit()
    listing = client.get(url).get_data(as_text=True)
    assert 'id="bound-count">1<' in listing and "已绑定（绑定码" in listing


def test_a_worker_revokes_a_binding(client, estate_and_worker, bound_owner):
    estate, worker = estate_and_worker
    binding = bound_owner
    login(client, worker.username)
    url = f"/console/estates/{estate.id}/bindings"
    answer = client.post(f"/console/estates/{estate.id}/bindings/{binding.id}/revoke",
                         data={"csrf_token": csrf_token(client, url)})
    assert answer.status_code == 302
    db.session.expire_all()
    row = db.session.get(Binding, binding.id)
    assert row.end_reason == "revoked" and row.ended_by_id == worker.id
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "binding.revoked")) == 1


def test_the_door_to_door_sheet_has_a_code_for_every_unbound_owner(client, estate_and_worker, bound_owner):
    estate, worker = estate_and_worker
    flats = factories.flats_of(estate)
    login(client, worker.username)
    url = f"/console/estates/{estate.id}/bindings"
    answer = client.post(f"/console/estates/{estate.id}/binding-codes.xlsx", data={"csrf_token": csrf_token(client, url)})
    import io

    rows = list(openpyxl.load_workbook(io.BytesIO(answer.data)).active.iter_rows(values_only=True))
    assert rows[0][:5] == ("楼栋", "单元", "户号", "业主", "绑定码")
    assert len(rows) - 1 == len(flats) - 1  # everyone but the bound owner
    assert all(re.fullmatch(r"\d{8}", r[4]) for r in rows[1:])
    assert db.session.scalar(select(func.count()).select_from(BindingCode)) == len(flats) - 1


def test_another_communitys_worker_cannot_see_or_revoke_bindings(client, estate_and_worker, bound_owner):
    estate, _ = estate_and_worker
    binding = bound_owner
    stranger = factories.user("worker", factories.community())
    db.session.commit()
    login(client, stranger.username)
    assert client.get(f"/console/estates/{estate.id}/bindings").status_code == 404
    token = csrf_token(client, "/console/")
    assert client.post(f"/console/estates/{estate.id}/bindings/{binding.id}/revoke",
                       data={"csrf_token": token}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Binding, binding.id).ended_at is None


# --- the simulator --------------------------------------------------------------------------------

def test_the_simulator_is_off_by_default(client):
    assert client.get("/dev/wechat/").status_code == 404


def test_the_simulator_refuses_to_start_with_a_real_secret(monkeypatch, database_url):
    monkeypatch.setenv("WECHAT_SIMULATOR", "1")
    monkeypatch.setenv("WECHAT_APP_SECRET", "a-real-secret")
    with pytest.raises(RuntimeError, match="WECHAT_SIMULATOR"):
        make_app(database_url)


def test_a_newcomer_binds_and_votes_through_the_simulator(monkeypatch, database_url, tmp_path):
    monkeypatch.setenv("WECHAT_SIMULATOR", "1")
    monkeypatch.setenv("YISHI_INSTANCE_PATH", str(tmp_path))
    app = make_app(database_url)
    with app.app_context():
        from core.demo import seed

        seed()
        db.session.commit()
        try:
            client = app.test_client()
            page = client.get("/dev/wechat/").get_data(as_text=True)
            token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
            openid, bind = re.search(r'<option value="([^"]+)" data-bind="([^"]+)"', page).groups()

            def send(**payload):
                answer = client.post("/dev/wechat/send", json=dict(payload, openid=openid),
                                     headers={"X-CSRFToken": token})
                assert answer.status_code == 200
                data = answer.get_json()
                assert data["status"] == 200 and data["safe_mode"] is True
                return data["reply"]

            stranger = client.post("/dev/wechat/send", json={"openid": "o-real-user", "text": "同意"},
                                   headers={"X-CSRFToken": token})
            assert stranger.status_code == 400 and "请选择一位模拟居民" in stranger.get_json()["error"]
            assert db.session.scalar(select(func.count()).select_from(InboundMessage)) == 0
            assert "欢迎关注" in send(event="subscribe")
            assert "绑定成功" in send(text=bind)
            assert "已记录：同意《1栋2单元加装电梯》" in send(text="同意")
            assert "回执码" in send(event="CLICK", key="MY_BALLOTS")

            # Someone on no register, playing the simulator's guest, votes for a neighbour by proxy.
            from core.accounts import Role, User
            from core.demo import simulator_residents
            from core.votes import proxies

            assert 'value="sim-guest"' in page
            neighbour = simulator_residents()[1]
            worker = db.session.scalar(select(User).where(
                User.role == Role.WORKER, User.community_id == neighbour.flat.unit.building.estate.community_id))
            proxy = proxies.record(worker, neighbour.flat, "赵外地", valid_until=datetime.now(timezone.utc)
                                   + timedelta(days=3))
            code = proxies.issue_code(proxy, worker)
            db.session.commit()
            openid = "sim-guest"
            assert "受托人" in send(text=f"绑定 {code}")
            assert "受托投票" in send(text="同意")
        finally:
            db.session.remove()
            from tests.conftest import _empty_tables

            _empty_tables()


def test_revoking_a_binding_that_does_not_exist_is_404(client, estate_and_worker):
    estate, worker = estate_and_worker
    login(client, worker.username)
    token = csrf_token(client, f"/console/estates/{estate.id}/bindings")
    assert client.post(f"/console/estates/{estate.id}/bindings/999/revoke", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/console/estates/{estate.id}/owners/999/binding-code",
                       data={"csrf_token": token}).status_code == 404


def test_binding_changes_without_a_csrf_token_are_refused(client, estate_and_worker, bound_owner):
    estate, worker = estate_and_worker
    binding, owner = bound_owner, bound_owner.owner
    login(client, worker.username)
    assert client.post(f"/console/estates/{estate.id}/bindings/{binding.id}/revoke").status_code == 400
    assert client.post(f"/console/estates/{estate.id}/owners/{owner.id}/binding-code").status_code == 400
    db.session.expire_all()
    assert db.session.get(Binding, binding.id).ended_at is None
    assert db.session.scalar(select(func.count()).select_from(BindingCode)) == 0
