"""The factory, the migrations, the CLI commands of the foundation."""
from sqlalchemy import func, select

from core.accounts import User
from core.db import db
from core.register.models import Flat, Street


def test_factory_reads_config_and_touches_no_database(tmp_path, monkeypatch):
    monkeypatch.setenv("YISHI_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "1")
    from web.app import create_app

    app = create_app()  # an unreachable database must not matter until a request needs it
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert (tmp_path / "secret_key").exists() and app.config["SECRET_KEY"]


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("YISHI_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    from web.app import create_app

    assert create_app().config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'yishi.sqlite3'}"


def test_migrations_match_the_models(runner):
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output


def test_demo_seed_builds_a_street_once(runner):
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    assert "worker / " in first.output and "street / " in first.output
    flats = db.session.scalar(select(func.count(Flat.id)))
    assert 280 <= flats <= 320
    areas = db.session.scalars(select(Flat.area)).all()
    assert 45 <= min(areas) and max(areas) <= 120
    from core.db import SHANGHAI
    from core.votes.models import Vote

    # The demo's votes open at 9:00 and close at 18:00 Beijing time, whatever hour it is seeded.
    votes = db.session.scalars(select(Vote)).all()
    assert votes and {(v.opens_at.astimezone(SHANGHAI).hour, v.closes_at.astimezone(SHANGHAI).hour) for v in votes} == {(9, 18)}
    # Its paper sheets were collected door to door in the daytime, not at 2 a.m.
    from core.votes.models import BallotEntry

    hours = {e.effective_at.astimezone(SHANGHAI).hour for e in db.session.scalars(
        select(BallotEntry).where(BallotEntry.channel == "paper"))}
    assert hours and hours <= set(range(9, 20)), hours
    again = runner.invoke(args=["demo", "seed"])
    assert "already seeded" in again.output
    assert db.session.scalar(select(func.count(Flat.id))) == flats
    assert db.session.scalar(select(func.count(Street.id))) == 1


def test_users_create_makes_an_admin_and_refuses_a_short_password(runner):
    result = runner.invoke(args=["users", "create", "boss", "--role", "admin"], input="long-password\nlong-password\n")
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User).where(User.username == "boss")).check_password("long-password")
    short = runner.invoke(args=["users", "create", "boss2", "--role", "admin"], input="short\nshort\n")
    assert short.exit_code != 0 and "8" in short.output


def test_health(client):
    answer = client.get("/healthz").json
    assert answer["ok"] is True and set(answer["scheduler"]) == {"last_beat", "stale"}


def test_the_demo_demand_comments_are_varied_and_believable(runner):
    from collections import Counter

    from core.consultation.models import DemandResponse

    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    comments = [c for c in db.session.scalars(select(DemandResponse.comment)) if c]
    counts = Counter(comments)
    assert len(comments) >= 15 and len(counts) >= 15
    assert max(counts.values()) <= 3, counts.most_common(3)
    assert any("电梯" in c for c in comments) and any("停车" in c or "车位" in c for c in comments)
    assert not any("{" in c for c in comments)
