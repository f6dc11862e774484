"""How residents reach the mobile pages: one-time sign-in links."""
from core.db import UTCDateTime, db, utcnow


class SignInLink(db.Model):
    """A one-time link that signs an owner in to the mobile pages (sent in the chat or printed)."""

    id = db.Column(db.Integer, primary_key=True)
    token_hash = db.Column(db.String(64), nullable=False, unique=True)  # the token itself is never stored
    owner_id = db.Column(db.ForeignKey("owner.id"), nullable=False, index=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    expires_at = db.Column(UTCDateTime, nullable=False)
    used_at = db.Column(UTCDateTime)
    owner = db.relationship("Owner")
