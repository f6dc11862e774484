"""`flask backup create / verify / restore`: consistent copies of a SQLite database, checked before use.

SQLite's online backup API copies a live database page by page under its lock, so a backup taken while
the app runs is a consistent snapshot. PostgreSQL has pg_dump for this (README: Backups).
"""
import json
import sqlite3
import sys
from datetime import datetime, timezone
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.engine import make_url

backup = AppGroup("backup", help="Back up and restore the SQLite database (PostgreSQL: pg_dump, see README).")


def init_app(app, app_factory):
    """`app_factory` (web.app.create_app) opens a copy on its own; passed in, since web.app imports this module."""
    app.extensions["yishi.app_factory"] = app_factory
    app.cli.add_command(backup)


def _database_file() -> Path:
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite" or not url.database:
        raise click.ClickException("flask backup works on SQLite; for PostgreSQL use pg_dump and pg_restore "
                                   "(README: Backups).")
    path = Path(url.database)
    # Flask-SQLAlchemy reads a relative SQLite path against the instance folder.
    return path if path.is_absolute() else Path(current_app.instance_path) / path


def _absolute(path: Path) -> Path:
    """A path the user typed, against the current directory: Flask-SQLAlchemy would read a relative
    SQLite path against instance/ and open (create) an empty database there."""
    return Path(path).expanduser().resolve()


def _side_files(path: Path) -> list[Path]:
    return [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal")]


def _remove(path: Path) -> None:
    for leftover in (path, *_side_files(path)):
        leftover.unlink(missing_ok=True)


def _copy(source: Path, target: Path) -> None:
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


def verify_file(path: Path, app_factory=None) -> dict:
    """Open a database file on its own and check it: SQLite's integrity check, then every vote's log."""
    create_app = app_factory or current_app.extensions["yishi.app_factory"]
    path = _absolute(path)
    if not path.is_file():
        return {"ok": False, "problems": [f"no file {path}"]}
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
            integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        connection.close()
    except sqlite3.DatabaseError as error:
        return {"ok": False, "problems": [f"not a SQLite database: {error}"]}
    if integrity != "ok" or "vote" not in tables:
        return {"ok": False, "problems": [f"integrity check: {integrity}" if integrity != "ok"
                                          else "not a Yishi database (no vote table)"]}
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "backup-check",
                      "NLP_MODEL_DIR": str(path.parent / ".no-models")})
    with app.app_context():
        from core.db import db
        from core.votes.checkpoints import trusted_keys, verify_signed
        from core.votes.models import Vote

        # Checked against this installation's keys: a copy whose logs were cut or rewritten is refused.
        trusted = trusted_keys(app.config)
        reports = {vote.id: verify_signed(vote, trusted) for vote in db.session.scalars(select(Vote).order_by(Vote.id))}
        db.session.remove()
        db.engine.dispose()
    for leftover in _side_files(path):  # the check opened the copy in WAL mode; the copy stays one file
        leftover.unlink(missing_ok=True)
    problems = [f"vote {vote_id}: {problem}" for vote_id, r in reports.items() for problem in r.problems]
    return {"ok": not problems, "votes": len(reports), "entries": sum(r.entries for r in reports.values()),
            "problems": problems}


@backup.command("create")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Default: instance/backups/yishi-<UTC time>.sqlite3")
def backup_create(out):
    """Copy the live SQLite database, consistently, while the app runs; then verify the copy."""
    source = _database_file()
    out = _absolute(out) if out else Path(current_app.instance_path) / "backups" / \
        f"yishi-{datetime.now(timezone.utc):%Y%m%d-%H%M%S}.sqlite3"
    if out.exists():
        raise click.ClickException(f"{out} exists already.")
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        _copy(source, out)
        report = verify_file(out)
    except BaseException:  # a half-written copy is no backup: leave nothing behind
        _remove(out)
        raise
    click.echo(json.dumps({"backup": str(out), **report}, ensure_ascii=False))
    sys.exit(0 if report["ok"] else 1)


@backup.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def backup_verify(file):
    """Check a backup: SQLite's integrity check and every vote's ballot chain."""
    report = verify_file(_absolute(file))
    click.echo(json.dumps(report, ensure_ascii=False))
    sys.exit(0 if report["ok"] else 1)


@backup.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def backup_restore(file, yes):
    """Replace the live database with a verified backup (stop the web workers and the scheduler first)."""
    target = _database_file()
    file = _absolute(file)
    report = verify_file(file)
    if not report["ok"]:
        raise click.ClickException("the backup does not verify, nothing restored: " + "; ".join(report["problems"]))
    if not yes:
        click.confirm(f"Replace {target} with {file}?", abort=True)
    from core.db import db

    db.session.remove()
    db.engine.dispose()
    _copy(file, target)
    click.echo(json.dumps({"restored": str(file), "into": str(target), **verify_file(target)}, ensure_ascii=False))
