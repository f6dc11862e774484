"""Opening and closing demand and satisfaction surveys, by hand or when their time comes. Flush, never commit.

`name` ("demand", "survey") names the kind in the audit log and in the push's key.
"""
from datetime import timedelta

from sqlalchemy import select

from core import audit
from core.db import db, db_now, local
from core.residents import pushes


def clash(model, estate_id: int, opens_at, closes_at, exclude_id=None):
    """Another questionnaire of the same kind in the estate that is open, or scheduled, during these times.

    Two demand surveys at once split the households' answers and leave residents asking which one counts
    (and the chat answers only the newest): one of a kind per estate at a time."""
    query = select(model).where(model.estate_id == estate_id, model.status.in_(("draft", "open")),
                                model.opens_at < closes_at, model.closes_at > opens_at)
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    return db.session.scalars(query.order_by(model.opens_at)).first()


def clash_message(other, what: str) -> str:
    when = "正在进行" if other.status == "open" else f"已安排在 {local(other.opens_at)} 开始"
    return (f"本小区已有一个{what}“{other.title}”{when}（到 {local(other.closes_at)} 截止）。"
            f"同一小区同一时间只能有一个{what}：请先结束它，或把新的时间安排在它截止以后。")


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
    opened = []
    for item in due:
        try:
            open_one(item)
        except ValueError:  # one of its kind is open already (opened early by hand): it waits for that one
            continue
        opened.append(item)
    due = opened
    ended = db.session.scalars(select(model).where(model.status == "open", model.closes_at <= now)
                               .with_for_update()).all()
    for item in ended:
        item.status = "closed"
    db.session.flush()
    return {"opened": [i.id for i in due], "closed": [i.id for i in ended]}
