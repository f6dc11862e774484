"""bot.protocol against Tencent's own worked examples, and the reply rules (size, CDATA, encryption)."""
import json
from pathlib import Path

import pytest
import xmltodict
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto

from bot import protocol
from bot.protocol import Account, Refused

VECTORS = Path(__file__).parent.parent / "wechat_vectors" / "official"
GOLDEN = json.loads((VECTORS / "message_push_doc_golden.json").read_text())
SAMPLE = json.loads((VECTORS / "oa_wxbizmsgcrypt_python_sample.json").read_text())


def test_tencents_worked_example_decrypts_to_its_plaintext():
    case = GOLDEN["safe_mode_post"]
    account = Account(GOLDEN["token"], GOLDEN["appid"], GOLDEN["encoding_aes_key"])
    query = case["query"]
    plain = protocol._decrypt(account, case["body_json"]["Encrypt"], query["msg_signature"], query["timestamp"],
                              query["nonce"])
    assert plain.decode() == case["expected_plaintext"]


def test_tencents_python_sample_request_opens_as_their_message():
    account = Account(SAMPLE["token"], SAMPLE["appid"], SAMPLE["encoding_aes_key"])
    query = SAMPLE["decrypt_test"]["query"]
    body = (VECTORS / SAMPLE["decrypt_test"]["body_file"]).read_bytes()
    message = protocol.read_message(account, query, body, now=int(query["timestamp"]))
    expected = parse_message((VECTORS / SAMPLE["decrypt_test"]["expected_plaintext_file"]).read_text())
    assert (message.type, message.content, message.source, message.id) == (
        expected.type, expected.content, expected.source, expected.id)
    with pytest.raises(Refused) as refused:  # the same request a day later is outside the window
        protocol.read_message(account, query, body, now=int(query["timestamp"]) + 86400)
    assert refused.value.status == 403


def test_the_plain_signature_of_tencents_example_checks():
    case = GOLDEN["plaintext_mode_post"]["query"]
    protocol._check(protocol._signature(GOLDEN["token"], case["timestamp"], case["nonce"]), case["signature"])
    with pytest.raises(Refused):
        protocol._check(protocol._signature("other-token", case["timestamp"], case["nonce"]), case["signature"])


def _message(text="hi"):
    return parse_message("<xml><ToUserName>gh</ToUserName><FromUserName>o-1</FromUserName><CreateTime>1</CreateTime>"
                         f"<MsgType>text</MsgType><Content>{text}</Content><MsgId>5</MsgId></xml>")


def test_a_reply_containing_the_cdata_terminator_stays_valid_xml():
    body = protocol.render_reply(Account("t"), _message(), "a]]>b <c> & d", {})
    assert xmltodict.parse(body)["xml"]["Content"] == "a]]>b <c> & d"


def test_a_long_reply_is_cut_to_wechats_limit_and_says_so():
    body = protocol.render_reply(Account("t"), _message(), "很长的回复" * 500, {})
    content = xmltodict.parse(body)["xml"]["Content"]
    assert len(content.encode()) <= protocol.MAX_REPLY_BYTES
    assert content.endswith(protocol.TRUNCATED)


def test_in_safe_mode_the_reply_is_encrypted_and_signed_for_wechat():
    account = Account("spamtest", "wx2c2769f8efd9abc2", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")
    body = protocol.render_reply(account, _message(), "收到", {"encrypt_type": "aes", "nonce": "42", "timestamp": "1"})
    envelope = xmltodict.parse(body)["xml"]
    crypto = WeChatCrypto(account.token, account.aes_key, account.app_id)
    inner = crypto.decrypt_message(body, envelope["MsgSignature"], envelope["TimeStamp"], envelope["Nonce"])
    assert xmltodict.parse(inner)["xml"]["Content"] == "收到"


def test_no_reply_is_success():
    assert protocol.render_reply(Account("t"), _message(), "", {}) == "success"


def test_deliveries_are_keyed_by_msgid_or_by_sender_time_and_event():
    assert protocol.delivery_key(_message()) == "msg:5"
    event = parse_message("<xml><ToUserName>gh</ToUserName><FromUserName>o-1</FromUserName><CreateTime>9</CreateTime>"
                          "<MsgType>event</MsgType><Event>subscribe</Event></xml>")
    assert protocol.delivery_key(event) == "evt:o-1:9:subscribe:"
    click = parse_message("<xml><ToUserName>gh</ToUserName><FromUserName>o-1</FromUserName><CreateTime>9</CreateTime>"
                          "<MsgType>event</MsgType><Event>CLICK</Event><EventKey>VOTES</EventKey></xml>")
    assert protocol.delivery_key(click) == "evt:o-1:9:click:VOTES"  # two clicks in a second are two deliveries
