"""WeChat's side of the protocol: messages signed (and encrypted) as WeChat's servers send them.

Used by the simulator page and by the tests; wechatpy's crypto plays WeChat's part, so what arrives
at /wechat is exactly what a real delivery looks like.
"""
import hashlib
import secrets
import time
from xml.sax.saxutils import escape

import xmltodict
from wechatpy.crypto import WeChatCrypto

from bot.protocol import Account


def _sha1(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def text_xml(openid: str, text: str, msg_id: int | None = None, to: str = "gh_yishi", at: int | None = None) -> str:
    return ("<xml><ToUserName><![CDATA[{to}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
            "<CreateTime>{at}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content>{text}</Content>"
            "<MsgId>{msg_id}</MsgId></xml>").format(
        to=to, openid=openid, at=at or int(time.time()), text=escape(text),
        msg_id=msg_id or secrets.randbelow(10 ** 18))


def event_xml(openid: str, event: str, key: str = "", to: str = "gh_yishi", at: int | None = None) -> str:
    key_part = f"<EventKey><![CDATA[{key}]]></EventKey>" if key else ""
    return (f"<xml><ToUserName><![CDATA[{to}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{at or int(time.time())}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
            f"<Event><![CDATA[{event}]]></Event>{key_part}</xml>")


def signed_request(account: Account, xml: str, openid: str = "", timestamp: str | None = None,
                   nonce: str | None = None) -> tuple[dict, bytes]:
    """(query, body) of a POST as WeChat sends it: plaintext, or safe mode when the account has an AES key."""
    timestamp = timestamp or str(int(time.time()))
    nonce = nonce or str(secrets.randbelow(10 ** 9))
    query = {"signature": _sha1(account.token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce,
             "openid": openid or (xmltodict.parse(xml)["xml"] or {}).get("FromUserName", "")}
    if not account.safe_mode:
        return query, xml.encode("utf-8")
    envelope = WeChatCrypto(account.token, account.aes_key, account.app_id).encrypt_message(xml, nonce, timestamp)
    encrypted = xmltodict.parse(envelope)["xml"]["Encrypt"]
    to_user = (xmltodict.parse(xml)["xml"] or {}).get("ToUserName", "")
    body = f"<xml><ToUserName><![CDATA[{to_user}]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    query.update(encrypt_type="aes", msg_signature=_sha1(account.token, timestamp, nonce, encrypted))
    return query, body.encode("utf-8")


def reply_text(account: Account, body: str) -> str:
    """What the resident would see: the text of a reply, decrypted (and its signature checked) in safe mode."""
    if body in ("", "success"):
        return ""
    document = xmltodict.parse(body)["xml"]
    if "Encrypt" in document:
        crypto = WeChatCrypto(account.token, account.aes_key, account.app_id)
        inner = crypto.decrypt_message(body, document["MsgSignature"], document["TimeStamp"], document["Nonce"])
        document = xmltodict.parse(inner)["xml"]
    return document.get("Content") or ""
