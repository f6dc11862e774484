"""Password login for staff: a new session at login, a real logout, a rate limit, failed logins logged."""
import logging
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from core import audit
from core.accounts import authenticate
from core.db import db
from web.extensions import limiter, login_manager

bp = Blueprint("auth", __name__)
log = logging.getLogger("yishi.auth")


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired(), Length(max=40)])
    password = PasswordField("密码", validators=[DataRequired(), Length(max=200)])


@login_manager.user_loader
def load_user(session_id: str):
    """The user of a session, while its session version is current (logout, deactivation and a new
    password raise it: a copied cookie stops working everywhere)."""
    from core.accounts import User

    user_id, _, _version = session_id.partition(".")
    if not user_id.isdigit() or len(user_id) > 10:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or not user.matches_session(session_id):
        return None
    return user


def _login_limit():
    return current_app.config["LOGIN_RATE_LIMIT"]


def _safe_next(target: str | None) -> str:
    """Only a same-site path. "//evil.example" and "https://…" leave the site; so does "/%09/evil.example"
    (browsers drop tabs and newlines from URLs: it becomes //evil.example), and a CR/LF would break the
    Location header. So: no control characters, spaces or backslashes, no scheme, no host."""
    if (not target or len(target) > 2000 or not target.startswith("/")
            or any(c <= " " or c in "\\\x7f" for c in target)):
        return url_for("console.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return url_for("console.index")
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.username.data.strip(), form.password.data)
        if user is None:
            log.warning("failed login for %r from %s", form.username.data, request.remote_addr)
            audit.record(None, "auth.login_failed", form.username.data[:40], request.remote_addr or "")
            db.session.commit()
            flash("用户名或密码不对。", "error")
        else:
            session.clear()  # a fresh session at login: no fixation
            login_user(user)
            audit.record(user, "auth.login", request.remote_addr or "")
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
    elif request.method == "POST":  # an empty field (CSRF failures are answered before this view)
        flash("请填写用户名和密码。", "error")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    current_user.end_sessions()  # this cookie, and any copy of it, no longer signs in
    audit.record(current_user, "auth.logout", request.remote_addr or "")
    db.session.commit()
    logout_user()
    session.clear()
    flash("已退出。", "info")
    return redirect(url_for("auth.login"))
