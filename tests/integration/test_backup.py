"""`flask backup`: a copy taken while the app holds the database verifies its ballot chains, and restoring
it brings back exactly what was there; a damaged or foreign file is refused and nothing is replaced."""
import json

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from core.db import db
from core.votes.ballots import cast
from core.votes.models import BallotEntry
from tests import factories
from tests.conftest import make_app


@pytest.fixture
def live(tmp_path, monkeypatch):
    """An app on a SQLite file of its own (whatever backend the rest of the suite runs on)."""
    monkeypatch.setenv("YISHI_INSTANCE_PATH", str(tmp_path / "instance"))
    app = make_app(f"sqlite:///{tmp_path / 'live.sqlite3'}")
    with app.app_context():
        upgrade()
        yield app
        db.session.remove()
        db.engine.dispose()


def _ballot_count():
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(BallotEntry))


def test_a_backup_verifies_and_a_restore_brings_back_exactly_it(live, tmp_path):
    estate = factories.estate()
    vote = factories.vote(estate)
    flats = factories.flats_of(estate)
    for n, flat in enumerate(flats[:5]):
        cast(vote.id, flat, "agree", channel="web", idempotency_key=f"k{n}", owner=flat.owners[0])
    db.session.commit()
    runner = live.test_cli_runner()
    copy = tmp_path / "copy.sqlite3"
    created = runner.invoke(args=["backup", "create", "--out", str(copy)])
    assert created.exit_code == 0, created.output
    report = json.loads(created.output)
    assert report["ok"] and report["votes"] == 1 and report["entries"] == 5

    cast(vote.id, flats[6], "disagree", channel="web", idempotency_key="after", owner=flats[6].owners[0])
    db.session.commit()
    assert _ballot_count() == 6
    db.session.remove()
    restored = runner.invoke(args=["backup", "restore", str(copy), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert json.loads(restored.output)["ok"]
    assert _ballot_count() == 5


def test_a_tampered_or_foreign_backup_is_refused_and_nothing_is_replaced(live, tmp_path):
    import sqlite3

    estate = factories.estate()
    vote = factories.vote(estate)
    flat = factories.flats_of(estate)[0]
    cast(vote.id, flat, "agree", channel="web", idempotency_key="k", owner=flat.owners[0])
    db.session.commit()
    runner = live.test_cli_runner()
    copy = tmp_path / "copy.sqlite3"
    assert runner.invoke(args=["backup", "create", "--out", str(copy)]).exit_code == 0
    with sqlite3.connect(copy) as connection:  # someone edits a ballot in the copy
        connection.execute("UPDATE ballot_entry SET choice = 'disagree'")
    connection.close()
    assert "does not match its hash" in runner.invoke(args=["backup", "verify", str(copy)]).output
    refused = runner.invoke(args=["backup", "restore", str(copy), "--yes"])
    assert refused.exit_code != 0 and "does not verify, nothing restored" in refused.output
    foreign = tmp_path / "foreign.sqlite3"
    foreign.write_bytes(b"this is not a database" * 100)
    assert "not a SQLite database" in runner.invoke(args=["backup", "restore", str(foreign), "--yes"]).output
    db.session.expire_all()
    assert db.session.scalar(select(BallotEntry.choice)) == "agree"


def test_backup_points_postgresql_users_to_pg_dump(tmp_path, monkeypatch):
    monkeypatch.setenv("YISHI_INSTANCE_PATH", str(tmp_path / "instance"))
    app = make_app("postgresql+psycopg://nobody@127.0.0.1:1/nothing")  # never connected to
    result = app.test_cli_runner().invoke(args=["backup", "create"])
    assert result.exit_code != 0 and "pg_dump" in result.output


def test_a_backup_with_a_console_paper_ballot_verifies_and_restores(live, tmp_path):
    """Issue 13.1: a +08:00 paper sheet entered through the console no longer makes every backup unusable."""
    import re
    from datetime import datetime, timedelta

    from core.db import SHANGHAI
    from tests.conftest import csrf_token, login

    estate = factories.estate(buildings=("1",), units=1, floors=1)
    worker = factories.user("worker", community_=estate.community)
    vote = factories.vote(estate, opens_in=-7200)
    flat = factories.flats_of(estate)[0]
    db.session.commit()
    client = live.test_client()
    login(client, worker.username)
    page = client.get(f"/console/votes/{vote.id}").get_data(as_text=True)
    client.post(f"/console/votes/{vote.id}/paper", data={
        "csrf_token": csrf_token(client, f"/console/votes/{vote.id}"),
        "key": re.search(r'name="key" value="([0-9a-f]+)"', page).group(1), "flat_id": flat.id, "choice": "agree",
        "collected_by": "李社工", "paper_ref": "P-1",
        "collected_at": (datetime.now(SHANGHAI) - timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M")})
    assert _ballot_count() == 1
    runner = live.test_cli_runner()
    copy = tmp_path / "copy.sqlite3"
    created = runner.invoke(args=["backup", "create", "--out", str(copy)])
    assert created.exit_code == 0 and json.loads(created.output)["ok"], created.output
    db.session.remove()
    restored = runner.invoke(args=["backup", "restore", str(copy), "--yes"])
    assert restored.exit_code == 0 and json.loads(restored.output)["ok"], restored.output


def test_relative_paths_are_read_against_the_current_directory_and_nothing_is_left_behind(live, tmp_path,
                                                                                         monkeypatch):
    estate = factories.estate()
    vote = factories.vote(estate)
    flat = factories.flats_of(estate)[0]
    cast(vote.id, flat, "agree", channel="web", idempotency_key="k", owner=flat.owners[0])
    db.session.commit()
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    runner = live.test_cli_runner()
    created = runner.invoke(args=["backup", "create", "--out", "mybackup.sqlite3"])
    assert created.exit_code == 0, created.output
    report = json.loads(created.output)
    assert report["ok"] and report["entries"] == 1 and report["backup"] == str(work / "mybackup.sqlite3")
    assert sorted(p.name for p in work.iterdir()) == ["mybackup.sqlite3"]  # no -wal or -shm beside it
    assert not list((tmp_path / "instance").glob("mybackup*"))  # and no empty twin in instance/
    verified = runner.invoke(args=["backup", "verify", "mybackup.sqlite3"])
    assert verified.exit_code == 0, verified.output
    assert json.loads(verified.output)["entries"] == 1


def test_a_backup_that_cannot_be_written_leaves_no_file(live, tmp_path, monkeypatch):
    import web.backup

    def broken_copy(source, target):
        target.write_bytes(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(web.backup, "_copy", broken_copy)
    monkeypatch.chdir(tmp_path)
    result = live.test_cli_runner().invoke(args=["backup", "create", "--out", "broken.sqlite3"])
    assert result.exit_code != 0
    assert not list(tmp_path.glob("broken.sqlite3*"))
