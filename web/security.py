"""Security headers on every response (CSP without inline scripts, no framing)."""
from flask import request

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# Console pages and downloads, residents' pages, sign-in, the WeChat simulator.
PRIVATE_PREFIXES = ("/console", "/r/", "/login", "/logout", "/votes/", "/dev/")


def init_app(app):
    @app.after_request
    def set_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if request.path.startswith(PRIVATE_PREFIXES):
            # Names, phones, ballots and codes: not for the browser's cache or a shared proxy's.
            response.headers["Cache-Control"] = "no-store"
            response.headers.setdefault("Pragma", "no-cache")
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
