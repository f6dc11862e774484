"""CLI groups: `flask demo`, `flask users`, `flask register`. Each command commits once."""
import json
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from core import audit
from core import demo as demo_module
from core.accounts import AccountError, change_password, create_user, deactivate
from core.db import db
from core.register.lookup import community_named, street_named
from core.register.models import Community, Estate
from core.register.operations import create_estate, export_register, import_register
from core.register.sheet import ImportRejected
from core.residents.links import issue_link
from core.votes.ballots import owner_has_voted

demo = AppGroup("demo", help="The demo street.")
users = AppGroup("users", help="Staff accounts.")
register = AppGroup("register", help="The household register (一区一档).")
departments = AppGroup("departments", help="Departments that complaints are routed to.")


def init_app(app):
    for group in (demo, users, register, departments, residents, votes, scheduler, wechat):
        app.cli.add_command(group)


@demo.command("seed")
def demo_seed():
    """Build the demo street unless it is there already, and print the demo logins."""
    from web.classifier import router

    made = demo_module.seed(router())
    db.session.commit()
    if made:
        click.echo(f"Demo seeded: {made['estates']} estates, {made['flats']} flats in {made['street']}.")
    else:
        click.echo("Demo already seeded.")
    click.echo("Demo logins (http://127.0.0.1:5000/login):")
    for username, password, role, display, *_ in demo_module.LOGINS:
        click.echo(f"  {username} / {password}  ({display}, {role})")
    owner = demo_module.demo_resident()
    link = issue_link(owner)
    db.session.commit()
    click.echo(f"A resident ({owner.flat.label}), one-time link valid 30 minutes:")
    click.echo(f"  http://127.0.0.1:5000/r/login/{link}")


@departments.command("seed")
def departments_seed():
    """Give every street the default departments it lacks (each street office edits its own in the console)."""
    from core.complaints.departments import seed_defaults

    added = seed_defaults()
    db.session.commit()
    click.echo(f"Added {added} department(s).")


@users.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(["admin", "worker", "street"]), required=True)
@click.option("--community", help="Community name, for a worker.")
@click.option("--street", help="Street office name, for street-office staff.")
@click.option("--name", "display_name", default="", help="Name shown in the console.")
@click.password_option()
def users_create(username, role, community, street, display_name, password):
    """Create a staff account (the first admin, say)."""
    try:
        found_community, found_street = community_named(community), street_named(street)
        if community and found_community is None:
            raise AccountError(f"没有名为 {community!r} 的社区。")
        if street and found_street is None:
            raise AccountError(f"没有名为 {street!r} 的街道。")
        user = create_user(username, password, role, display_name, community=found_community, street=found_street)
    except AccountError as error:
        db.session.rollback()
        raise click.ClickException(str(error))
    db.session.commit()
    click.echo(f"Created {user.username} ({user.role.value}).")


def _user(username: str):
    from core.accounts import User

    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"No user {username!r}.")
    return user


@users.command("set-password")
@click.argument("username")
@click.password_option()
def users_set_password(username, password):
    """A new password; the user's open sessions end everywhere."""
    user = _user(username)
    try:
        change_password(user, password)
    except AccountError as error:
        db.session.rollback()
        raise click.ClickException(str(error))
    audit.record(None, "user.password", f"user:{user.id}")
    db.session.commit()
    click.echo(f"Password changed for {user.username}; their sessions have ended.")


@users.command("deactivate")
@click.argument("username")
def users_deactivate(username):
    """The account can no longer sign in; its open sessions end."""
    user = _user(username)
    deactivate(user)
    audit.record(None, "user.deactivate", f"user:{user.id}")
    db.session.commit()
    click.echo(f"Deactivated {user.username}; their sessions have ended.")


def _estate(name: str) -> Estate:
    estate = db.session.scalar(select(Estate).where(Estate.name == name)) if not name.isdigit() \
        else db.session.get(Estate, int(name))
    if estate is None:
        raise click.ClickException(f"No estate {name!r}.")
    return estate


@register.command("create-estate")
@click.option("--community", required=True)
@click.option("--name", required=True)
@click.option("--year", "year_built", type=int, required=True)
@click.option("--buildings", required=True, help="Building numbers, comma-separated: 1,2,3")
@click.option("--address", default="")
def register_create_estate(community, name, year_built, buildings, address):
    """Register an estate and its buildings; flats come from `flask register import`."""
    found = db.session.scalar(select(Community).where(Community.name == community))
    if found is None:
        raise click.ClickException(f"No community {community!r}.")
    estate = create_estate(found, name, year_built, [b for b in buildings.split(",") if b.strip()], address)
    db.session.commit()
    click.echo(f"Created estate {estate.id} {estate.name} with {len(estate.buildings)} buildings.")


@register.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--estate", "estate_name", required=True, help="Estate name or id.")
def register_import(file, estate_name):
    """Import a register spreadsheet (.xlsx or .csv); nothing is imported if any row is bad."""
    estate = _estate(estate_name)
    try:
        result = import_register(estate, file.name, file.read_bytes(), actor=None,
                                     has_voted=owner_has_voted)
    except ImportRejected as rejected:
        db.session.rollback()
        click.echo(f"Nothing imported: {len(rejected.errors)} problem(s).", err=True)
        for error in rejected.errors:
            click.echo(f"  {error}", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(result.summary)


@register.command("export")
@click.option("--estate", "estate_name", required=True, help="Estate name or id.")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def register_export(estate_name, out):
    """Write the estate's register to an .xlsx file (audited)."""
    data = export_register(_estate(estate_name), actor=None)
    db.session.commit()
    out.write_bytes(data)
    click.echo(f"Wrote {out}.")


residents = AppGroup("residents", help="Residents' access to the mobile pages.")


@residents.command("link")
@click.option("--estate", "estate_name", required=True, help="Estate name or id.")
@click.argument("flat_code")
def residents_link(estate_name, flat_code):
    """Print a one-time sign-in link for the representative of FLAT_CODE (building-unit-flat, e.g. 1-2-301)."""
    from core.register.lookup import flat_by_code

    flat = flat_by_code(_estate(estate_name), flat_code)
    if flat is None or flat.representative is None:
        raise click.ClickException(f"No flat {flat_code} with an owner in that estate.")
    token = issue_link(flat.representative)
    db.session.commit()
    click.echo(f"/r/login/{token}")


votes = AppGroup("votes", help="Consent votes: evaluate a case, verify a log, close due votes.")
scheduler = AppGroup("scheduler", help="The one scheduler process.")


@votes.command("evaluate")
@click.argument("case", type=click.File("r", encoding="utf-8"))
def votes_evaluate(case):
    """Evaluate an auditor's CASE.json ({"rule", "flats", "ballots", "fractions"?}) and print the tally as JSON."""
    from core.votes.consent import RuleError, evaluate, rule_for

    try:
        data = json.load(case)
        if not isinstance(data, dict) or not isinstance(data.get("flats"), list) \
                or not isinstance(data.get("ballots", {}), dict):
            raise RuleError('expected {"rule": ..., "flats": [{"id": ..., "area": ...}], "ballots": {...}}')
        flats = []
        for index, flat in enumerate(data["flats"]):
            if not isinstance(flat, dict) or "id" not in flat or "area" not in flat:
                raise RuleError(f"flats[{index}] needs an id and an area")
            try:
                flats.append((str(flat["id"]), Decimal(str(flat["area"]))))
            except InvalidOperation:
                raise RuleError(f"flats[{index}]: area {flat['area']!r} is not a number") from None
        ballots = {str(k): v for k, v in data.get("ballots", {}).items()}
        tally = evaluate(flats, ballots, rule_for(str(data.get("rule", "")), data.get("fractions")))
    except (json.JSONDecodeError, RuleError) as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    click.echo(json.dumps(tally.as_dict(), ensure_ascii=False))


@votes.command("verify")
@click.argument("vote_id", type=int)
def votes_verify(vote_id):
    """Re-check a vote's electorate digest, hash chain, current ballots and frozen tally."""
    from core.votes.log import verify_vote
    from core.votes.models import Vote

    vote = db.session.get(Vote, vote_id)
    if vote is None:
        raise click.ClickException(f"No vote {vote_id}.")
    report = verify_vote(vote)
    click.echo(json.dumps({"vote": vote_id, "ok": report.ok, "entries": report.entries, "head": report.head,
                           "first_broken_seq": report.first_broken_seq, "problems": report.problems}))
    sys.exit(0 if report.ok else 1)


@votes.command("close-due")
def votes_close_due():
    """Close every vote past its closing time (the scheduler does this every 15 s)."""
    from flask import current_app

    from core.jobs import close_votes

    click.echo(f"Closed: {close_votes(current_app.config)}")


@scheduler.command("run")
def scheduler_run():
    """Run the one scheduler process: closes votes, reminds, sends pushes; catches up after a restart."""
    from flask import current_app

    from web.scheduler import build

    build(current_app._get_current_object()).start()


wechat = AppGroup("wechat", help="The WeChat official account.")
menu = AppGroup("menu", help="The account's click menu.")
wechat.add_command(menu)


@menu.command("show")
def menu_show():
    """Print the menu as WeChat's menu/create call takes it."""
    from bot.menu import menu_json

    click.echo(json.dumps(menu_json(), ensure_ascii=False, indent=1))


@menu.command("push")
def menu_push():
    """Create (replace) the account's menu through WeChat's API."""
    from flask import current_app
    from wechatpy.exceptions import WeChatClientException

    from bot.client import make_client
    from bot.menu import menu_json

    if not (current_app.config["WECHAT_APP_ID"] and current_app.config["WECHAT_APP_SECRET"]):
        raise click.ClickException("Set WECHAT_APP_ID and WECHAT_APP_SECRET first.")
    try:
        make_client(current_app.config).menu.create(menu_json())
    except WeChatClientException as error:
        raise click.ClickException(f"WeChat refused the menu: {error.errcode} {error.errmsg}") from None
    except Exception as error:
        raise click.ClickException(f"Cannot reach WeChat: {error}") from None
    click.echo("Menu pushed.")


@wechat.command("send-pushes")
def wechat_send_pushes():
    """Send the due template messages now (the scheduler does this every 10 s)."""
    from flask import current_app

    from bot.jobs import send_pushes

    click.echo(json.dumps(send_pushes(current_app.config)))
