"""/wechat: where WeChat's servers deliver what residents send. One transaction per delivery.

A delivery that changes something (a ballot, a binding, a complaint …) is recorded under its unique
key in the same transaction as what it does, so a retry of a delivery that was handled finds the
record and gets the first reply again, and a retry racing the first attempt blocks on the unique key
when it records itself, then rolls back everything it did and answers the first reply. A delivery
that changes nothing (帮助, 投票, 进度 …) is answered without a record or a commit: a retry is simply
answered again. (Profiling showed the record's insert and commit were most of a read-only delivery.)
"""
import logging

from flask import Blueprint, Response, abort, current_app, request
from limits import parse as parse_limit
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError, InterfaceError, InternalError, OperationalError
from sqlalchemy.orm import Session

from bot import protocol
from bot.conversation import respond
from core.db import db
from core.residents.deliveries import first_use
from core.residents.models import InboundMessage
from web.addresses import public_url
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

    def remember() -> bool:
        return first_use(int(request.args["timestamp"]), request.args.get("nonce", ""), key,
                         current_app.config["WECHAT_MAX_CLOCK_SKEW"], current_app.config["REDIS_URL"])

    if not remember():
        db.session.rollback()
        log.warning("wechat POST refused from %s: timestamp and nonce replayed with another message",
                    request.remote_addr)
        return _plain("", 403)
    reply = handle(message, remember)
    return Response(protocol.render_reply(acct, message, reply, request.args), mimetype="application/xml")


def _undo(remember) -> None:
    """Roll back what this attempt did, but keep its (timestamp, nonce) pair remembered: a retry of a
    delivery comes with a pair of its own, which must not be free for another body afterwards."""
    db.session.rollback()
    try:
        remember()
        db.session.commit()
    except Exception:  # the database is failing too: the delivery's answer matters more than the pair
        db.session.rollback()
        log.exception("wechat: could not keep a delivery's replay pair")


def handle(message, remember=lambda: True) -> str:
    """Act on a delivery once and return its reply; a repeated delivery returns the first reply.
    `remember` records the delivery's replay pair again after a rollback (deliver's first_use)."""
    key = protocol.delivery_key(message)
    earlier = db.session.scalar(select(InboundMessage.reply).where(InboundMessage.key == key))
    if earlier is not None:
        db.session.commit()  # nothing done but the replay pair: keep it
        log.info("wechat delivery %s repeated", key)
        return earlier
    db.session.info[_WROTE] = False
    try:
        reply = respond(message, public_url, router())
    except (OperationalError, InterfaceError, InternalError):
        db.session.rollback()
        raise  # the database cannot answer or write: the app's 503 ("nothing was saved"), and WeChat retries
    except Exception:
        log.exception("wechat delivery %s failed", key)
        _undo(remember)
        return "系统忙，请稍后再试。"
    if not _wrote(db.session()):
        # Nothing to record, but the (timestamp, nonce) pair deliver() remembered must stay remembered:
        # a replayed query string with another body could otherwise read a resident's ballots or tickets.
        db.session.commit()
        return reply
    db.session.add(InboundMessage(key=key, openid=message.source[:64], kind=getattr(message, "event", "") or message.type,
                                  reply=reply))
    try:
        db.session.flush()  # the unique key: a retry racing us waits here, then finds it taken
    except IntegrityError:
        _undo(remember)  # undo what this attempt did: the first attempt did it
        log.info("wechat delivery %s repeated while in flight", key)
        return db.session.scalar(select(InboundMessage.reply).where(InboundMessage.key == key)) or ""
    db.session.commit()
    return reply


_WROTE = "yishi.wrote"


def _wrote(session) -> bool:
    """Whether this transaction changed anything: flushed rows or DML statements (pending changes are
    flushed first; a flush with nothing to write fires no event)."""
    session.flush()
    return bool(session.info.get(_WROTE))


@event.listens_for(Session, "after_flush")
def _flushed(session, flush_context):
    session.info[_WROTE] = True  # not session.dirty: that walks the whole identity map


@event.listens_for(Session, "do_orm_execute")
def _executed(state):
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True
