"""The Open311 GeoReport v2 API under /open311/v2/ (README, Open311), in JSON and XML, and `flask open311`.

JSON follows the spec's Spark convention (bare arrays; the service definition an object); XML has the
declaration and the spec's element names. Errors are the spec's list of {code, description} with the
same HTTP status. This blueprint alone is exempt from CSRF: its callers are systems holding a key,
not browsers holding a session.
"""
import hashlib
import json
from xml.etree import ElementTree

import click
from flask import Blueprint, Response, current_app, request
from flask.cli import AppGroup

from core.complaints import open311
from core.complaints.open311 import Open311Error
from core.db import db, db_now
from core.register.lookup import street_named
from core.register.models import Street
from web.classifier import router
from web.extensions import csrf, limiter

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
FORMAT = "<any(json, xml):fmt>"
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}


def _xml_value(parent, name: str, value) -> None:
    element = ElementTree.SubElement(parent, name)
    if isinstance(value, list):  # Spark: a list is a wrapper of repeated singular elements
        for item in value:
            _xml_value(element, name[:-1] if name.endswith("s") else name, item)
    elif isinstance(value, dict):
        for key, inner in value.items():
            _xml_value(element, key, inner)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)


def render(fmt: str, root: str, item: str | None, body, status: int = 200) -> Response:
    """`body` as JSON, or as XML under <root> (with one <item> per row when it is a list)."""
    if fmt == "json":
        text = json.dumps(body, ensure_ascii=False)
    else:
        top = ElementTree.Element(root)
        if isinstance(body, list):
            for row in body:
                _xml_value(top, item, row)
        else:
            for key, value in body.items():
                _xml_value(top, key, value)
        text = '<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(top, encoding="unicode")
    return Response(text, status=status, content_type=CONTENT_TYPES[fmt])


def errors(fmt: str, error: Open311Error) -> Response:
    return render(fmt, "errors", "error", [{"code": error.code, "description": error.description}], error.code)


def _caller() -> str:
    """Rate limits count per key (its hash: the key itself stays out of the limiter's store), else per address."""
    api_key = request.values.get("api_key")
    return "open311:" + (hashlib.sha256(api_key.encode()).hexdigest() if api_key else request.remote_addr or "")


def _rate():
    return current_app.config["OPEN311_RATE_LIMIT"]


limiter.limit(_rate, key_func=_caller)(bp)  # once, at import: init_app runs for every app a process makes


@bp.errorhandler(429)
def _too_many(error):
    fmt = "xml" if request.path.endswith(".xml") else "json"
    return render(fmt, "errors", "error", [{"code": 429, "description": "Too many requests: slow down."}], 429)


def _key():
    return open311.key_for(request.values.get("api_key"))


def _answer(fmt: str, produce):
    try:
        if request.method == "POST" and request.mimetype not in ("application/x-www-form-urlencoded",
                                                                 "multipart/form-data"):
            # GeoReport v2 POSTs are forms; a JSON body would otherwise read as "no api_key".
            raise Open311Error(400, f"POST a form (application/x-www-form-urlencoded), not {request.mimetype or 'an empty body'}.")
        return produce()
    except Open311Error as error:
        db.session.rollback()
        return errors(fmt, error)


@bp.get(f"/discovery.{FORMAT}")
def discovery(fmt):
    base = request.url_root.rstrip("/") + bp.url_prefix
    return render(fmt, "discovery", None, {
        "changeset": "2026-11-26T00:00:00+08:00", "contact": "街道办事处",
        "key_service": "由街道办事处在管理后台“对接系统”页发放（每个系统一个密钥）",
        "endpoints": [{"specification": "http://wiki.open311.org/GeoReport_v2", "url": base,
                       "changeset": "2026-11-26T00:00:00+08:00", "type": "production",
                       "formats": list(CONTENT_TYPES.values())}]})


@bp.get(f"/services.{FORMAT}")
def services(fmt):
    def produce():  # with a key, its street's departments; without one (the spec allows it), each code once
        key = _key() if request.values.get("api_key") else None
        return render(fmt, "services", "service", open311.services(key.street_id if key else None))
    return _answer(fmt, produce)


@bp.get(f"/services/<code>.{FORMAT}")
def service_definition(code, fmt):
    return _answer(fmt, lambda: render(fmt, "service_definition", None, {
        "service_code": open311.department(code).code, "attributes": [dict(a) for a in open311.ATTRIBUTES]}))


@bp.get(f"/requests.{FORMAT}")
def requests_list(fmt):
    def produce():
        rows = open311.find_requests(_key(), request.args, db_now(db.session))
        return render(fmt, "service_requests", "request", [open311.as_request(c) for c in rows])
    return _answer(fmt, produce)


@bp.post(f"/requests.{FORMAT}")
def requests_create(fmt):
    def produce():
        complaint, notice = open311.file_request(_key(), request.form, router())
        db.session.commit()
        return render(fmt, "service_requests", "request",
                      [{"service_request_id": complaint.ticket, "service_notice": notice, "account_id": None}])
    return _answer(fmt, produce)


@bp.get(f"/requests/<ticket>.{FORMAT}")
def requests_one(ticket, fmt):
    return _answer(fmt, lambda: render(fmt, "service_requests", "request",
                                       [open311.as_request(open311.one_request(_key(), ticket))]))


@bp.get(f"/tokens/<token>.{FORMAT}")
def token(token, fmt):
    """Every service is realtime: a POST returns the id at once, so no token is ever issued."""
    return errors(fmt, Open311Error(404, f"token {token} not found: every service here is realtime."))


@bp.post(f"/servicerequestupdates.{FORMAT}")
def request_update(fmt):
    def produce():
        update_id = open311.update_request(_key(), request.form)
        db.session.commit()
        return render(fmt, "service_request_updates", "request_update", [{"update_id": str(update_id)}])
    return _answer(fmt, produce)


cli = AppGroup("open311", help="Keys of the systems connected through Open311.")


def _street(name: str) -> Street:
    found = street_named(name)
    if found is None:
        raise click.ClickException(f"no street named {name!r}")
    return found


@cli.command("add-key")
@click.argument("name")
@click.option("--street", required=True, help="The street whose tickets the key sees and files.")
def add_key(name, street):
    """Create a key for system NAME and print it once (only its hash is kept)."""
    try:
        key = open311.add_key(name, _street(street))
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(key)


@cli.command("revoke-key")
@click.argument("name")
@click.option("--street", default=None, help="The street whose key it is (needed when several streets use the name).")
def revoke_key(name, street):
    try:
        open311.revoke_key(name, street_id=_street(street).id if street is not None else None)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Revoked {name}.")


def init_app(app):
    csrf.exempt(bp)
    app.register_blueprint(bp)
    app.cli.add_command(cli)
