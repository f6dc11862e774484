"""Signing residents in from inside WeChat: OAuth snsapi_base gives the openid, the binding gives the owner.

Outside WeChat (or before the account is configured) residents use a one-time link from the chat.
"""
import hmac
import logging
import secrets

from flask import current_app, redirect, render_template, request, session, url_for

from bot.client import make_oauth
from core.db import db
from core.residents.bindings import live_binding
from web.resident.routes import bp, oauth_available, sign_in

log = logging.getLogger("yishi.oauth")


def _safe_next(target: str | None) -> str:
    return target if target and target.startswith("/r/") and "//" not in target and "\\" not in target else "/r/"


@bp.get("/r/wechat/signin")
def wechat_signin():
    if not oauth_available():
        return render_template("resident/signed_out.html"), 401
    state = secrets.token_urlsafe(16)
    session["oauth_state"] = state
    session["oauth_next"] = _safe_next(request.args.get("next"))
    callback = url_for(".wechat_callback", _external=True)
    return redirect(make_oauth(current_app.config, callback, state).authorize_url)


@bp.get("/r/wechat/callback")
def wechat_callback():
    expected = session.pop("oauth_state", None)
    target = session.pop("oauth_next", "/r/")
    state, code = request.args.get("state", ""), request.args.get("code", "")
    if not expected or not hmac.compare_digest(expected, state) or not code:
        log.warning("oauth callback with a bad state from %s", request.remote_addr)
        return render_template("resident/signed_out.html", expired=True), 403
    try:
        answer = make_oauth(current_app.config, request.base_url, state).fetch_access_token(code)
    except Exception as error:  # a used or expired code, or WeChat unreachable
        log.warning("oauth code exchange failed: %s", error)
        return render_template("resident/signed_out.html", expired=True), 403
    if str(answer.get("is_snapshotuser", "0")) == "1":
        # A virtual user on a page snapshot: WeChat's rules say it must not act, and it has no real openid.
        return render_template("resident/signed_out.html", snapshot=True), 403
    binding = live_binding(answer.get("openid", ""))
    if binding is None:
        return render_template("resident/signed_out.html", unbound=True), 403
    sign_in(binding.owner, binding)
    db.session.commit()
    return redirect(target)
