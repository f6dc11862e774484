"""The scheduler process (`flask scheduler run`): APScheduler with its jobs stored in the database.

Run one on every host beside its web workers; web workers start no scheduler. Only the leader
(web/leader.py: an advisory lock on PostgreSQL, a file lock on SQLite) runs jobs; the others stand
by and take over when it dies (APScheduler's FAQ: several schedulers sharing a job store without
coordination run jobs twice or not at all).
"""
import logging
from datetime import datetime, timezone

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from bot import jobs as bot_jobs
from core import jobs as core_jobs
from core.db import db
from web.database import engine_options

log = logging.getLogger("yishi.scheduler")
JOBS_TABLE = "apscheduler_jobs"
_app = None  # the process's app: the job store keeps only a textual reference to run_job


def run_job(target: str) -> None:
    """Run one job inside an app context, given the app's config; a failure is logged and rolled back, never fatal."""
    module, name = target.split(":")
    function = getattr(__import__(module, fromlist=[name]), name)
    with _app.app_context():
        try:
            result = function(_app.config)
            # A run that did something is news; the every-15-seconds runs that found nothing to do are not.
            did = any(result.values()) if isinstance(result, dict) else bool(result)
            log.log(logging.INFO if did else logging.DEBUG, "job %s: %s", target, result)
        except Exception:
            db.session.rollback()
            log.exception("job %s failed", target)


class KeepsGoing:
    """The scheduler's own loop survives database errors: logged, then retried after a growing pause.

    APScheduler reads due jobs and writes their next run times in its loop; an error there (SQLite
    "database is locked", PostgreSQL restarting) escaped the loop and ended the scheduler for good.
    """

    backoff = (5, 10, 30, 60)
    _failures = 0

    def _process_jobs(self):
        try:
            wait = super()._process_jobs()
        except Exception:  # the job store's database: locked, gone, restarting
            pause = self.backoff[min(self._failures, len(self.backoff) - 1)]
            self._failures += 1
            log.exception("scheduler loop: database error (%s in a row); retrying in %s s", self._failures, pause)
            return pause
        self._failures = 0
        return wait


class Scheduler(KeepsGoing, BackgroundScheduler):
    pass


def build(app) -> BackgroundScheduler:
    """A scheduler with every job of the domain and of the bot, due at once so that missed work is caught up."""
    global _app
    _app = app
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    scheduler = Scheduler(
        # The app's engine options (SQLite: wait up to 30 s for a lock, not sqlite3's 5 s default).
        jobstores={"default": SQLAlchemyJobStore(url=url, tablename=JOBS_TABLE, engine_options=engine_options(url))},
        executors={"default": ThreadPoolExecutor(1)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
        timezone=timezone.utc,
    )
    for job_id, target, seconds in core_jobs.SCHEDULE + bot_jobs.SCHEDULE:
        # Fixed ids with replace_existing: a restart updates the stored job instead of adding a twin.
        scheduler.add_job(run_job, "interval", seconds=seconds, id=job_id, args=[target],
                          replace_existing=True, next_run_time=datetime.now(timezone.utc))
    return scheduler


def run(app) -> None:
    """Stand by until this process leads, then run the jobs for as long as it does (until killed)."""
    from web.leader import lead, lock_for

    def start():
        scheduler = build(app)
        scheduler.start()
        return scheduler

    def stop(scheduler):
        scheduler.shutdown(wait=False)

    lead(lock_for(app.config["SQLALCHEMY_DATABASE_URI"], app.instance_path), start, stop)
