"""The scheduler keeps going through database errors, waits for SQLite's lock as long as the app does,
and its last heartbeat shows on the console and in /healthz."""
import time

from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from core.db import db
from tests import factories
from tests.conftest import BACKEND, login


def test_the_job_store_waits_for_a_locked_database_as_long_as_the_app(app):
    from web.scheduler import build

    engine = build(app)._jobstores["default"].engine
    if BACKEND == "sqlite":
        with engine.connect() as connection:  # sqlite3's default is 5 s, after which the scheduler died
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    else:
        assert engine.pool._pre_ping
    engine.dispose()


def test_the_scheduler_loop_survives_database_errors_and_retries(app, monkeypatch):
    """Two 'database is locked' errors while the loop stores next run times: logged, paused, retried."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

    import web.scheduler
    from web.scheduler import build

    real_update = SQLAlchemyJobStore.update_job
    calls = []

    def flaky_update(store, job):
        calls.append(job.id)
        if len(calls) <= 2:
            raise OperationalError("UPDATE apscheduler_jobs", {}, Exception("database is locked"))
        return real_update(store, job)

    monkeypatch.setattr(SQLAlchemyJobStore, "update_job", flaky_update)
    if hasattr(web.scheduler, "KeepsGoing"):  # short pauses for the test
        monkeypatch.setattr(web.scheduler.KeepsGoing, "backoff", (0.2, 0.4))
    db.session.commit()
    scheduler = build(app)
    scheduler.start()  # a background scheduler: its loop runs in its own thread
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(calls) < 5:
            time.sleep(0.2)
        assert scheduler.running and scheduler._thread.is_alive(), "the scheduler loop died on a database error"
        assert len(calls) >= 5  # it went on storing next run times after the errors
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=True)
        scheduler._jobstores["default"].engine.dispose()
        db.session.rollback()
        db.session.execute(text("DROP TABLE IF EXISTS apscheduler_jobs"))
        db.session.commit()
    from core.jobs import scheduler_status

    db.session.expire_all()
    assert scheduler_status()["last_beat"] is not None  # the heartbeat job ran


def test_the_heartbeat_shows_on_healthz_and_the_console(app, client):
    from core.jobs import heartbeat

    user = factories.user("admin")
    db.session.commit()
    status = client.get("/healthz").get_json()
    assert status["ok"] is True and status["scheduler"] == {"last_beat": None, "stale": True}
    login(client, user.username)
    page = client.get("/console/").get_data(as_text=True)
    assert "从未运行" in page and "请检查 flask scheduler run" in page
    heartbeat(app.config)
    status = client.get("/healthz").get_json()
    assert status["scheduler"]["last_beat"] and status["scheduler"]["stale"] is False
    page = client.get("/console/").get_data(as_text=True)
    assert "定时任务" in page and "请检查 flask scheduler run" not in page and "从未运行" not in page
