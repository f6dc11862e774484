"""Absolute addresses of the site's pages, as residents open them from a chat reply, a printed notice's QR code
or a link a worker hands over: PUBLIC_BASE_URL when it is set (the address behind the proxy), else the host
of the request being answered."""
from flask import current_app, url_for


def public_url(path: str) -> str:
    base = current_app.config["PUBLIC_BASE_URL"] or url_for("resident.home", _external=True).removesuffix("/r/")
    return base + path
