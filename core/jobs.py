"""Scheduled work, listed as data: what runs, how often. Each job is idempotent and commits once."""
from core.db import db
from core.votes import close_due_votes

# (job id, function, seconds between runs). Closing scans by the database clock, so a
# scheduler that was down at a vote's close closes it on its first run after restart.
SCHEDULE = (
    ("votes.close_due", "core.jobs:close_votes", 15),
)


def close_votes() -> list[int]:
    """Close every vote past its closing time; returns the ids closed by this run."""
    closed = close_due_votes()
    db.session.commit()
    return closed
