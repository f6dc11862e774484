"""CLI groups: `flask demo`, `flask users`, `flask register`, …, `flask bot`. Each command commits once."""
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
from web.config import LOCAL_BASE_URL

demo = AppGroup("demo", help="The demo street.")
users = AppGroup("users", help="Staff accounts.")
register = AppGroup("register", help="The household register (一区一档).")
departments = AppGroup("departments", help="Departments that complaints are routed to.")


def public_url(path: str) -> str:
    """A full address for a path, for links printed in the terminal and handed to a resident."""
    from flask import current_app

    return (current_app.config["PUBLIC_BASE_URL"] or LOCAL_BASE_URL) + path


def init_app(app):
    from web.devserver import dev_server

    for group in (demo, users, register, departments, residents, votes, scheduler, wechat, bot_group, dev_server):
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
    click.echo(f"Start here: {public_url('/')}")
    click.echo(f"Demo logins ({public_url('/login')}):")
    for username, password, role, display, *_ in demo_module.LOGINS:
        click.echo(f"  {username} / {password}  ({display}, {role})")
    owner = demo_module.demo_resident()
    link = issue_link(owner)
    db.session.commit()
    click.echo(f"A resident ({owner.flat.label}), one-time link valid 30 minutes:")
    click.echo(f"  {public_url('/r/login/' + link)}")


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


@register.command("create-street")
@click.option("--name", required=True, help="The street office's name, e.g. 雁江街道.")
def register_create_street(name):
    """Add a street office (audited)."""
    from core.complaints.departments import seed_defaults
    from core.register.admin import RegisterError, create_street

    try:
        street = create_street(None, name)
        seed_defaults(street)  # its officers find the default departments, not an empty list
    except RegisterError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Created street {street.id} {street.name}.")


@register.command("create-community")
@click.option("--street", "street_name", required=True, help="The street office it belongs to.")
@click.option("--name", required=True, help="The community's name, e.g. 建设路社区.")
def register_create_community(street_name, name):
    """Add a community to a street office (audited)."""
    from core.register.admin import RegisterError, create_community

    street = street_named(street_name)
    if street is None:
        raise click.ClickException(f"没有名为“{street_name}”的街道。")
    try:
        community = create_community(None, street, name)
    except RegisterError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Created community {community.id} {community.name} in {street.name}.")


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
    click.echo(public_url(f"/r/login/{token}"))


@residents.command("code")
@click.option("--estate", "estate_name", required=True, help="Estate name or id.")
@click.argument("flat_code")
def residents_code(estate_name, flat_code):
    """Print a fresh 8-digit binding code for the representative of FLAT_CODE (the console's 生成绑定码):
    sent in the chat, it binds that WeChat to the owner; earlier unused codes of the owner stop working."""
    from core.register.lookup import flat_by_code
    from core.residents.bindings import issue_code

    flat = flat_by_code(_estate(estate_name), flat_code)
    if flat is None or flat.representative is None:
        raise click.ClickException(f"{flat_code}：这个小区没有这套房，或这套房还没有登记业主。")
    code = issue_code(flat.representative, None)
    db.session.commit()
    click.echo(f"{flat.label} {flat.representative.name}")
    click.echo(code)


votes = AppGroup("votes", help="Consent votes: list, create, publish, enter paper ballots, evaluate a case, verify a "
                              "log, export its proof, close due votes.")
scheduler = AppGroup("scheduler", help="The scheduler: one per host, one of them leads.")


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
        flats, owners = [], {}
        for index, flat in enumerate(data["flats"]):
            if not isinstance(flat, dict) or "id" not in flat or "area" not in flat:
                raise RuleError(f"flats[{index}] needs an id and an area")
            try:
                flats.append((str(flat["id"]), Decimal(str(flat["area"]))))
            except InvalidOperation:
                raise RuleError(f"flats[{index}]: area {flat['area']!r} is not a number") from None
            if flat.get("owner") is not None:
                if not isinstance(flat["owner"], (str, int)) or isinstance(flat["owner"], bool) \
                        or str(flat["owner"]).strip() == "":
                    raise RuleError(f"flats[{index}]: owner must be a non-empty string")
                owners[str(flat["id"])] = str(flat["owner"])
        ballots = {str(k): v for k, v in data.get("ballots", {}).items()}
        tally = evaluate(flats, ballots, rule_for(str(data.get("rule", "")), data.get("fractions")), owners or None)
    except (json.JSONDecodeError, RuleError) as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(2)
    click.echo(json.dumps(tally.as_dict(), ensure_ascii=False))


@votes.command("list")
def votes_list():
    """Print every vote, one JSON object a line: id, estate, matter, status, opening and closing (Beijing time)."""
    from core.db import local
    from core.votes.models import Vote

    for vote in db.session.scalars(select(Vote).order_by(Vote.id)):
        click.echo(json.dumps({"vote": vote.id, "estate": vote.estate.name, "matter": vote.matter, "status": vote.status,
                               "opens_at": local(vote.opens_at), "closes_at": local(vote.closes_at)},
                              ensure_ascii=False))


@votes.command("verify")
@click.argument("vote_id", type=int)
def votes_verify(vote_id):
    """Re-check a vote's electorate digest, hash chain, current ballots, frozen tally and signed checkpoints."""
    from flask import current_app

    from core.votes.checkpoints import latest, trusted_keys, verify_signed
    from core.votes.models import Vote

    vote = db.session.get(Vote, vote_id)
    if vote is None:
        raise click.ClickException(f"No vote {vote_id} (`flask votes list` lists them).")
    report = verify_signed(vote, trusted_keys(current_app.config))
    head = latest(vote.id)
    click.echo(json.dumps({"vote": vote_id, "ok": report.ok, "entries": report.entries, "head": report.head,
                           "signed_size": head.tree_size if head else 0, "signed_root": head.root_hash if head else None,
                           "first_broken_seq": report.first_broken_seq, "problems": report.problems}))
    sys.exit(0 if report.ok else 1)


@votes.command("export-proof")
@click.argument("vote_id", type=int)
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def votes_export_proof(vote_id, out):
    """Write a vote's proof bundle without names (electorate digest, entries, signed checkpoints, public key);
    check it anywhere with `python tools/verify_vote_proof.py OUT`."""
    from core import audit
    from core.votes.models import Vote
    from core.votes.proof import bundle

    vote = db.session.get(Vote, vote_id)
    if vote is None or vote.status == "draft":
        raise click.ClickException(f"No published vote {vote_id}.")
    data = bundle(vote)
    audit.record(None, "vote.export_proof", f"vote:{vote.id}", f"{len(data['entries'])} entries")
    db.session.commit()
    out.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    click.echo(f"Wrote {out}: {len(data['entries'])} entries, {len(data['checkpoints'])} checkpoints.")


def _moment(text: str, option: str):
    """An ISO 8601 time from the command line; one without an offset is Beijing time, as in the console."""
    from datetime import datetime

    from core.db import SHANGHAI

    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise click.ClickException(f"{option}: “{text}”不是 ISO 时间，例如 2026-12-01T09:00+08:00。") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)


def _vote(vote_id: int):
    from core.votes.models import Vote

    vote = db.session.get(Vote, vote_id)
    if vote is None:
        raise click.ClickException(f"没有编号为 {vote_id} 的表决。")
    return vote


@votes.command("create")
@click.option("--estate", "estate_name", required=True, help="Estate name or id.")
@click.option("--matter", required=True, help="What is decided, e.g. 1栋2单元加装电梯.")
@click.option("--rule", required=True, help="headcount_2_3, civil_code_major, civil_code_ordinary or custom.")
@click.option("--scope", "scope_text", default="estate", show_default=True, help="estate, building:N or unit:N-M.")
@click.option("--opens", default="", help="ISO time (any offset; none = Beijing time); default now.")
@click.option("--closes", required=True, help="ISO time (any offset; none = Beijing time).")
@click.option("--fractions", default="", help='For --rule custom: {"participation": "2/3", "approval": "3/4"}.')
@click.option("--description", default="")
def votes_create(estate_name, matter, rule, scope_text, opens, closes, fractions, description):
    """Create a draft vote; prints its id as the last line (publish it with `flask votes publish ID`)."""
    from core.db import db_now
    from core.register.sheet import normalize_building, normalize_unit
    from core.votes.operations import VoteError, create_vote

    estate = _estate(estate_name)
    building = unit = None
    kind, _, where = scope_text.partition(":")
    if kind == "building" and where:
        building = next((b for b in estate.buildings if b.number == normalize_building(where)), None)
    elif kind == "unit" and "-" in where:
        number, _, unit_number = where.partition("-")
        building_ = next((b for b in estate.buildings if b.number == normalize_building(number)), None)
        unit = next((u for u in building_.units if u.number == normalize_unit(unit_number)), None) if building_ else None
    elif kind != "estate" or where:
        raise click.ClickException("--scope 应为 estate、building:楼栋号 或 unit:楼栋号-单元号，例如 unit:1-2。")
    if kind != "estate" and building is None and unit is None:
        raise click.ClickException(f"{estate.name} 没有 {scope_text.partition(':')[2]} 这个{'楼栋' if kind == 'building' else '单元'}。")
    try:
        parsed = json.loads(fractions) if fractions else None
    except json.JSONDecodeError:
        raise click.ClickException("--fractions 应是 JSON，例如 {\"participation\": \"2/3\", \"approval\": \"3/4\"}。") from None
    opens_at = _moment(opens, "--opens") if opens else db_now(db.session).replace(second=0, microsecond=0)
    try:
        vote = create_vote(None, estate, matter, rule, opens_at, _moment(closes, "--closes"), building=building,
                           unit=unit, fractions=parsed, description=description)
    except VoteError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Draft vote created: {vote.matter}, {vote.scope_label}. Publish: flask votes publish {vote.id}")
    click.echo(vote.id)


@votes.command("publish")
@click.argument("vote_id", type=int)
def votes_publish(vote_id):
    """Publish a draft: freeze the electorate (flats, areas, persons) and tell the bound residents."""
    from core.votes.operations import VoteError, open_vote

    vote = _vote(vote_id)
    try:
        open_vote(vote.id, None)
    except VoteError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Published vote {vote.id}: electorate {vote.electorate_hash[:12]}.")


@votes.command("paper")
@click.argument("vote_id", type=int)
@click.argument("flat_code")
@click.option("--choice", required=True, type=click.Choice(["agree", "disagree", "abstain"]))
@click.option("--collected-by", required=True, help="Who collected the sheet.")
@click.option("--collected-at", required=True, help="When, ISO (any offset; none = Beijing time).")
@click.option("--ref", required=True, help="The sheet's number (表决票编号), unique within the vote.")
@click.option("--recorded-by", required=True, help="Username of the community worker entering it.")
def votes_paper(vote_id, flat_code, choice, collected_by, collected_at, ref, recorded_by):
    """Enter a paper ballot for FLAT_CODE (building-unit-flat, e.g. 1-2-301), as the console form does.

    Running the same command again stores nothing twice."""
    import hashlib

    from core.accounts import User
    from core.register.lookup import flat_by_code
    from core.votes.ballots import BallotRefused, Paper, cast

    vote = _vote(vote_id)
    flat = flat_by_code(vote.estate, flat_code)
    if flat is None:
        raise click.ClickException(f"{vote.estate.name} 没有 {flat_code} 这一户。")
    worker = db.session.scalar(select(User).where(User.username == recorded_by))
    if worker is None:
        raise click.ClickException(f"没有用户名为 {recorded_by} 的工作人员。")
    moment = _moment(collected_at, "--collected-at")
    # The same sheet entered twice (a re-run) is one entry; the key covers everything on it.
    key = "cli:" + hashlib.sha256(json.dumps(
        [vote.id, flat.id, choice, collected_by, moment.isoformat(), ref], ensure_ascii=False).encode()).hexdigest()[:48]
    try:
        entry = cast(vote.id, flat, choice, channel="paper", idempotency_key=key, recorded_by=worker,
                     paper=Paper(collected_by, moment, ref))
    except BallotRefused as refused:
        db.session.rollback()
        raise click.ClickException(str(refused)) from None
    db.session.commit()
    click.echo(f"Entered {flat.label} ({choice}), sheet {entry.paper_ref}: receipt {entry.receipt}.")


@votes.command("close-due")
def votes_close_due():
    """Close every vote past its closing time (the scheduler does this every 15 s)."""
    from flask import current_app

    from core.jobs import close_votes

    click.echo(f"Closed: {close_votes(current_app.config)}")


@scheduler.command("run")
def scheduler_run():
    """Run a scheduler: closes votes, reminds, sends pushes; catches up after a restart.

    Start one on every host: one leads (runs the jobs), the others stand by and take over when it dies."""
    from flask import current_app

    from web.scheduler import run

    run(current_app._get_current_object())


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


bot_group = AppGroup("bot", help="The chat's understanding of residents' messages (no database needed).")


@bot_group.command("understand")
def bot_understand():
    """Read one message a line on stdin, print one JSON object a line: text, intent, confidence.

    Every input line gets an output line, in order (a blank line is intent "other"), flushed at once,
    so that a script can hold a conversation with it through a pipe."""
    from bot.understand import understand

    # Bytes both ways, in UTF-8, whatever the locale says (a cron job's C locale, say).
    source, out = sys.stdin.buffer, sys.stdout.buffer
    for raw in iter(source.readline, b""):
        text = raw.decode("utf-8", errors="replace").removeprefix("\ufeff").rstrip("\r\n")
        out.write(json.dumps(understand(text).as_json(), ensure_ascii=False).encode("utf-8") + b"\n")
        out.flush()
