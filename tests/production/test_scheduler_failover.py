"""Two hosts, as production runs them: two app servers (gunicorn) and a scheduler beside each, against one
PostgreSQL. One scheduler leads (an advisory lock); the other stands by. The leader is killed with SIGKILL
before a vote closes: the standby takes over, the vote closes exactly once, and the reminders that the
leader had sent are not sent again."""
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import func, select, text

from core.audit import AuditEntry
from core.db import db
from core.residents.models import Push
from core.votes.log import verify_vote
from core.votes.models import BallotEntry, Vote
from tests.conftest import BACKEND
from tests.production.conftest import ROOT, Gunicorn, say, voting_estate
from tests.wechat_helpers import FakeWeChatAPI

pytestmark = pytest.mark.skipif(BACKEND != "postgresql", reason="leader election across hosts needs PostgreSQL")

REMINDERS = "/cgi-bin/message/template/send"


class Scheduler:
    """`flask scheduler run` in its own process group, its output collected line by line."""

    def __init__(self, database_url: str, instance, api: FakeWeChatAPI):
        env = dict(os.environ, DATABASE_URL=database_url, YISHI_INSTANCE_PATH=str(instance), SECRET_KEY="prod-test",
                   WECHAT_APP_ID="wx1234567890abcdef", WECHAT_APP_SECRET="secret", WECHAT_API_BASE_URL=api.base_url,
                   WECHAT_TEMPLATE_VOTE_REMINDER="TPL-REMIND", PUBLIC_BASE_URL="https://yishi.example.cn")
        self.process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "scheduler", "run"],
                                        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line.decode(errors="replace"))

    def leading(self) -> bool:
        return any(": leading" in line for line in self.lines)

    def kill(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


def until(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def vote_status(vote_id: int) -> str:
    status = db.session.scalar(select(Vote.status).where(Vote.id == vote_id))
    db.session.rollback()
    return status


def test_a_standby_scheduler_takes_over_when_the_leader_is_killed(app, database_url, tmp_path):
    vote, flat_ids = voting_estate(buildings=("1",), units=2, floors=3)
    db.session.rollback()
    api = FakeWeChatAPI()
    hosts = [Gunicorn(database_url, tmp_path / f"host{n}", workers=2) for n in (1, 2)]
    schedulers = []
    try:
        # Two residents vote, one through each host; the others are due a reminder.
        for n, host in enumerate(hosts):
            assert "已记录" in say(host, f"o-{flat_ids[n]}", "同意", 100 + n)[1]
        non_voters = sorted(f"o-{f}" for f in flat_ids[2:])

        first = Scheduler(database_url, tmp_path / "host1", api)
        schedulers.append(first)
        until(first.leading, 60, "the first scheduler to lead")
        until(lambda: len(api.calls_to(REMINDERS)) >= len(non_voters), 60, "the leader's reminders")
        second = Scheduler(database_url, tmp_path / "host2", api)
        schedulers.append(second)
        time.sleep(3)
        assert not second.leading()  # the lock is taken: it stands by

        # The vote now closes in 10 s; the leader dies before that.
        db.session.execute(text("UPDATE vote SET closes_at = now() + interval '10 seconds' WHERE id = :id"),
                           {"id": vote.id})
        db.session.commit()
        first.kill()
        # The hosts go on taking ballots without a scheduler.
        for n, host in enumerate(hosts):
            assert "已记录" in say(host, f"o-{flat_ids[2 + n]}", "不同意", 200 + n)[1]

        until(second.leading, 45, "the standby to take over")
        until(lambda: vote_status(vote.id) == "closed", 60, "the vote to close")
        time.sleep(2)  # a second close, if there were one, would come within a job interval
        assert "已记录" not in say(hosts[1], f"o-{flat_ids[-1]}", "同意", 300)[1]
    finally:
        for scheduler in schedulers:
            scheduler.kill()
        for host in hosts:
            host.stop()
        api.close()

    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "vote.close")) == 1
    closed = db.session.get(Vote, vote.id)
    assert closed.final_tally["participation_count"] == 4 and closed.final_tally["agree_count"] == 2
    assert verify_vote(closed).ok
    assert db.session.scalar(select(func.count()).select_from(BallotEntry)) == 4
    reminded = sorted(c["json"]["touser"] for c in api.calls_to(REMINDERS) if c["json"]["template_id"] == "TPL-REMIND")
    assert reminded == non_voters  # once each, though the new leader ran the reminder job again
    assert set(db.session.scalars(select(Push.status).where(Push.kind == "vote_reminder"))) == {"sent"}
    db.session.execute(text("DROP TABLE IF EXISTS apscheduler_jobs"))
    db.session.commit()
