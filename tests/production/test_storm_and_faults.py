"""Under gunicorn with four workers: a ballot storm survives a worker killed with SIGKILL (every
acknowledged ballot stored, none twice, the chain verifies), and one message delivered three times at
once to different workers acts once."""
import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from core.db import db
from core.votes.log import verify_vote
from core.votes.models import Ballot, BallotEntry, Vote
from tests.production.conftest import say, voting_estate


def _vote_like_wechat(server, openid: str, msg_id: int) -> bool:
    """Deliver 同意, retrying as WeChat does when no answer comes; True once a receipt comes back."""
    for _ in range(8):
        try:
            status, reply = say(server, openid, "同意", msg_id)
        except OSError:  # the worker died under the request
            status, reply = 0, ""
        if status == 200 and "已记录" in reply:
            return True
        time.sleep(0.3)
    return False


def test_a_worker_killed_in_a_ballot_storm_loses_and_doubles_nothing(gunicorn):
    vote, flat_ids = voting_estate()
    db.session.rollback()
    acknowledged: dict[int, bool] = {}
    killed = threading.Event()

    def one(n_flat):
        n, flat_id = n_flat
        if n == len(flat_ids) // 3 and not killed.is_set():
            killed.set()
            os.kill(gunicorn.workers()[0], signal.SIGKILL)
        acknowledged[flat_id] = _vote_like_wechat(gunicorn, f"o-{flat_id}", 900000 + flat_id)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(one, enumerate(flat_ids)))
    assert killed.is_set() and len(gunicorn.workers()) == 4  # the master replaced the dead worker

    db.session.expire_all()
    stored = dict(db.session.execute(select(BallotEntry.flat_id, func.count()).where(BallotEntry.vote_id == vote.id)
                                     .group_by(BallotEntry.flat_id)).all())
    assert all(stored.get(flat_id) == 1 for flat_id, ok in acknowledged.items() if ok)  # stored, once
    assert set(stored) <= set(flat_ids) and max(stored.values()) == 1
    assert all(acknowledged.values())  # WeChat's retries got every resident a receipt in the end
    report = verify_vote(db.session.get(Vote, vote.id))
    assert report.ok, report.problems
    db.session.rollback()


def test_one_message_delivered_three_times_at_once_acts_once(gunicorn):
    vote, flat_ids = voting_estate(buildings=("1",), units=1, floors=1)
    db.session.rollback()
    barrier = threading.Barrier(3)

    def deliver(_):
        barrier.wait()
        return say(gunicorn, f"o-{flat_ids[0]}", "同意", 4242)

    with ThreadPoolExecutor(max_workers=3) as pool:
        answers = list(pool.map(deliver, range(3)))
    assert [status for status, _ in answers] == [200, 200, 200]
    assert len({reply for _, reply in answers}) == 1 and "已记录" in answers[0][1]  # the first reply, three times
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(BallotEntry)) == 1
    assert db.session.scalar(select(func.count()).select_from(Ballot)) == 1
    db.session.rollback()
