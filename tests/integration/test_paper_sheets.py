"""Issue 13.4: a paper sheet number (表决票编号) names one sheet of one vote: the console refuses it twice
with a clear message and stores nothing; the database refuses it too."""
import re
import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from core.db import SHANGHAI, db, db_now
from core.votes.models import BallotEntry
from tests import factories
from tests.conftest import csrf_token, login
from tests.wechat_helpers import SAFE, Phone, config_for


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


def test_a_sheet_for_a_flat_of_another_estate_names_that_estate_and_stores_nothing(app, client):
    estate = factories.estate(name="幸福里", buildings=("1",), units=1, floors=1)
    elsewhere = factories.estate(community_=estate.community, name="和平苑", buildings=("1",), units=1, floors=1)
    worker = factories.user("worker", community_=estate.community)
    vote = factories.vote(estate, opens_in=-7200)
    stranger = factories.flats_of(elsewhere)[0]
    db.session.commit()
    login(client, worker.username)
    # The form lists this vote's flats only: a hand-made request names another estate's flat.
    refused = client.post(f"/console/votes/{vote.id}/paper", data=paper_form(client, vote, stranger, "P-7"))
    assert refused.status_code == 422
    assert "和平苑1栋1单元101不在本次表决范围内" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(BallotEntry)) == 0


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


def test_a_sheet_number_in_lower_case_is_the_same_sheet(app, client):
    estate = factories.estate(buildings=("1",), units=1, floors=1)
    worker = factories.user("worker", community_=estate.community)
    vote = factories.vote(estate, opens_in=-7200)
    first, second = factories.flats_of(estate)
    db.session.commit()
    login(client, worker.username)
    client.post(f"/console/votes/{vote.id}/paper", data=paper_form(client, vote, first, "A-000"))
    refused = client.post(f"/console/votes/{vote.id}/paper", data=paper_form(client, vote, second, "a-000"),
                          follow_redirects=True).get_data(as_text=True)
    assert "A-000 已经录入过" in refused
    assert db.session.scalar(select(func.count()).select_from(BallotEntry)) == 1


def test_a_paper_sheet_older_than_the_flats_online_ballot_is_entered_with_a_warning(app, client):
    from core.votes.ballots import cast
    from core.votes.models import Ballot

    estate = factories.estate(buildings=("1",), units=1, floors=1)
    worker = factories.user("worker", community_=estate.community)
    vote = factories.vote(estate, opens_in=-7200)
    flat = factories.flats_of(estate)[0]
    cast(vote.id, flat, "abstain", channel="web", idempotency_key="online", owner=flat.owners[0])
    db.session.commit()
    login(client, worker.username)
    page = client.post(f"/console/votes/{vote.id}/paper", data=paper_form(client, vote, flat, "P-9", "disagree"),
                       follow_redirects=True).get_data(as_text=True)
    assert "计票以时间在后的为准" in page and "（弃权）" in page
    db.session.expire_all()
    assert db.session.scalar(select(Ballot.choice)) == "abstain"
    assert db.session.scalar(select(func.count()).select_from(BallotEntry)) == 2


@pytest.mark.parametrize("app", [config_for(SAFE, PUBLIC_BASE_URL="https://yishi.example.cn")], indirect=True)
def test_a_sheet_collected_after_the_owners_own_ballot_counts_and_the_worker_and_owner_are_told(app, client):
    from core.residents.bindings import issue_code
    from core.residents.models import Push
    from core.votes.models import Ballot
    estate = factories.estate(buildings=("1",), units=1, floors=1)
    worker = factories.user("worker", community_=estate.community)
    vote = factories.vote(estate, opens_in=-7200)
    flat, _ = factories.flats_of(estate)
    code = issue_code(flat.representative, None)
    db.session.commit()
    phone = Phone(client, SAFE, "o-owner")
    assert "绑定成功" in phone.say(f"绑定 {code}")
    assert "已记录：不同意" in phone.say("不同意")

    login(client, worker.username)
    form = paper_form(client, vote, flat, "P-009")
    # Collected after the chat ballot (a browser's datetime-local field may carry seconds; the chat ballot's
    # time has microseconds, so the next whole second is the first that is later).
    time.sleep(1.01)
    form["collected_at"] = datetime.now(SHANGHAI).strftime("%Y-%m-%dT%H:%M:%S")
    page = client.post(f"/console/votes/{vote.id}/paper", data=form, follow_redirects=True).get_data(as_text=True)
    assert "注意：这户曾在微信上投了不同意" in page and "现按纸质票（同意）计" in page
    db.session.expire_all()
    assert db.session.scalar(select(Ballot.choice).where(Ballot.flat_id == flat.id)) == "agree"
    (push,) = db.session.scalars(select(Push).where(Push.kind == "ballot_recorded")).all()
    assert push.openid == "o-owner" and push.url == f"/r/votes/{vote.id}"
    assert push.data["choice"] == "已计入" and push.data["matter"].startswith("纸质票同意")
    assert "同意" in phone.say("我的投票")
    # A sheet collected before the owner's own later ballot is recorded, not counted, and the push says so.
    assert "已记录：弃权" in phone.say("弃权")
    earlier = paper_form(client, vote, flat, "P-010", choice="disagree")
    earlier["collected_at"] = (datetime.now(SHANGHAI) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S")
    assert "收票之后另有表决" in client.post(f"/console/votes/{vote.id}/paper", data=earlier,
                                             follow_redirects=True).get_data(as_text=True)
    late = db.session.scalars(select(Push).where(Push.kind == "ballot_recorded").order_by(Push.id)).all()[-1]
    assert late.data["choice"] == "未计入" and late.data["matter"].startswith("纸质票不同意")
