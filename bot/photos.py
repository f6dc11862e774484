"""Fetching the photos residents send in the chat (WeChat keeps them 3 days under a media id)."""
import logging

from wechatpy.exceptions import WeChatClientException

from core.complaints import tickets
from core.db import db

log = logging.getLogger("yishi.wechat")

# WeChat's answers that no retry will change: the media id is unknown or has expired.
PERMANENT = {40007, 40008}


def fetch_due(client, limit: int = 20) -> dict:
    """Download pending chat photos into their tickets; commits after each one. Returns counts."""
    counts = {"fetched": 0, "failed": 0}
    for photo in tickets.photos_to_fetch(limit):
        try:
            response = client.media.download(photo.media_id)
            tickets.store_fetched(photo, response.content)
        except WeChatClientException as error:
            tickets.fetch_failed(photo, f"{error.errcode}: {error.errmsg}", error.errcode in PERMANENT)
        except Exception as error:  # network: connection refused, timeout
            tickets.fetch_failed(photo, f"{type(error).__name__}: {error}")
        counts["fetched" if photo.data is not None else "failed"] += 1
        if photo.data is None:
            log.warning("chat photo %s of complaint %s not fetched: %s", photo.id, photo.complaint_id,
                        photo.fetch_error)
        db.session.commit()
    return counts
