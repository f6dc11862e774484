"""Residents' records: one-time sign-in links, bindings of WeChat openids to owners, delivered messages, pushes,
cached tokens."""
from sqlalchemy import JSON, Index, text

from core.db import UTCDateTime, db, utcnow


class Binding(db.Model):
    """An openid bound to an owner of a flat; revoked rows stay as history."""

    id = db.Column(db.Integer, primary_key=True)
    openid = db.Column(db.String(64), nullable=False)
    owner_id = db.Column(db.ForeignKey("owner.id"), nullable=False, index=True)
    method = db.Column(db.String(10), nullable=False)  # code | register
    bound_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    ended_at = db.Column(UTCDateTime)
    ended_by_id = db.Column(db.ForeignKey("user.id"))
    end_reason = db.Column(db.String(20), nullable=False, default="")  # revoked | unsubscribed | rebound
    owner = db.relationship("Owner")
    ended_by = db.relationship("User")

    __table_args__ = (
        db.CheckConstraint("method IN ('code', 'register')", name="method_known"),
        # One live binding per WeChat user and per owner, enforced by the database.
        Index("uq_binding_openid_live", "openid", unique=True,
              sqlite_where=text("ended_at IS NULL"), postgresql_where=text("ended_at IS NULL")),
        Index("uq_binding_owner_live", "owner_id", unique=True,
              sqlite_where=text("ended_at IS NULL"), postgresql_where=text("ended_at IS NULL")),
    )


class BindingCode(db.Model):
    """A one-time binding code a worker gives an owner (printed on the door-to-door sheet); only its hash is kept."""

    id = db.Column(db.Integer, primary_key=True)
    code_hash = db.Column(db.String(64), nullable=False, unique=True)
    owner_id = db.Column(db.ForeignKey("owner.id"), nullable=False, index=True)
    issued_by_id = db.Column(db.ForeignKey("user.id"))
    issued_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    expires_at = db.Column(UTCDateTime, nullable=False)
    used_at = db.Column(UTCDateTime)
    owner = db.relationship("Owner")


class BindingAttempt(db.Model):
    """A failed binding attempt, counted per openid, per flat and overall to stop guessing.

    `method`: a wrong code, or a register match that failed (name and phone); they are counted apart,
    so that guessing names does not lock out the code a worker hands the resident.
    """

    id = db.Column(db.Integer, primary_key=True)
    openid = db.Column(db.String(64), nullable=False, index=True)
    flat_id = db.Column(db.ForeignKey("flat.id"), index=True)
    method = db.Column(db.String(10), nullable=False, default="register", server_default="register")
    at = db.Column(UTCDateTime, nullable=False, default=utcnow, index=True)


class InboundMessage(db.Model):
    """Each message or event WeChat delivered, once: its key is unique, so a retry finds the first reply."""

    id = db.Column(db.Integer, primary_key=True)
    key = db.Column(db.String(128), nullable=False, unique=True)  # MsgId, or openid:CreateTime:Event
    openid = db.Column(db.String(64), nullable=False, index=True)
    kind = db.Column(db.String(40), nullable=False)
    received_at = db.Column(UTCDateTime, nullable=False, default=utcnow, index=True)
    reply = db.Column(db.Text, nullable=False, default="")


class DeliveryNonce(db.Model):
    """A delivery's signed (timestamp, nonce) and the message that came with it (core.residents.deliveries)."""

    id = db.Column(db.Integer, primary_key=True)
    timestamp = db.Column(db.BigInteger, nullable=False)
    nonce = db.Column(db.String(64), nullable=False)
    delivery_key = db.Column(db.String(128), nullable=False)
    seen_at = db.Column(UTCDateTime, nullable=False, default=utcnow, index=True)

    __table_args__ = (db.UniqueConstraint("timestamp", "nonce", name="uq_delivery_nonce_pair"),)


class Push(db.Model):
    """A template message waiting to be sent, or sent: written in the transaction of what it announces."""

    id = db.Column(db.Integer, primary_key=True)
    key = db.Column(db.String(120), nullable=False, unique=True)  # what it is about, so it is queued once
    openid = db.Column(db.String(64), nullable=False, index=True)
    kind = db.Column(db.String(30), nullable=False)
    data = db.Column(JSON, nullable=False)
    url = db.Column(db.String(300), nullable=False, default="")
    status = db.Column(db.String(10), nullable=False, default="pending", index=True)
    attempts = db.Column(db.Integer, nullable=False, default=0)
    next_attempt_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    last_error = db.Column(db.String(300), nullable=False, default="")
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    sent_at = db.Column(UTCDateTime)
    wechat_msgid = db.Column(db.String(40), nullable=False, default="")

    __table_args__ = (
        db.CheckConstraint("status IN ('pending', 'sent', 'failed', 'skipped')", name="status_known"),
    )


class CachedToken(db.Model):
    """wechatpy's session storage in the database: one access token shared by every process."""

    key = db.Column(db.String(120), primary_key=True)
    value = db.Column(JSON, nullable=False)
    expires_at = db.Column(UTCDateTime)


class SignInLink(db.Model):
    """A one-time link that signs an owner in to the mobile pages (sent in the chat or printed)."""

    id = db.Column(db.Integer, primary_key=True)
    token_hash = db.Column(db.String(64), nullable=False, unique=True)  # the token itself is never stored
    owner_id = db.Column(db.ForeignKey("owner.id"), nullable=False, index=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    expires_at = db.Column(UTCDateTime, nullable=False)
    used_at = db.Column(UTCDateTime)
    # The links go when their owner leaves the register (the register does not know of them).
    owner = db.relationship("Owner", backref=db.backref("sign_in_links", cascade="all, delete-orphan"))


class ChatState(db.Model):
    """What the bot expects next from one WeChat user (the problem after 我要投诉, a yes to a question,
    a number from a list), kept in the database so that every worker process and a retried delivery agree."""

    openid = db.Column(db.String(64), primary_key=True)
    expecting = db.Column(db.String(20), nullable=False)
    data = db.Column(JSON, nullable=False, default=dict)
    expires_at = db.Column(UTCDateTime, nullable=False)
