"""Ballots: one current ballot per flat, an insert-only chained log, refusals that store nothing."""
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from core.db import db, db_now
from core.votes.ballots import BallotRefused, Paper, cast
from core.votes.log import verify_vote
from core.votes.models import Ballot, BallotEntry, Vote
from core.votes.operations import VoteError, close_due_votes, close_vote, open_vote
from core.votes.tally import breakdown, live_tally, progress_curve
from tests import factories


def key():
    return uuid.uuid4().hex


def stored(vote):
    """Everything a ballot could have changed, to show a refusal changed nothing."""
    db.session.expire_all()
    entries = db.session.execute(select(BallotEntry.seq, BallotEntry.hash).where(BallotEntry.vote_id == vote.id)).all()
    current = db.session.execute(select(Ballot.flat_id, Ballot.choice).where(Ballot.vote_id == vote.id)).all()
    return sorted(entries), sorted(current)


@pytest.fixture
def estate(app):
    return factories.estate(buildings=("1", "2"), units=2, floors=3)  # 24 flats


def web_cast(vote, flat, choice, k=None):
    return cast(vote.id, flat, choice, channel="web", idempotency_key=k or key(), owner=flat.owners[0])


def test_changing_a_ballot_appends_to_the_log_and_keeps_one_current(estate):
    vote = factories.vote(estate)
    flat = factories.flats_of(estate)[0]
    first = web_cast(vote, flat, "disagree")
    second = web_cast(vote, flat, "agree")
    db.session.commit()
    assert (first.seq, second.seq) == (1, 2) and second.prev_hash == first.hash
    assert db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.vote_id == vote.id)) == 1
    assert live_tally(vote).agree_count == 1
    assert verify_vote(vote).ok
    assert len(second.receipt) == 14 and second.receipt.replace("-", "").lower() == second.hash[:12]


def test_a_retry_with_the_same_key_stores_nothing_twice(estate):
    vote = factories.vote(estate)
    flat = factories.flats_of(estate)[0]
    k = key()
    first = web_cast(vote, flat, "agree", k)
    db.session.commit()
    again = web_cast(vote, flat, "agree", k)
    db.session.commit()
    assert again.id == first.id
    assert db.session.scalar(select(func.count()).select_from(BallotEntry)) == 1


@pytest.mark.parametrize("case", ["after_close", "before_open", "outside_scope", "not_bound", "bad_choice",
                                  "closed", "draft"])
def test_refused_ballots_change_nothing(estate, case):
    flats = factories.flats_of(estate)
    unit = estate.buildings[0].units[0]
    vote = factories.vote(estate, rule="civil_code_major", unit=unit)
    inside = unit.flats[0]
    web_cast(vote, inside, "agree")
    db.session.commit()
    before = stored(vote)
    flat, owner, choice = inside, inside.owners[0], "disagree"
    now = db_now(db.session)
    if case == "after_close":
        # one second past the close by the database clock
        db.session.execute(text("UPDATE vote SET closes_at = :t WHERE id = :id"),
                           {"t": (now - timedelta(seconds=1)).replace(tzinfo=None), "id": vote.id})
        words = "截止"
    elif case == "before_open":
        db.session.execute(text("UPDATE vote SET opens_at = :t WHERE id = :id"),
                           {"t": (now + timedelta(hours=1)).replace(tzinfo=None), "id": vote.id})
        words = "开始"
    elif case == "outside_scope":
        flat = next(f for f in flats if f.unit_id != unit.id)
        owner = flat.owners[0]
        words = "不在本次表决范围"
    elif case == "not_bound":
        owner = unit.flats[1].owners[0]
        words = "还没有绑定"
    elif case == "bad_choice":
        choice = "yes"
        words = "请选择"
    elif case == "closed":
        close_vote(vote.id)
        db.session.commit()
        before = stored(vote)
        words = "截止"
    else:
        vote = factories.vote(estate, open_=False)
        before = stored(vote)
        words = "开始"
    db.session.commit()
    with pytest.raises(BallotRefused, match=words):
        cast(vote.id, flat, choice, channel="web", idempotency_key=key(), owner=owner)
    db.session.rollback()
    assert stored(vote) == before


def test_paper_ballot_takes_precedence_by_when_it_was_collected(estate):
    vote = factories.vote(estate, opens_in=-7200)
    worker = factories.user("worker", community_=estate.community)
    flat = factories.flats_of(estate)[0]
    now = db_now(db.session)
    web_cast(vote, flat, "agree")  # online now
    older = cast(vote.id, flat, "disagree", channel="paper", idempotency_key=key(), recorded_by=worker,
                 paper=Paper("张社工", now - timedelta(minutes=30), "P-001"))
    db.session.commit()
    ballot = db.session.scalar(select(Ballot).where(Ballot.flat_id == flat.id))
    assert ballot.choice == "agree" and older.channel == "paper"  # the paper sheet was older: logged, not current
    newer = cast(vote.id, flat, "disagree", channel="paper", idempotency_key=key(), recorded_by=worker,
                 paper=Paper("张社工", db_now(db.session), "P-002"))
    db.session.commit()
    db.session.expire_all()
    assert db.session.scalar(select(Ballot).where(Ballot.flat_id == flat.id)).entry_id == newer.id
    assert verify_vote(vote).ok


def test_paper_ballots_need_a_worker_of_the_community_and_the_sheet_details(estate):
    vote = factories.vote(estate)
    flat = factories.flats_of(estate)[0]
    outsider = factories.user("worker", community_=factories.community())
    street = factories.user("street", street_=estate.community.street)
    worker = factories.user("worker", community_=estate.community)
    db.session.commit()
    now = db_now(db.session)
    for user in (outsider, street):
        with pytest.raises(BallotRefused, match="本社区工作人员"):
            cast(vote.id, flat, "agree", channel="paper", idempotency_key=key(), recorded_by=user,
                 paper=Paper("张", now, "P-1"))
    with pytest.raises(BallotRefused, match="收票人"):
        cast(vote.id, flat, "agree", channel="paper", idempotency_key=key(), recorded_by=worker, paper=Paper("", now, ""))
    with pytest.raises(BallotRefused, match="收票时间"):
        cast(vote.id, flat, "agree", channel="paper", idempotency_key=key(), recorded_by=worker,
             paper=Paper("张", now + timedelta(days=1), "P-1"))
    db.session.rollback()
    assert stored(vote) == ([], [])


@pytest.mark.breaks_vote_log
def test_closing_freezes_the_tally_once_and_verification_catches_an_edit(estate):
    vote = factories.vote(estate)
    flats = factories.flats_of(estate)
    for flat in flats[:16]:
        web_cast(vote, flat, "agree")
    db.session.commit()
    assert live_tally(vote).passed  # 16 of 24 is exactly 2/3
    db.session.execute(text("UPDATE vote SET closes_at = :t WHERE id = :id"),
                       {"t": (db_now(db.session) - timedelta(seconds=1)).replace(tzinfo=None), "id": vote.id})
    db.session.commit()
    assert close_due_votes() == [vote.id]
    db.session.commit()
    assert close_due_votes() == [] and close_vote(vote.id) is False  # closed exactly once
    vote = db.session.get(Vote, vote.id)
    assert vote.status == "closed" and vote.final_tally["passed"] is True and vote.final_tally["log_length"] == 16
    report = verify_vote(vote)
    assert report.ok and report.head == vote.final_hash
    db.session.execute(text("UPDATE ballot_entry SET choice = 'disagree' WHERE vote_id = :v AND seq = 7"),
                       {"v": vote.id})
    db.session.commit()
    report = verify_vote(db.session.get(Vote, vote.id))
    assert not report.ok and report.first_broken_seq == 7
    assert "entry 7" in report.problems[0]


def test_one_current_ballot_per_flat_is_a_database_constraint(estate):
    vote = factories.vote(estate)
    flat = factories.flats_of(estate)[0]
    entry = web_cast(vote, flat, "agree")
    db.session.commit()
    db.session.add(Ballot(vote_id=vote.id, flat_id=flat.id, entry_id=entry.id, choice="agree",
                          effective_at=entry.effective_at))
    with pytest.raises(Exception):
        db.session.commit()
    db.session.rollback()


def test_breakdown_and_progress_curve(estate):
    unit = estate.buildings[0].units[0]
    vote = factories.vote(estate)
    for flat in unit.flats:
        web_cast(vote, flat, "agree")
    db.session.commit()
    groups = {g.label: g.tally for g in breakdown(vote)}
    assert groups["1栋1单元"].agree_count == 6 and groups["1栋1单元"].passed
    assert groups["1栋"].agree_count == 6 and groups["2栋"].agree_count == 0
    curve = progress_curve(vote)
    assert [p[1] for p in curve] == [1, 2, 3, 4, 5, 6]
    # A unit's vote (an elevator) shows the unit alone, not its building under the building's name.
    elevator = factories.vote(estate, unit=unit)
    assert [g.label for g in breakdown(elevator)] == ["1栋1单元"]


def test_open_refuses_twice_and_a_vote_without_flats(estate):
    vote = factories.vote(estate)
    with pytest.raises(VoteError):
        open_vote(vote.id, None)
    empty = factories.estate(buildings=("1",), units=0)
    draft = factories.vote(empty, open_=False)
    with pytest.raises(VoteError, match="还没有登记住户"):
        open_vote(draft.id, None)
