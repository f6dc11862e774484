"""The application factory: configuration, extensions, blueprints and CLI groups; no database I/O."""
import logging
import os

from flask import Flask, render_template, request
from sqlalchemy import text
from sqlalchemy.exc import DataError, InterfaceError, InternalError, OperationalError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

# Every feature's tables, for Alembic and the app (relationships name classes of other features).
import core.accounts  # noqa: F401
import core.audit  # noqa: F401
import core.complaints.models  # noqa: F401
import core.jobs  # noqa: F401  (the scheduler's heartbeat)
import core.consultation.models  # noqa: F401
import core.register.models  # noqa: F401
import core.residents.models  # noqa: F401
import core.votes.models  # noqa: F401
from core.db import db
from web import config as config_module
from web.database import configure_sqlite, engine_options
from web.extensions import csrf, limiter, login_manager, migrate


MAX_ID = 2 ** 31 - 1  # the largest id PostgreSQL's integer holds; SQLite overflows at 2**63


class IdConverter(IntegerConverter):
    """<int:…> in every route: an id too large for the database is no page (404), not an OverflowError (500)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=os.environ.get("YISHI_INSTANCE_PATH") or None,
                instance_relative_config=True)
    app.url_map.converters["int"] = IdConverter  # before any route is added
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(config_module.from_environment(app.instance_path))
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        RATELIMIT_STORAGE_URI=app.config["REDIS_URL"] or "memory://",
        RATELIMIT_HEADERS_ENABLED=True,
    )
    if config:
        app.config.update(config)
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config["SQLALCHEMY_DATABASE_URI"]))
    if app.config["TRUSTED_PROXIES"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["TRUSTED_PROXIES"],
                                x_proto=app.config["TRUSTED_PROXIES"])

    if app.config["LOG_SIGNING_KEY"]:  # a bad key fails here, not at the first close
        from core.votes.checkpoints import signer_from

        signer_from(app.config)
    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "sqlite":
                configure_sqlite(engine)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录。"
    login_manager.session_protection = "strong"

    from web import (auth, backup, classifier, cli, console, filters, landing, open311, resend, resident, security,
                     wechat)

    landing.init_app(app)
    auth.init_app(app)
    console.init_app(app)
    resident.init_app(app)
    wechat.init_app(app)
    filters.init_app(app)
    security.init_app(app)
    cli.init_app(app)
    classifier.init_app(app)
    open311.init_app(app)
    backup.init_app(app, create_app)
    resend.init_app(app)

    # Every error a worker or resident can meet is a Chinese page in the site's style (Werkzeug's are English).
    messages = {
        400: ("请求有误", "提交的内容不完整或格式不对，请返回上一页检查后再试。"),
        403: ("无权操作", "您没有权限做这个操作。表单过期时，请刷新页面后再提交。"),
        404: ("找不到页面", "页面不存在，或您无权查看。"),
        405: ("操作方式不对", "这个地址不能这样打开，请从页面上的链接或按钮进入。"),
        500: ("系统出错", "系统出了问题，您刚才的操作没有保存。请稍后再试，或告诉管理员。"),
    }

    def error_page(error):
        code = getattr(error, "code", 500) or 500
        title, message = messages[code]
        # A Chinese message written for this case (abort(400, "…")) beats the generic one; Werkzeug's and
        # Flask-WTF's own (CSRF) are English and never shown.
        described = getattr(error, "description", None)
        if isinstance(described, str) and any("\u4e00" <= ch <= "\u9fff" for ch in described):
            message = described
        if request.path.startswith("/wechat"):  # WeChat's servers read no page
            return "", code
        return render_template("error.html", title=title, message=message, code=code), code

    for code in messages:
        app.register_error_handler(code, error_page)

    @app.errorhandler(OverflowError)
    def overflow(_error):
        """A number too large for the database, from wherever it came (a form field, a query string): no such thing."""
        db.session.rollback()
        title, message = messages[404]
        return render_template("error.html", title=title, message=message, code=404), 404

    @app.errorhandler(DataError)
    def bad_value(error):
        """A value the database refuses (PostgreSQL: an id past integer range, text too long): bad input, not a fault."""
        db.session.rollback()
        app.logger.warning("value refused by the database: %s", getattr(error, "orig", error))
        return render_template("error.html", title="输入有误", message="输入的内容超出范围，没有保存。请检查后再试。"), 400

    @app.errorhandler(413)
    def too_large(_error):
        return render_template("error.html", title="文件太大", code=413,
                               message=f"上传文件不能超过 {app.config['MAX_CONTENT_LENGTH'] // 1048576} MB。"), 413

    @app.errorhandler(429)
    def too_many(_error):
        return render_template("error.html", title="操作太频繁", message="请稍等一分钟再试。"), 429

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(InternalError)
    def database_unavailable(error):
        """The database is down, restarting, read-only or full: nothing was saved, and we say so."""
        try:
            db.session.rollback()
        except Exception:  # the connection may be gone with the server; the pool replaces it
            db.session.remove()
        app.logger.error("database unavailable: %s", getattr(error, "orig", error))
        return render_template("error.html", title="暂时无法保存",
                               message="系统暂时出了问题，您刚才的操作没有保存。请过几分钟再试。"), 503, {"Retry-After": "60"}

    @app.get("/favicon.ico")
    def favicon():
        return "", 204  # browsers ask on every page; no icon, and no 404 in the log

    @app.get("/healthz")
    def healthz():
        """The web side (a down database answers 503 through the handler above) and, for information, when
        the scheduler last ran a job: a stale scheduler does not make the web workers unhealthy."""
        db.session.execute(text("SELECT 1"))
        from core.jobs import scheduler_status

        status = scheduler_status()
        beat = status["last_beat"]
        return {"ok": True, "scheduler": {"last_beat": beat.isoformat() if beat else None, "stale": status["stale"]}}

    logging.basicConfig(level=logging.INFO)
    # APScheduler logs every run of every job at INFO (the 15-second jobs fill a terminal); its warnings
    # and errors (a missed run, a failing job) still show. Our own scheduler log says what jobs did.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    return app
