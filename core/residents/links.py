"""Residents' access to the mobile pages: one-time sign-in links. Flush, never commit."""
import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select

from core.db import db, db_now
from core.residents.models import SignInLink

LINK_LIFETIME = timedelta(minutes=30)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_link(owner, lifetime: timedelta = LINK_LIFETIME) -> str:
    """A fresh one-time token for this owner; only its hash is stored."""
    token = secrets.token_urlsafe(24)
    db.session.add(SignInLink(token_hash=_digest(token), owner=owner, expires_at=db_now(db.session) + lifetime))
    db.session.flush()
    return token


def redeem_link(token: str):
    """The owner a token signs in, once; None if unknown, used or expired."""
    if not token or len(token) > 100:
        return None
    link = db.session.scalar(select(SignInLink).where(SignInLink.token_hash == _digest(token)).with_for_update())
    now = db_now(db.session)
    if link is None or link.used_at is not None or link.expires_at <= now:
        return None
    link.used_at = now
    db.session.flush()
    return link.owner
