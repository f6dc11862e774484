"""Every error a worker can meet is a Chinese page in the console's style, never Werkzeug's English."""

from core import audit  # noqa: F401
from core.audit import AuditEntry
from core.db import db
from sqlalchemy import func, select
from tests import factories
from tests.conftest import login

ENGLISH = ("Bad Request", "Not Found", "Method Not Allowed", "Internal Server Error", "Forbidden",
           "Request Entity Too Large", "The browser (or proxy)")


def _chinese_page(answer, code: int, words: str) -> str:
    text = answer.get_data(as_text=True)
    assert answer.status_code == code
    assert answer.mimetype == "text/html"
    assert words in text and "site.css" in text, text[:400]
    assert not any(english in text for english in ENGLISH), text
    return text


def test_a_bad_month_for_the_monthly_report_says_what_to_pick_and_exports_nothing(client):
    street = factories.street()
    factories.user("street", street_=street, username="wang")
    db.session.commit()
    login(client, "wang")
    for month in ("", "2026-13", "next", "2099-01"):  # a month not yet begun has no report
        text = _chinese_page(client.get(f"/console/report.xlsx?month={month}"), 400, "请选择要导出的月份")
    assert "回到工作台" in text
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "report.export")) == 0


def test_404_405_400_csrf_and_413_are_chinese(app, client):
    community = factories.community()
    factories.user("worker", community, username="li")
    db.session.commit()
    _chinese_page(client.get("/no/such/page"), 404, "找不到页面")
    _chinese_page(client.get("/logout"), 405, "操作方式不对")
    _chinese_page(client.post("/login", data={"username": "li", "password": "x"}), 400, "请求有误")  # no CSRF token
    app.config["MAX_CONTENT_LENGTH"] = 1024
    login(client, "li")
    _chinese_page(client.post("/console/estates/1/import", data=b"x" * 4096,
                              headers={"Content-Type": "application/octet-stream"}), 413, "文件太大")


def test_a_crash_is_a_chinese_500_page(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("bug")

    _chinese_page(client.get("/boom-for-test"), 500, "系统出错")


def test_a_forbidden_page_is_chinese(app, client):
    from flask import abort

    @app.get("/forbidden-for-test")
    def forbidden():
        abort(403)

    _chinese_page(client.get("/forbidden-for-test"), 403, "无权操作")
