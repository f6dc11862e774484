"""Issue 13.4: a paper sheet number (表决票编号) names one sheet of one vote: the console refuses it twice
with a clear message and stores nothing; the database refuses it too."""
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from core.db import SHANGHAI, db, db_now
from core.votes.models import BallotEntry
from tests import factories
from tests.conftest import csrf_token, login


def paper_form(client, vote, flat, ref, choice="agree"):
    page = client.get(f"/console/votes/{vote.id}").get_data(as_text=True)
    return {"csrf_token": csrf_token(client, f"/console/votes/{vote.id}"),
            "key": re.search(r'name="key" value="([0-9a-f]+)"', page).group(1), "flat_id": flat.id,
            "choice": choice, "collected_by": "李社工", "paper_ref": ref,
            "collected_at": (datetime.now(SHANGHAI) - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M")}


def test_the_same_sheet_number_for_two_flats_is_refused(app, client):
    estate = factories.estate(buildings=("1",), units=1, floors=1)
    worker = factories.user("worker", community_=estate.community)
    vote = factories.vote(estate, opens_in=-7200)
    other_vote = factories.vote(estate, opens_in=-7200)
    first, second = factories.flats_of(estate)
    db.session.commit()
    login(client, worker.username)
    done = client.post(f"/console/votes/{vote.id}/paper", data=paper_form(client, vote, first, "P-001"),
                       follow_redirects=True).get_data(as_text=True)
    assert "已录入 1栋1单元101 的纸质票" in done
    # The same number again (typed with full-width digits and spaces) for the other flat.
    refused = client.post(f"/console/votes/{vote.id}/paper", data=paper_form(client, vote, second, " P-００１ "),
                          follow_redirects=True).get_data(as_text=True)
    assert "表决票编号 P-001 已经录入过（1栋1单元101）" in refused
    assert db.session.scalar(select(func.count()).select_from(BallotEntry)) == 1
    # Another vote has sheets of its own.
    done = client.post(f"/console/votes/{other_vote.id}/paper", data=paper_form(client, other_vote, second, "P-001"),
                       follow_redirects=True).get_data(as_text=True)
    assert "已录入 1栋1单元102 的纸质票" in done
    assert db.session.scalar(select(func.count()).select_from(BallotEntry)) == 2


def test_the_database_refuses_a_sheet_number_twice(app):
    from core.votes.ballots import Paper, cast

    estate = factories.estate(buildings=("1",), units=1, floors=1)
    worker = factories.user("worker", community_=estate.community)
    vote = factories.vote(estate, opens_in=-7200)
    first, second = factories.flats_of(estate)
    entry = cast(vote.id, first, "agree", channel="paper", idempotency_key="a", recorded_by=worker,
                 paper=Paper("张", db_now(db.session), "P-9"))
    db.session.commit()
    copy = {c.name: getattr(entry, c.name) for c in BallotEntry.__table__.columns if c.name not in ("id",)}
    db.session.add(BallotEntry(**{**copy, "seq": 2, "flat_id": second.id, "idempotency_key": "b", "hash": "f" * 64}))
    with pytest.raises(Exception):
        db.session.commit()
    db.session.rollback()
