"""Issue 13.5: a vote scripted from the command line — create, publish, paper ballots in any time zone —
refused as the console form refuses, with a clear message, a non-zero exit, and nothing stored."""
import json
from datetime import timedelta, timezone

from sqlalchemy import func, select

from core.db import SHANGHAI, db, db_now
from core.votes.models import BallotEntry, Vote
from tests import factories


def count(model):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def test_create_publish_and_enter_paper_ballots_from_the_command_line(app, runner):
    estate = factories.estate(name="新村", buildings=("1",), units=2, floors=2)
    factories.user("worker", community_=estate.community, username="li")
    db.session.commit()
    now = db_now(db.session)
    closes = (now + timedelta(days=7)).astimezone(SHANGHAI).isoformat()
    created = runner.invoke(args=["votes", "create", "--estate", "新村", "--matter", "1栋2单元加装电梯",
                                  "--rule", "civil_code_major", "--scope", "unit:1-2",
                                  "--opens", (now - timedelta(hours=2)).isoformat(), "--closes", closes])
    assert created.exit_code == 0, created.output
    vote_id = int(created.output.strip().splitlines()[-1])
    vote = db.session.get(Vote, vote_id)
    assert vote.status == "draft" and vote.unit.label == "1栋2单元"
    published = runner.invoke(args=["votes", "publish", str(vote_id)])
    assert published.exit_code == 0, published.output
    assert runner.invoke(args=["votes", "publish", str(vote_id)]).exit_code != 0  # once

    an_hour_ago = now - timedelta(hours=1)
    for flat, moment, ref in (("1-2-101", an_hour_ago.astimezone(SHANGHAI), "P-1"),                  # +08:00
                              ("1-2-102", an_hour_ago.astimezone(timezone.utc), "P-2"),              # UTC
                              ("1-2-201", an_hour_ago.astimezone(timezone(timedelta(hours=-5))), "P-3")):
        done = runner.invoke(args=["votes", "paper", str(vote_id), flat, "--choice", "agree", "--collected-by",
                                   "李社工", "--collected-at", moment.isoformat(), "--ref", ref, "--recorded-by", "li"])
        assert done.exit_code == 0 and "receipt" in done.output, done.output
    # A re-run of the same command stores nothing twice.
    again = runner.invoke(args=["votes", "paper", str(vote_id), "1-2-101", "--choice", "agree", "--collected-by",
                                "李社工", "--collected-at", an_hour_ago.astimezone(SHANGHAI).isoformat(), "--ref", "P-1",
                                "--recorded-by", "li"])
    assert again.exit_code == 0 and count(BallotEntry) == 3
    assert {e.effective_at for e in db.session.scalars(select(BallotEntry))} == {an_hour_ago}
    verified = runner.invoke(args=["votes", "verify", str(vote_id)])
    assert verified.exit_code == 0 and json.loads(verified.output)["entries"] == 3


def test_scripting_refusals_are_clear_and_store_nothing(app, runner):
    estate = factories.estate(name="旧村", buildings=("1",), units=1, floors=1)
    outsider = factories.user("worker", community_=factories.community(), username="other")
    factories.user("worker", community_=estate.community, username="li")
    vote = factories.vote(estate, opens_in=-7200)
    db.session.commit()
    votes_before = count(Vote)
    closes = (db_now(db.session) + timedelta(days=1)).isoformat()

    def create(*more):
        return runner.invoke(args=["votes", "create", "--estate", "旧村", "--matter", "改造", "--closes", closes, *more])

    cases = [
        (create("--rule", "custom", "--fractions", '{"approval": "3/2"}'), "比例必须在 0 和 1 之间"),
        (create("--rule", "two_thirds"), "没有 'two_thirds' 这种表决规则"),
        (create("--rule", "headcount_2_3", "--scope", "unit:9-9"), "没有 9-9 这个单元"),
        (create("--rule", "headcount_2_3", "--scope", "floor:3"), "--scope 应为"),
        (create("--rule", "headcount_2_3", "--opens", "tomorrow"), "不是 ISO 时间"),
        (create("--rule", "headcount_2_3", "--opens", closes), "截止时间必须晚于开始时间"),
    ]
    for result, words in cases:
        assert result.exit_code != 0 and words in result.output, (words, result.output)
    assert count(Vote) == votes_before

    def paper(flat="1-1-101", ref="P-1", at=None, by="li"):
        at = at or (db_now(db.session) - timedelta(minutes=5)).isoformat()
        return runner.invoke(args=["votes", "paper", str(vote.id), flat, "--choice", "agree", "--collected-by", "张",
                                   "--collected-at", at, "--ref", ref, "--recorded-by", by])

    assert paper().exit_code == 0
    cases = [
        (paper(flat="1-1-102"), "表决票编号 P-1 已经录入过"),
        (paper(flat="1-1-102", ref="P-2", at="2000-01-01T10:00+08:00"), "收票时间须在表决开始之后"),
        (paper(flat="1-1-102", ref="P-2", by="other"), "只有本社区工作人员"),
        (paper(flat="1-1-102", ref="P-2", by="nobody"), "没有用户名为 nobody"),
        (paper(flat="9-9-999", ref="P-2"), "没有 9-9-999 这一户"),
    ]
    for result, words in cases:
        assert result.exit_code != 0 and words in result.output, (words, result.output)
    assert count(BallotEntry) == 1
    assert outsider.username == "other"
