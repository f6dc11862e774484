"""/wechat: where WeChat's servers deliver what residents send. One transaction per delivery.

The delivery record (unique key) is written in the same transaction as whatever the message does,
so a retry of a delivery that was handled finds the record and gets the first reply again, and a
retry racing the first attempt waits on the unique key and then does the same.
"""
import logging

from flask import Blueprint, Response, abort, current_app, request, url_for
from limits import parse as parse_limit
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot import protocol
from bot.conversation import respond
from core.db import db
from core.residents.deliveries import first_use
from core.residents.models import InboundMessage
from web.classifier import router
from web.extensions import csrf, limiter

log = logging.getLogger("yishi.wechat")
bp = Blueprint("wechat", __name__)


def account() -> protocol.Account:
    config = current_app.config
    return protocol.Account(token=config["WECHAT_TOKEN"], app_id=config["WECHAT_APP_ID"],
                            aes_key=config["WECHAT_ENCODING_AES_KEY"],
                            previous_aes_key=config["WECHAT_PREVIOUS_AES_KEY"],
                            max_skew=config["WECHAT_MAX_CLOCK_SKEW"])


def public_url(path: str) -> str:
    """An absolute address for a site path, as residents open it from the chat."""
    base = current_app.config["PUBLIC_BASE_URL"] or url_for("resident.home", _external=True).removesuffix("/r/")
    return base + path


def _over_rate(sender: str) -> bool:
    """Count a delivery against its sender's limit. Called after the signature check, with the sender the
    signed message names: counting unsigned requests by ?openid= let anyone use up a resident's limit."""
    if not limiter.enabled:
        return False
    item = parse_limit(current_app.config["WECHAT_RATE_LIMIT"])
    return not limiter.limiter.hit(item, "wechat", sender)


def _plain(text: str, status: int = 200) -> Response:
    return Response(text, status=status, mimetype="text/plain")


@bp.get("/wechat")
def verify():
    if not current_app.config["WECHAT_TOKEN"]:
        abort(404)
    try:
        return _plain(protocol.check_url(account(), request.args))
    except protocol.Refused as refused:
        log.warning("wechat GET refused from %s: %s", request.remote_addr, refused)
        return _plain("", refused.status)


@bp.post("/wechat")
@csrf.exempt
def deliver():
    if not current_app.config["WECHAT_TOKEN"]:
        abort(404)
    if (request.content_length or 0) > protocol.MAX_BODY:
        log.warning("wechat POST refused from %s: body of %s bytes", request.remote_addr, request.content_length)
        return _plain("", 400)
    acct = account()
    try:
        message = protocol.read_message(acct, request.args, request.get_data(cache=False))
    except protocol.Refused as refused:
        log.warning("wechat POST refused from %s: %s", request.remote_addr, refused)
        return _plain("", refused.status)
    if _over_rate(message.source):
        log.warning("wechat POST from %s over the rate limit", message.source)
        return _plain("", 429)
    key = protocol.delivery_key(message)
    if not first_use(int(request.args["timestamp"]), request.args.get("nonce", ""), key,
                     current_app.config["WECHAT_MAX_CLOCK_SKEW"], current_app.config["REDIS_URL"]):
        db.session.rollback()
        log.warning("wechat POST refused from %s: timestamp and nonce replayed with another message",
                    request.remote_addr)
        return _plain("", 403)
    reply = handle(message)
    return Response(protocol.render_reply(acct, message, reply, request.args), mimetype="application/xml")


def handle(message) -> str:
    """Act on a delivery once and return its reply; a repeated delivery returns the first reply."""
    key = protocol.delivery_key(message)
    record = InboundMessage(key=key, openid=message.source[:64], kind=getattr(message, "event", "") or message.type)
    try:
        db.session.add(record)
        db.session.flush()  # the unique key: a retry stops here (and waits here while the first is in flight)
    except IntegrityError:
        db.session.rollback()
        earlier = db.session.scalar(select(InboundMessage).where(InboundMessage.key == key))
        log.info("wechat delivery %s repeated", key)
        return earlier.reply if earlier else ""
    try:
        reply = respond(message, public_url, router())
    except Exception:
        db.session.rollback()
        log.exception("wechat delivery %s failed", key)
        return "系统忙，请稍后再试。"
    record.reply = reply
    db.session.commit()
    return reply
