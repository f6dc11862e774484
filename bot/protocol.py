"""The WeChat server protocol: signatures, the clock window, safe-mode crypto, parsing and replies.

wechatpy does the crypto and parsing; this module adds what a public endpoint needs around it:
constant-time signature checks, a timestamp window, a size cap, refusal of DTDs and entities, the
previous AES key during a key rotation, and replies that are valid XML and fit WeChat's limits.
No Flask and no database here.
"""
import hashlib
import hmac
import time
from dataclasses import dataclass

from xml.parsers import expat

import xmltodict
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.replies import TextReply

MAX_BODY = 64 * 1024          # WeChat's messages are a few KB; anything near this is not from WeChat
MAX_REPLY_BYTES = 2000        # WeChat drops longer text replies
TRUNCATED = "…（内容较长，请打开网页查看）"


class Refused(Exception):
    """A request we will not process: `status` is the HTTP answer, the message is for the log only."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status


@dataclass(frozen=True)
class Account:
    token: str
    app_id: str = ""
    aes_key: str = ""
    previous_aes_key: str = ""   # kept during a rotation: WeChat may still encrypt with it
    max_skew: int = 300          # seconds between WeChat's timestamp and our clock

    @property
    def safe_mode(self) -> bool:
        return bool(self.aes_key)


def _signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def _check(expected: str, given: str | None) -> None:
    if not given or not hmac.compare_digest(expected, given):
        raise Refused(403, "bad signature")


def _check_time(account: Account, timestamp: str | None, now: float) -> None:
    try:
        moment = int(timestamp or "")
    except ValueError:
        raise Refused(403, "bad timestamp") from None
    if abs(now - moment) > account.max_skew:
        raise Refused(403, f"timestamp {moment} outside the {account.max_skew}s window")


def check_url(account: Account, args) -> str:
    """GET verification: the plain signature over token, timestamp and nonce; returns echostr to echo."""
    _check(_signature(account.token, args.get("timestamp", ""), args.get("nonce", "")), args.get("signature"))
    return args.get("echostr", "")


class _NoDoctypeExpat:
    """pyexpat for xmltodict, with a parser that stops at any document type declaration, wherever it is."""

    @staticmethod
    def ParserCreate(*args, **kwargs):
        parser = expat.ParserCreate(*args, **kwargs)

        def refuse(*_args):
            raise ValueError("document type declaration")

        parser.StartDoctypeDeclHandler = refuse
        parser.EntityDeclHandler = refuse
        return parser


def _parse_xml(body: bytes) -> dict:
    if len(body) > MAX_BODY:
        raise Refused(400, f"body of {len(body)} bytes")
    # Anywhere in the body (a DOCTYPE after the first 4 KB got through once), and again in the parser,
    # which reads the body as UTF-8 whatever it declares (so no UTF-16 spelling slips past this check).
    lowered = body.lower()
    if b"<!doctype" in lowered or b"<!entity" in lowered:
        raise Refused(400, "DTD or entity in XML")
    try:
        document = xmltodict.parse(body, encoding="utf-8", disable_entities=True, expat=_NoDoctypeExpat)
    except Exception as error:  # expat raises several types for broken XML
        raise Refused(400, f"malformed XML: {error}") from None
    if not isinstance(document, dict) or not isinstance(document.get("xml"), dict):
        raise Refused(400, "no <xml> element")
    return document["xml"]


def read_message(account: Account, args, body: bytes, now: float | None = None):
    """Check and open a POSTed message as WeChat's servers send it; returns a wechatpy message object."""
    now = time.time() if now is None else now
    timestamp, nonce = args.get("timestamp", ""), args.get("nonce", "")
    if account.safe_mode and args.get("encrypt_type") == "aes":
        envelope = _parse_xml(body)
        encrypted = envelope.get("Encrypt")
        if not isinstance(encrypted, str) or not encrypted:
            raise Refused(400, "no Encrypt element")
        _check(_signature(account.token, timestamp, nonce, encrypted), args.get("msg_signature"))
        _check_time(account, timestamp, now)
        body = _decrypt(account, encrypted, args.get("msg_signature"), timestamp, nonce)
    elif account.safe_mode:
        raise Refused(403, "plaintext message while safe mode is configured")
    else:
        _check(_signature(account.token, timestamp, nonce), args.get("signature"))
        _check_time(account, timestamp, now)
    fields = _parse_xml(body)
    for name in ("ToUserName", "FromUserName", "CreateTime", "MsgType"):
        if not isinstance(fields.get(name), str) or not fields[name]:
            raise Refused(400, f"no {name}")
    try:
        return parse_message(body.decode("utf-8"))
    except Exception as error:
        raise Refused(400, f"unparseable message: {error}") from None


def _decrypt(account: Account, encrypted: str, msg_signature: str, timestamp: str, nonce: str) -> bytes:
    envelope = {"Encrypt": encrypted}
    for key in filter(None, (account.aes_key, account.previous_aes_key)):
        try:
            # The signature is checked above in constant time; wechatpy checks it again.
            plain = WeChatCrypto(account.token, key, account.app_id).decrypt_message(
                envelope, msg_signature, timestamp, nonce)
        except Exception:  # a wrong key gives padding, Unicode or app-id errors
            continue
        return plain.encode("utf-8") if isinstance(plain, str) else plain
    raise Refused(400, "cannot decrypt")


def delivery_key(message) -> str:
    """What identifies a delivery across WeChat's retries: MsgId, or sender + CreateTime (+ event) for events."""
    if getattr(message, "id", 0):
        return f"msg:{message.id}"
    created = int(message.create_time.timestamp())  # wechatpy gives CreateTime as a datetime
    # The EventKey too: two menu clicks in the same second are two deliveries, each with its reply.
    key = getattr(message, "key", "") or getattr(message, "event_key", "") or ""
    return f"evt:{message.source}:{created}:{getattr(message, 'event', message.type)}:{key}"[:128]


def fit(text: str, limit: int = MAX_REPLY_BYTES) -> str:
    """Cut a reply to WeChat's size limit, saying so."""
    if len(text.encode("utf-8")) <= limit:
        return text
    room = limit - len(TRUNCATED.encode("utf-8"))
    cut = text.encode("utf-8")[:room].decode("utf-8", "ignore")
    return cut + TRUNCATED


def render_reply(account: Account, message, text: str, args, now: float | None = None) -> str:
    """The HTTP body answering `message`: 'success' for no reply, else a text reply (encrypted in safe mode)."""
    if not text:
        return "success"
    # "]]>" would end wechatpy's CDATA section early: split it across two sections.
    content = fit(text).replace("]]>", "]]]]><![CDATA[>")
    xml = TextReply(source=message.target, target=message.source, content=content,
                    time=int(time.time() if now is None else now)).render()
    if account.safe_mode and args.get("encrypt_type") == "aes":
        return WeChatCrypto(account.token, account.aes_key, account.app_id).encrypt_message(
            xml, args.get("nonce", ""), args.get("timestamp") or str(int(time.time())))
    return xml
