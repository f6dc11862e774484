"""The WeChat door under attack: replayed plaintext signatures, rate limits spent by unsigned requests,
signatures in access logs, menu clicks in the same second, and an unsubscribe delivered late."""
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.wechat_side import event_xml, signed_request, text_xml
from core.db import db
from core.residents.models import Binding, InboundMessage
from tests import factories
from tests.wechat_helpers import PLAIN, SAFE, Phone, config_for


@pytest.fixture
def owner(app):
    estate = factories.estate(name="幸福里", buildings=("3",), units=1, floors=2)
    factories.vote(estate)
    owner = factories.flats_of(estate)[0].owners[0]
    db.session.add(Binding(openid="o-resident", owner=owner, method="code"))
    db.session.commit()
    return owner


def count(model):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("app", [config_for(PLAIN)], indirect=True)
def test_a_plaintext_signature_replayed_with_another_message_is_refused(client, owner):
    """Plaintext mode signs only (token, timestamp, nonce): a leaked query string must not carry new XML."""
    query, body = signed_request(PLAIN, text_xml("o-resident", "帮助", 1001))
    first = client.post("/wechat", query_string=query, data=body)
    assert first.status_code == 200
    retry = client.post("/wechat", query_string=query, data=body)  # WeChat retrying: the first reply again
    assert retry.status_code == 200 and retry.data == first.data
    forged = text_xml("o-resident", "同意", 1002)  # the same signed query, a ballot the resident never sent
    refused = client.post("/wechat", query_string=query, data=forged.encode())
    assert refused.status_code == 403 and refused.data == b""
    # 帮助 changes nothing and is answered without a delivery record; its (timestamp, nonce) pair is kept.
    from core.residents.models import DeliveryNonce

    assert count(DeliveryNonce) == 1 and count(InboundMessage) == 0
    from core.votes.models import BallotEntry

    assert count(BallotEntry) == 0


@pytest.mark.parametrize("app", [config_for(PLAIN)], indirect=True)
def test_a_retry_with_a_new_pair_keeps_that_pair_from_carrying_another_message(client, owner):
    """A retried ballot comes with a fresh (timestamp, nonce); answered as a repeat, its work is rolled back,
    but its pair must stay remembered, or the leaked query string could carry 我的投票 (or a ballot) later."""
    ballot = text_xml("o-resident", "同意", 2001)
    query, body = signed_request(PLAIN, ballot, nonce="222")
    assert "已记录" in client.post("/wechat", query_string=query, data=body).get_data(as_text=True)
    retry_query, retry_body = signed_request(PLAIN, ballot, timestamp=query["timestamp"], nonce="333")
    assert "已记录" in client.post("/wechat", query_string=retry_query, data=retry_body).get_data(as_text=True)
    forged = text_xml("o-resident", "我的投票", 2002).encode()
    refused = client.post("/wechat", query_string=retry_query, data=forged)
    assert refused.status_code == 403 and refused.data == b""
    from core.votes.models import BallotEntry

    assert count(BallotEntry) == 1 and count(InboundMessage) == 1


@pytest.mark.parametrize("app", [config_for(PLAIN, RATELIMIT_ENABLED=True, WECHAT_RATE_LIMIT="3 per minute")],
                         indirect=True)
def test_unsigned_requests_do_not_use_up_a_residents_rate_limit(client, owner):
    """The limit was keyed on the unsigned ?openid= and ran before the signature check."""
    for _ in range(5):
        query, body = signed_request(PLAIN, text_xml("o-resident", "帮助"))
        query["signature"] = "0" * 40
        assert client.post("/wechat", query_string=query, data=body).status_code == 403
    phone = Phone(client, PLAIN, "o-resident")
    assert "投票" in phone.say("帮助")
    answers = [phone.post(text_xml("o-resident", "帮助")).status_code for _ in range(3)]
    assert answers == [200, 200, 429]  # the resident's own messages still count


def test_the_access_log_keeps_no_query_string_and_no_sign_in_token():
    from datetime import timedelta as delta
    from types import SimpleNamespace

    from gunicorn.config import Config

    from web.access_log import RedactingLogger

    logger = RedactingLogger(Config())
    environ = {"REQUEST_METHOD": "POST", "RAW_URI": "/wechat?signature=abc&timestamp=1&nonce=2",
               "PATH_INFO": "/wechat", "QUERY_STRING": "signature=abc&timestamp=1&nonce=2",
               "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "10.0.0.1",
               "HTTP_REFERER": "https://x.example/r/login/SECRET-TOKEN?code=CODE"}
    atoms = logger.atoms(SimpleNamespace(status="200 OK", headers=[], sent=7), SimpleNamespace(headers=[]),
                         environ, delta(seconds=0))
    line = logger.cfg.access_log_format % atoms
    assert "signature" not in line and "abc" not in line and "SECRET-TOKEN" not in line and "CODE" not in line
    assert "POST /wechat HTTP/1.1" in line
    environ.update(PATH_INFO="/r/login/SECRET-TOKEN", RAW_URI="/r/login/SECRET-TOKEN", QUERY_STRING="")
    atoms = logger.atoms(SimpleNamespace(status="200 OK", headers=[], sent=7), SimpleNamespace(headers=[]),
                         environ, delta(seconds=0))
    assert "SECRET-TOKEN" not in logger.cfg.access_log_format % atoms
    from pathlib import Path

    assert "--logger-class web.access_log.RedactingLogger" in (Path(__file__).parents[2] / "Makefile").read_text()


@pytest.mark.parametrize("app", [config_for(SAFE)], indirect=True)
def test_two_menu_clicks_in_the_same_second_each_get_their_reply(client, owner):
    phone = Phone(client, SAFE, "o-resident")
    at = int(time.time())
    votes = phone.reply(phone.post(event_xml("o-resident", "CLICK", "VOTES", at=at)))
    helps = phone.reply(phone.post(event_xml("o-resident", "CLICK", "HELP", at=at)))
    assert votes == phone.say("投票") and helps == phone.say("帮助") and votes != helps
    # (Both change nothing, so neither is recorded: the delivery key with the EventKey is in test_wechat_protocol.)


@pytest.mark.parametrize("app", [config_for(SAFE)], indirect=True)
def test_a_late_unsubscribe_from_before_the_binding_does_not_end_it(client, owner):
    binding = db.session.scalar(select(Binding))
    binding.bound_at = binding.bound_at - timedelta(seconds=5)
    db.session.commit()
    phone = Phone(client, SAFE, "o-resident")
    sent = int(binding.bound_at.timestamp()) - 60  # the resident unfollowed a minute before binding again
    phone.post(event_xml("o-resident", "unsubscribe", at=sent))
    db.session.expire_all()
    assert db.session.scalar(select(Binding)).ended_at is None
    phone.post(event_xml("o-resident", "unsubscribe"))  # a real one, now
    db.session.expire_all()
    assert db.session.scalar(select(Binding)).end_reason == "unsubscribed"


@pytest.mark.parametrize("app", [config_for(PLAIN)], indirect=True)
def test_the_replay_guard_works_the_same_in_redis(client, owner, redis_url):
    """With REDIS_URL every worker shares the pairs there (the database table stays empty)."""
    from core.residents.deliveries import first_use
    from core.residents.models import DeliveryNonce

    assert first_use(1700000000, "123", "msg:1", 300, redis_url)
    assert first_use(1700000000, "123", "msg:1", 300, redis_url)  # WeChat retrying
    assert not first_use(1700000000, "123", "msg:2", 300, redis_url)  # another message under the same pair
    assert first_use(1700000000, "124", "msg:2", 300, redis_url)
    assert count(DeliveryNonce) == 0


from tests.integration.test_wechat_pushes import redis_url  # noqa: E402,F401  (the fixture)
