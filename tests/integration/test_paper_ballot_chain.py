"""Issue 13.1: a paper ballot entered through the console form, at a +08:00 local time, keeps the vote's
hash chain whole: `flask votes verify` and `flask backup create` say ok."""
import hashlib
import json
import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select, text

from core.db import SHANGHAI, db, db_now
from core.votes.log import genesis_hash, verify_vote
from core.votes.models import BallotEntry, Vote
from tests import factories
from tests.conftest import csrf_token, login


def test_a_console_paper_ballot_verifies(app, client, runner):
    estate = factories.estate(buildings=("1",), units=1, floors=2)
    worker = factories.user("worker", community_=estate.community)
    vote = factories.vote(estate, opens_in=-7200)
    flat = factories.flats_of(estate)[0]
    db.session.commit()
    login(client, worker.username)
    page = client.get(f"/console/votes/{vote.id}").get_data(as_text=True)
    key = re.search(r'name="key" value="([0-9a-f]+)"', page).group(1)
    # Collected half an hour ago, as the worker reads the clock in Chengdu (+08:00).
    collected = (datetime.now(SHANGHAI) - timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M")
    done = client.post(f"/console/votes/{vote.id}/paper", follow_redirects=True, data={
        "csrf_token": csrf_token(client, f"/console/votes/{vote.id}"), "key": key, "flat_id": flat.id,
        "choice": "agree", "collected_by": "李社工", "collected_at": collected, "paper_ref": "P-001"})
    assert "已录入 1栋1单元101 的纸质票" in done.get_data(as_text=True)
    db.session.expire_all()
    entry = db.session.scalar(select(BallotEntry))
    assert entry.effective_at == datetime.fromisoformat(collected).replace(tzinfo=SHANGHAI)

    result = runner.invoke(args=["votes", "verify", str(vote.id)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["ok"] is True and json.loads(result.output)["entries"] == 1


def test_a_log_written_before_the_fix_still_verifies_and_an_edit_is_still_caught(app):
    """The old code hashed a console paper sheet with its +08:00 time; such logs verify, edits do not."""
    estate = factories.estate(buildings=("1",), units=1, floors=1)
    vote = factories.vote(estate, opens_in=-7200)
    flat = factories.flats_of(estate)[0]
    worker = factories.user("worker", community_=estate.community)
    collected = (db_now(db.session) - timedelta(minutes=30)).replace(second=0, microsecond=0)
    entry = BallotEntry(vote_id=vote.id, seq=1, flat_id=flat.id, choice="agree", channel="paper",
                        recorded_by_id=worker.id, collected_by="李社工", paper_ref="P-1",
                        recorded_at=db_now(db.session), effective_at=collected.astimezone(SHANGHAI),
                        idempotency_key="old", prev_hash=genesis_hash(vote))
    # What the old code hashed: the +08:00 text of the form's time.
    old_text = json.dumps({
        "vote": vote.id, "seq": 1, "flat": flat.id, "choice": "agree", "channel": "paper", "owner": None,
        "recorded_by": worker.id, "collected_by": "李社工", "paper_ref": "P-1",
        "recorded_at": entry.recorded_at.isoformat(), "effective_at": collected.astimezone(SHANGHAI).isoformat(),
        "key": "old"}, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    entry.hash = hashlib.sha256(f"{entry.prev_hash}.{old_text}".encode()).hexdigest()
    db.session.add(entry)
    db.session.flush()
    from core.votes.models import Ballot

    db.session.add(Ballot(vote_id=vote.id, flat_id=flat.id, entry_id=entry.id, choice="agree",
                          effective_at=collected))
    db.session.commit()
    db.session.expire_all()
    assert verify_vote(db.session.get(Vote, vote.id)).ok
    db.session.execute(text("UPDATE ballot_entry SET paper_ref = 'P-2'"))
    db.session.expire_all()
    assert not verify_vote(db.session.get(Vote, vote.id)).ok
    db.session.rollback()


def test_a_cast_with_a_naive_or_offset_collection_time_stores_utc(app):
    from core.votes.ballots import Paper, cast

    estate = factories.estate(buildings=("1",), units=1, floors=1)
    vote = factories.vote(estate, opens_in=-7200)
    worker = factories.user("worker", community_=estate.community)
    flat_a, flat_b = factories.flats_of(estate)
    moment = (db_now(db.session) - timedelta(minutes=10)).replace(microsecond=0)
    cast(vote.id, flat_a, "agree", channel="paper", idempotency_key="a", recorded_by=worker,
         paper=Paper("张", moment.replace(tzinfo=None), "A"))
    cast(vote.id, flat_b, "agree", channel="paper", idempotency_key="b", recorded_by=worker,
         paper=Paper("张", moment.astimezone(timezone(timedelta(hours=-5))), "B"))
    db.session.commit()
    db.session.expire_all()
    assert {e.effective_at for e in db.session.scalars(select(BallotEntry))} == {moment}
    assert db.session.scalar(select(func.count()).select_from(BallotEntry)) == 2
    assert verify_vote(db.session.get(Vote, vote.id)).ok
