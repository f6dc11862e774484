"""Replay protection for WeChat deliveries: each (timestamp, nonce) pair belongs to one message. Flush, never commit.

Plaintext mode signs only the timestamp and nonce, not the body: whoever sees one signed query string
(a proxy's log, a browser history) could post any XML under it for as long as the timestamp is inside
the clock window. So each pair is remembered, with the delivery key of the message that first came
with it, for twice the window; the same pair with another message is a replay. The same pair with
the same message is WeChat retrying, and goes on to the delivery record (which answers it once).
The store is the database, or Redis when REDIS_URL is set (shared by every worker either way).
"""
from datetime import timedelta
from functools import lru_cache

from sqlalchemy import delete, select

from core.db import db, db_now, insert_new
from core.residents.models import DeliveryNonce


@lru_cache(maxsize=4)
def _redis(url: str):
    import redis

    return redis.Redis.from_url(url)


def first_use(timestamp: int, nonce: str, delivery_key: str, window_seconds: int, redis_url: str = "") -> bool:
    """Remember the pair for this message; False when it already came with a different message (a replay)."""
    nonce = nonce[:64]
    if redis_url:
        store = _redis(redis_url)
        name = f"yishi:wechat:nonce:{timestamp}:{nonce}"
        if store.set(name, delivery_key, nx=True, ex=2 * window_seconds + 60):
            return True
        earlier = store.get(name)
        return earlier is not None and earlier.decode() == delivery_key
    if insert_new(db.session, DeliveryNonce, timestamp=timestamp, nonce=nonce, delivery_key=delivery_key):
        return True
    earlier = db.session.scalar(select(DeliveryNonce.delivery_key).where(
        DeliveryNonce.timestamp == timestamp, DeliveryNonce.nonce == nonce))
    return earlier == delivery_key


def forget_nonces(window_seconds: int) -> int:
    """Drop pairs whose timestamp can no longer pass the clock window; the number dropped."""
    cutoff = db_now(db.session) - timedelta(seconds=2 * window_seconds + 60)
    return db.session.execute(delete(DeliveryNonce).where(DeliveryNonce.seen_at < cutoff)).rowcount
