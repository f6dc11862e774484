"""The WeChat API client, sharing one access token between processes (database, or Redis when configured)."""
from datetime import timedelta

import requests
from wechatpy import WeChatClient
from wechatpy.session import SessionStorage

from core.db import db, db_now
from core.residents.models import CachedToken

TIMEOUT = 5  # seconds; the scheduler must never hang on WeChat


class DatabaseStorage(SessionStorage):
    """wechatpy's session storage in our database: every worker and the scheduler see one token."""

    def get(self, key, default=None):
        row = db.session.get(CachedToken, key)
        if row is None or (row.expires_at is not None and row.expires_at <= db_now(db.session)):
            return default
        return row.value

    def set(self, key, value, ttl=None):
        if value is None:
            return
        row = db.session.get(CachedToken, key) or CachedToken(key=key)
        row.value = value
        row.expires_at = db_now(db.session) + timedelta(seconds=ttl) if ttl else None
        db.session.add(row)
        db.session.commit()  # a fresh token is shared at once, whatever the caller's transaction does

    def delete(self, key):
        db.session.execute(CachedToken.__table__.delete().where(CachedToken.key == key))
        db.session.commit()


class _TimeoutSession(requests.Session):
    def request(self, *args, **kwargs):
        kwargs.setdefault("timeout", TIMEOUT)
        return super().request(*args, **kwargs)


class Client(WeChatClient):
    """WeChatClient with a configurable API address (a proxy with a fixed egress IP, or a test server)."""

    def __init__(self, appid, secret, api_base_url, session=None):
        super().__init__(appid, secret, session=session, timeout=TIMEOUT)
        self.API_BASE_URL = api_base_url + "cgi-bin/"
        self._http = _TimeoutSession()

    def fetch_access_token(self):
        return self._fetch_access_token(url=self.API_BASE_URL + "token", params={
            "grant_type": "client_credential", "appid": self.appid, "secret": self.secret})


def make_client(config) -> Client:
    if config["REDIS_URL"]:
        import redis
        from wechatpy.session.redisstorage import RedisStorage

        storage = RedisStorage(redis.Redis.from_url(config["REDIS_URL"]), prefix="yishi:wechat")
    else:
        storage = DatabaseStorage()
    return Client(config["WECHAT_APP_ID"], config["WECHAT_APP_SECRET"], config["WECHAT_API_BASE_URL"], storage)


def make_oauth(config, redirect_uri: str, state: str):
    """wechatpy's OAuth helper for the residents' pages (snsapi_base: silent, openid only); one per request."""
    from wechatpy.oauth import WeChatOAuth

    oauth = WeChatOAuth(config["WECHAT_APP_ID"], config["WECHAT_APP_SECRET"], redirect_uri,
                        scope="snsapi_base", state=state)
    oauth.API_BASE_URL = config["WECHAT_API_BASE_URL"]
    oauth._http = _TimeoutSession()
    return oauth
