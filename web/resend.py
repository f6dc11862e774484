"""A form sent with a stale or missing CSRF token (the page stayed open overnight, the session ended):
a page in Chinese that keeps what was typed and offers to send it again, with a fresh token.

Photos cannot be carried over (a browser never refills a file input), and the page says so.
"""
from flask import render_template, request
from flask_wtf.csrf import CSRFError


def init_app(app):
    @app.errorhandler(CSRFError)
    def stale_form(_error):
        fields = [(name, value) for name, values in request.form.lists() for value in values
                  if name != "csrf_token"]
        if any("password" in name for name, _ in fields):  # never written back into a page
            return render_template("error.html", title="请求有误", code=400,
                                   message="页面放得太久了，请返回上一页刷新后再登录。"), 400
        resident = request.path.startswith("/r/")
        # Shown so the resident sees nothing is lost: what was written, not ids, keys or ticks.
        typed = [value for name, value in fields if name not in ("key", "next") and len(value.strip()) > 1]
        return render_template("resend.html", fields=fields, typed=typed, action=request.path, resident=resident,
                               had_files=any(f.filename for f in request.files.values())), 400
