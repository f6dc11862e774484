"""/wechat as WeChat's servers use it: URL verification, plaintext and safe mode, every sample message type,
and every refusal (which stores nothing). Requests are signed and encrypted as WeChat does."""
import json
import threading
import time
from pathlib import Path

import pytest
import xmltodict
from sqlalchemy import func, select

from bot.wechat_side import signed_request, text_xml
from core.audit import AuditEntry
from core.db import db
from core.residents.models import Binding, InboundMessage
from core.votes.models import Ballot, BallotEntry
from tests import factories
from tests.wechat_helpers import PLAIN, SAFE, Phone, config_for

VECTORS = Path(__file__).parent.parent / "wechat_vectors"
GOLDEN = json.loads((VECTORS / "official" / "message_push_doc_golden.json").read_text())
SAMPLES = sorted((VECTORS / "wechatpy" / "xml").glob("*.xml"))

both_modes = pytest.mark.parametrize(("app", "account"), [(config_for(PLAIN), PLAIN), (config_for(SAFE), SAFE)],
                                     indirect=["app"], ids=["plaintext", "safe"])


def stored_counts():
    db.session.expire_all()
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (InboundMessage, Binding, BallotEntry, Ballot, AuditEntry)}


@pytest.fixture
def bound(app):
    """A bound resident in a 12-flat estate with one open vote."""
    estate = factories.estate(buildings=("1",), units=2, floors=3)
    vote = factories.vote(estate)
    owner = factories.flats_of(estate)[0].owners[0]
    db.session.add(Binding(openid="o-resident", owner=owner, method="code"))
    db.session.commit()
    return vote, owner


# --- URL verification (GET) -------------------------------------------------------------------

@pytest.mark.parametrize("app", [{"WECHAT_TOKEN": GOLDEN["token"]}], indirect=True)
def test_url_verification_echoes_echostr_for_tencents_worked_example(client):
    case = GOLDEN["url_verification_get"]
    answer = client.get("/wechat", query_string=case["query"])
    assert answer.status_code == 200
    assert answer.get_data(as_text=True) == case["expected_response_body"]


@pytest.mark.parametrize("app", [{"WECHAT_TOKEN": GOLDEN["token"]}], indirect=True)
def test_url_verification_with_a_bad_signature_gets_403_and_nothing_else(client):
    query = dict(GOLDEN["url_verification_get"]["query"], signature="0" * 40)
    answer = client.get("/wechat", query_string=query)
    assert answer.status_code == 403
    assert answer.get_data() == b""


def test_without_a_token_configured_there_is_no_endpoint(client):
    assert client.get("/wechat", query_string={"echostr": "x"}).status_code == 404


# --- every sample message and event, in both modes ----------------------------------------------

@both_modes
@pytest.mark.parametrize("sample", SAMPLES, ids=[s.stem for s in SAMPLES])
def test_every_wechatpy_sample_message_gets_a_valid_answer(client, account, sample):
    xml = sample.read_text(encoding="utf-8")
    phone = Phone(client, account, "")
    answer = phone.post(xml)
    assert answer.status_code == 200
    body = answer.get_data(as_text=True)
    if body != "success":
        text = phone.reply(answer)
        assert text and len(text.encode()) <= 2000
        sent = xmltodict.parse(xml)["xml"]
        reply = xmltodict.parse(body)["xml"]
        if "Encrypt" not in reply:  # addressed back to the sender
            assert reply["ToUserName"] == sent["FromUserName"] and reply["FromUserName"] == sent["ToUserName"]


@both_modes
def test_a_retried_delivery_acts_once_and_answers_the_same(client, account, bound):
    vote, owner = bound
    phone = Phone(client, account, "o-resident")
    replies = [phone.say("同意", msg_id=77001) for _ in range(3)]
    assert replies[0] == replies[1] == replies[2]
    assert "已记录：同意" in replies[0]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(BallotEntry).where(BallotEntry.vote_id == vote.id)) == 1
    assert db.session.scalar(select(func.count()).select_from(InboundMessage)) == 1


@both_modes
def test_the_same_delivery_arriving_three_times_at_once_votes_once(app, account, bound):
    vote, owner = bound
    db.session.commit()
    replies, errors = [], []

    def deliver():
        try:
            replies.append(Phone(app.test_client(), account, "o-resident").say("不同意", msg_id=88001))
        except Exception as error:  # noqa: BLE001 — reported below
            errors.append(error)

    threads = [threading.Thread(target=deliver) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors
    assert len(replies) == 3 and len(set(replies)) == 1 and "不同意" in replies[0]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(BallotEntry).where(BallotEntry.vote_id == vote.id)) == 1


# --- refusals: a clear status, a log line, nothing stored ---------------------------------------

def _refused(client, account, query, body, status, caplog):
    before = stored_counts()
    with caplog.at_level("WARNING", logger="yishi.wechat"):
        answer = client.post("/wechat", query_string=query, data=body, headers={"Content-Type": "text/xml"})
    assert answer.status_code == status
    assert answer.get_data() == b""
    assert stored_counts() == before
    assert any("refused" in record.getMessage() for record in caplog.records)


@both_modes
def test_a_bad_signature_is_refused(client, account, bound, caplog):
    query, body = signed_request(account, text_xml("o-resident", "同意"))
    key = "msg_signature" if account.safe_mode else "signature"
    query[key] = "f" * 40
    _refused(client, account, query, body, 403, caplog)


@both_modes
def test_a_timestamp_outside_the_window_is_refused(client, account, bound, caplog):
    old = str(int(time.time()) - 3600)
    query, body = signed_request(account, text_xml("o-resident", "同意"), timestamp=old)
    _refused(client, account, query, body, 403, caplog)


@pytest.mark.parametrize("app", [config_for(SAFE)], indirect=True)
def test_in_safe_mode_a_message_changed_after_signing_is_refused(client, bound, caplog):
    # (Plaintext mode signs only the timestamp and nonce, which is why the README says to use safe mode.)
    query, body = signed_request(SAFE, text_xml("o-resident", "同意"))
    tampered = body.replace(b"<Encrypt><![CDATA[", b"<Encrypt><![CDATA[AAAA")
    _refused(client, SAFE, query, tampered, 403, caplog)


@both_modes
@pytest.mark.parametrize("xml", [
    "<xml><ToUserName>x</ToUserName",                                     # cut off
    "not xml at all",
    "<xml><MsgType>text</MsgType></xml>",                                 # no sender
    "<other><MsgType>text</MsgType></other>",                             # no <xml> root
], ids=["truncated", "garbage", "no-sender", "wrong-root"])
def test_malformed_xml_is_refused(client, account, bound, caplog, xml):
    if account.safe_mode:  # the malformed text arrives inside a well-formed, correctly signed envelope
        query, body = _encrypted_raw(account, xml)
    else:
        query, body = signed_request(account, "<xml/>")
        body = xml.encode()
    _refused(client, account, query, body, 400, caplog)


def _encrypted_raw(account, plaintext: str):
    """A safe-mode envelope around any plaintext, even one that is not XML."""
    from wechatpy.crypto import PrpCrypto, WeChatCrypto

    from bot.wechat_side import _sha1

    timestamp, nonce = str(int(time.time())), "123456"
    crypto = WeChatCrypto(account.token, account.aes_key, account.app_id)
    encrypted = PrpCrypto(crypto.key).encrypt(plaintext, account.app_id).decode()
    query = {"signature": _sha1(account.token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce,
             "openid": "o-resident", "encrypt_type": "aes", "msg_signature": _sha1(account.token, timestamp, nonce, encrypted)}
    body = f"<xml><ToUserName><![CDATA[gh]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    return query, body.encode()


BILLION_LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
                  '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
                  '<xml><ToUserName>gh</ToUserName><FromUserName>o-resident</FromUserName><CreateTime>1</CreateTime>'
                  '<MsgType>text</MsgType><Content>&lol3;</Content><MsgId>1</MsgId></xml>')
XXE = ('<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
       '<xml><ToUserName>gh</ToUserName><FromUserName>o-resident</FromUserName><CreateTime>1</CreateTime>'
       '<MsgType>text</MsgType><Content>&xxe;</Content><MsgId>2</MsgId></xml>')


@both_modes
@pytest.mark.parametrize("xml", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "xxe"])
def test_xml_with_entity_tricks_is_refused(client, account, bound, caplog, xml):
    if account.safe_mode:
        query, body = _encrypted_raw(account, xml)
    else:
        query, body = signed_request(account, "<xml/>")
        body = xml.encode()
    _refused(client, account, query, body, 400, caplog)


@both_modes
def test_an_oversized_body_is_refused(client, account, bound, caplog):
    query, body = signed_request(account, text_xml("o-resident", "同意" * 20000))
    _refused(client, account, query, body, 400, caplog)


@pytest.mark.parametrize("app", [config_for(SAFE)], indirect=True)
def test_in_safe_mode_garbage_ciphertext_and_plaintext_messages_are_refused(client, bound, caplog):
    query, body = _encrypted_raw(SAFE, "<xml/>")
    envelope = xmltodict.parse(body)["xml"]
    garbage = "!!not-base64!!"
    from bot.wechat_side import _sha1

    query["msg_signature"] = _sha1(SAFE.token, query["timestamp"], query["nonce"], garbage)
    body = f"<xml><ToUserName>{envelope['ToUserName']}</ToUserName><Encrypt>{garbage}</Encrypt></xml>".encode()
    _refused(client, SAFE, query, body, 400, caplog)
    # A plaintext delivery while safe mode is configured is not from our WeChat setup.
    plain_query, plain_body = signed_request(PLAIN, text_xml("o-resident", "同意"))
    _refused(client, SAFE, plain_query, plain_body, 403, caplog)


@pytest.mark.parametrize("app", [config_for(SAFE, WECHAT_ENCODING_AES_KEY="A" * 43,
                                            WECHAT_PREVIOUS_AES_KEY=SAFE.aes_key)], indirect=True)
def test_during_a_key_rotation_messages_under_the_previous_key_still_open(client, bound):
    # WeChat still encrypts with the old key: the message opens; the reply goes out under the new key.
    query, body = signed_request(SAFE, text_xml("o-resident", "我的投票"))
    answer = client.post("/wechat", query_string=query, data=body)
    assert answer.status_code == 200
    from bot.protocol import Account
    from bot.wechat_side import reply_text

    assert "的投票" in reply_text(Account(SAFE.token, SAFE.app_id, "A" * 43), answer.get_data(as_text=True))


@pytest.mark.parametrize("app", [config_for(PLAIN, RATELIMIT_ENABLED=True, WECHAT_RATE_LIMIT="3 per minute")],
                         indirect=True)
def test_a_flood_from_one_wechat_user_is_limited_without_touching_others(client, bound):
    flood = Phone(client, PLAIN, "o-flood")
    answers = [flood.post(text_xml("o-flood", "帮助")).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    assert "的投票" in Phone(client, PLAIN, "o-resident").say("我的投票")


LATE_DOCTYPE = ('<?xml version="1.0"?><!--' + "x" * 5000 + '--><!DOCTYPE xml [<!ELEMENT xml ANY>]>'
                '<xml><ToUserName>gh</ToUserName><FromUserName>o-resident</FromUserName><CreateTime>1</CreateTime>'
                '<MsgType>text</MsgType><Content>帮助</Content><MsgId>3</MsgId></xml>')
UTF16_DOCTYPE = ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE xml [<!ELEMENT xml ANY>]>'
                 '<xml><ToUserName>gh</ToUserName><FromUserName>o-resident</FromUserName><CreateTime>1</CreateTime>'
                 '<MsgType>text</MsgType><Content>帮助</Content><MsgId>4</MsgId></xml>')


@pytest.mark.parametrize("app", [config_for(PLAIN)], indirect=True)
def test_a_doctype_anywhere_is_refused(client, bound, caplog):
    """README: XML with a DTD is refused. A DOCTYPE after the first 4 KB was accepted (the check read 4 KB)."""
    query, _ = signed_request(PLAIN, "<xml/>")
    _refused(client, PLAIN, query, LATE_DOCTYPE.encode(), 400, caplog)
    _refused(client, PLAIN, query, UTF16_DOCTYPE.encode("utf-16"), 400, caplog)


def test_the_parser_itself_refuses_a_doctype_the_byte_scan_cannot_see():
    from bot import protocol

    with pytest.raises(protocol.Refused):
        protocol._parse_xml(UTF16_DOCTYPE.encode("utf-16"))
    with pytest.raises(ValueError):
        protocol.xmltodict.parse(b'<!DOCTYPE x><xml/>', expat=protocol._NoDoctypeExpat)
