"""Opening and closing demand and satisfaction surveys, by hand or when their time comes. Flush, never commit.

`name` ("demand", "survey") names the kind in the audit log and in the push's key.
"""
from datetime import timedelta

from sqlalchemy import select

from core import audit
from core.db import db, db_now, local
from core.residents import pushes


def open_period(item, actor, name: str, page: str) -> None:
    """Open now (or when due) and tell the bound residents of the estate, linking to `page`."""
    item.status, item.opens_at = "open", min(item.opens_at, db_now(db.session))
    pushes.announce("survey_opened", f"{name}:{item.id}", item.estate_id,
                    {"title": item.title, "scope": item.estate.name, "closes_at": local(item.closes_at)}, page)
    audit.record(actor, f"{name}.open", f"{item.__tablename__}:{item.id}")


def close_period(item, actor, name: str) -> None:
    item.status = "closed"
    # A period never ends before it starts, even when closed in the minute it was opened.
    item.closes_at = min(item.closes_at, max(db_now(db.session), item.opens_at + timedelta(seconds=1)))
    audit.record(actor, f"{name}.close", f"{item.__tablename__}:{item.id}")


def advance(model, open_one) -> dict[str, list[int]]:
    """Open drafts of `model` whose time has come (with `open_one`) and close those past their end."""
    now = db_now(db.session)
    due = db.session.scalars(select(model).where(model.status == "draft", model.opens_at <= now)
                             .with_for_update()).all()
    for item in due:
        open_one(item)
    ended = db.session.scalars(select(model).where(model.status == "open", model.closes_at <= now)
                               .with_for_update()).all()
    for item in ended:
        item.status = "closed"
    db.session.flush()
    return {"opened": [i.id for i in due], "closed": [i.id for i in ended]}
