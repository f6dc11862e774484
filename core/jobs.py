"""Scheduled work in the domain, listed as data: what runs, how often. Each job is idempotent and commits once.

Jobs take the app's configuration (a plain dict) and return what they did, for the log.
"""
from datetime import timedelta
from pathlib import Path

from sqlalchemy import delete

from core.complaints import history, tickets
from core.consultation import demands, notices, surveys
from core.db import UTCDateTime, db, db_now
from core.residents.deliveries import forget_nonces
from core.residents.models import InboundMessage
from core.votes import checkpoints, objections, reminders
from core.votes.operations import close_due_votes

# (job id, "module:function", seconds between runs). Jobs scan by the database clock, so a
# scheduler that was down when something fell due does it on its first run after restart.
SCHEDULE = (
    ("scheduler.heartbeat", "core.jobs:heartbeat", 30),
    ("votes.close_due", "core.jobs:close_votes", 15),
    ("votes.checkpoint", "core.jobs:checkpoint_votes", checkpoints.CHECKPOINT_EVERY_SECONDS),
    ("votes.remind", "core.jobs:remind_votes", 300),
    ("votes.confirm_results", "core.jobs:confirm_results", 300),
    ("wechat.forget_deliveries", "core.jobs:forget_deliveries", 3600),
    ("complaints.flag_overdue", "core.jobs:flag_overdue_complaints", 300),
    ("calendar.advance", "core.jobs:advance_calendar", 30),
    ("classifier.train_uploads", "core.jobs:train_uploads", 20),
)

# WeChat retries within seconds; a week of delivered keys is plenty to answer any retry.
DELIVERY_MEMORY = timedelta(days=7)
# The console and /healthz call the scheduler stale when its last beat is older than this.
HEARTBEAT_STALE = timedelta(minutes=2)


class SchedulerHeartbeat(db.Model):
    """When the scheduler last ran a job (one row): shown on the console and in /healthz."""

    id = db.Column(db.Integer, primary_key=True)
    beat_at = db.Column(UTCDateTime, nullable=False)


def heartbeat(config) -> str:
    """Record that the scheduler is alive and its jobs run (a job itself, so a stuck executor shows too)."""
    now = db_now(db.session)
    row = db.session.get(SchedulerHeartbeat, 1)
    if row is None:
        db.session.add(SchedulerHeartbeat(id=1, beat_at=now))
    else:
        row.beat_at = now
    db.session.commit()
    return now.isoformat()


def scheduler_status() -> dict:
    """{"last_beat": UTC datetime or None, "stale": bool}, by the database clock."""
    row = db.session.get(SchedulerHeartbeat, 1)
    if row is None:
        return {"last_beat": None, "stale": True}
    return {"last_beat": row.beat_at, "stale": db_now(db.session) - row.beat_at > HEARTBEAT_STALE}


def close_votes(config) -> list[int]:
    """Close every vote past its closing time; returns the ids closed by this run."""
    closed = close_due_votes(checkpoints.signer_from(config), config["VOTE_OBJECTION_DAYS"])
    db.session.commit()
    return closed


def checkpoint_votes(config) -> dict[int, int]:
    """Sign the head of every open vote's log that grew since its last checkpoint (at least every minute
    while ballots arrive), and of closed votes not signed at their close."""
    signed = checkpoints.checkpoint_due_votes(checkpoints.signer_from(config))
    db.session.commit()
    return signed


def confirm_results(config) -> list[int]:
    """Confirm results whose objection window (询异) is over with every objection answered; push the news."""
    confirmed = objections.confirm_due_votes()
    db.session.commit()
    return confirmed


def remind_votes(config) -> dict[int, int]:
    """Queue reminders for votes closing within VOTE_REMINDER_HOURS to bound residents who have not voted."""
    queued = reminders.remind_due_votes(timedelta(hours=config["VOTE_REMINDER_HOURS"]))
    db.session.commit()
    return queued


def forget_deliveries(config) -> int:
    """Drop delivered-message records older than a week (they hold replies, which may hold receipts)."""
    cutoff = db_now(db.session) - DELIVERY_MEMORY
    deleted = db.session.execute(delete(InboundMessage).where(InboundMessage.received_at < cutoff)).rowcount
    forget_nonces(config.get("WECHAT_MAX_CLOCK_SKEW", 300))
    db.session.commit()
    return deleted


def flag_overdue_complaints(config) -> list[int]:
    """Flag open tickets past their department's deadline; the console lists them first."""
    flagged = tickets.flag_overdue()
    db.session.commit()
    return flagged


def advance_calendar(config) -> dict:
    """Publish and close notices, open and close demand and satisfaction surveys, as their times come."""
    done = {"notices": notices.advance(), "demands": demands.advance(), "surveys": surveys.advance()}
    db.session.commit()
    return done


def train_uploads(config) -> int | None:
    """Train the oldest street history waiting in the console's queue (minutes of work, so here and not in
    a web request); commits its progress as it goes."""
    return history.run_next(Path(config["NLP_MODEL_DIR"]), config["ROUTING_THRESHOLD"])
