"""The auditors' CLI contract, `flask votes verify`, and the one scheduler process closing votes once."""
import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from core.audit import AuditEntry
from core.db import db, db_now
from core.votes.models import Vote
from tests import factories


def write(tmp_path, case):
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case, ensure_ascii=False) if not isinstance(case, str) else case, encoding="utf-8")
    return str(path)


def test_evaluate_prints_the_contract(runner, tmp_path):
    flats = [{"id": f"1-1-{i}01", "area": "89.50"} for i in range(1, 4)]
    case = {"rule": "headcount_2_3", "flats": flats, "ballots": {"1-1-101": "agree", "1-1-201": "agree"}}
    result = runner.invoke(args=["votes", "evaluate", write(tmp_path, case)])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["passed"] is True and out["agree_count"] == 2 and out["total_count"] == 3
    assert out["total_area"] == "268.50" and out["agree_area"] == "179.00" and out["participation_area"] == "179.00"
    assert out["missing"] == {"count": 0, "area": "0.00"}


def test_evaluate_civil_code_reports_what_is_missing(runner, tmp_path):
    flats = [{"id": str(i), "area": "100"} for i in range(300)]
    ballots = {str(i): "agree" for i in range(150)} | {str(i): "disagree" for i in range(150, 200)}
    out = json.loads(runner.invoke(args=["votes", "evaluate", write(tmp_path, {
        "rule": "civil_code_ordinary", "flats": flats, "ballots": ballots})]).output)
    assert out["passed"] is True
    ballots = {str(i): "agree" for i in range(150)} | {str(i): "disagree" for i in range(150, 300)}
    out = json.loads(runner.invoke(args=["votes", "evaluate", write(tmp_path, {
        "rule": "civil_code_ordinary", "flats": flats, "ballots": ballots})]).output)
    assert out["passed"] is False  # 150 of 300 is not more than half
    # One more agreeing flat; by area the law needs only more than half, so a hair over it: 0.01 m².
    assert out["missing"] == {"count": 1, "area": "0.01"}
    custom = {"rule": "custom", "fractions": {"participation": "1/2", "approval": "1/2"}, "flats": flats[:2],
              "ballots": {"0": "agree"}}
    assert json.loads(runner.invoke(args=["votes", "evaluate", write(tmp_path, custom)]).output)["passed"] is True


def test_evaluate_refuses_malformed_cases_with_exit_2(runner, tmp_path):
    bad_cases = [
        "{not json",
        {"rule": "headcount_2_3"},
        {"rule": "two_thirds", "flats": [], "ballots": {}},
        {"rule": "headcount_2_3", "flats": [{"id": "a", "area": "big"}], "ballots": {}},
        {"rule": "headcount_2_3", "flats": [{"id": "a", "area": "1"}], "ballots": {"b": "agree"}},
        {"rule": "headcount_2_3", "flats": [{"id": "a", "area": "1"}], "ballots": {"a": "yes"}},
    ]
    for case in bad_cases:
        result = runner.invoke(args=["votes", "evaluate", write(tmp_path, case)])
        assert result.exit_code == 2, (case, result.output)
        assert "error:" in result.output


def test_evaluate_counts_persons_by_owner_key(runner, tmp_path):
    """第九条: 原产权单位's 10 unsold flats of 30 are one person; a buyer of 3 flats is one person."""
    flats = [{"id": f"f{i}", "area": "50.00"} for i in range(30)]
    for flat in flats[:10]:
        flat["owner"] = "原产权单位"
    for flat in flats[10:13]:
        flat["owner"] = "买受人甲"
    # The unit votes on one of its flats, the buyer on two of theirs (same choice), 11 others on their own.
    ballots = {"f4": "agree", "f10": "agree", "f12": "agree"} | {f"f{i}": "agree" for i in range(13, 24)}
    result = runner.invoke(args=["votes", "evaluate", write(tmp_path, {
        "rule": "headcount_2_3", "flats": flats, "ballots": ballots})])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert (out["total_count"], out["agree_count"], out["participation_count"]) == (19, 13, 13)
    assert out["agree_area"] == "1200.00" and out["total_area"] == "1500.00"
    assert out["passed"] is True  # 13 of 19 ≥ 2/3 (12.67); flat by flat it would be 14 of 30
    assert out["missing"] == {"count": 0, "area": "0.00"}
    ballots["f11"] = "disagree"  # the buyer's flats disagree with each other
    bad = runner.invoke(args=["votes", "evaluate", write(tmp_path, {
        "rule": "headcount_2_3", "flats": flats, "ballots": ballots})])
    assert bad.exit_code == 2 and "error:" in bad.output and "买受人甲" in bad.output and "different choices" in bad.output
    for owner in ("", ["x"], True):
        flats[0]["owner"] = owner
        bad = runner.invoke(args=["votes", "evaluate", write(tmp_path, {"rule": "headcount_2_3", "flats": flats})])
        assert bad.exit_code == 2 and "owner" in bad.output


@pytest.mark.breaks_vote_log
def test_verify_exit_codes(app, runner):
    from core.votes.ballots import cast

    estate = factories.estate(buildings=("1",), units=1, floors=2)
    vote = factories.vote(estate)
    for i, flat in enumerate(factories.flats_of(estate)):
        cast(vote.id, flat, "agree", channel="web", idempotency_key=f"k{i}", owner=flat.owners[0])
    db.session.commit()
    listed = [json.loads(line) for line in runner.invoke(args=["votes", "list"]).output.splitlines()]
    assert [(v["vote"], v["status"], v["estate"]) for v in listed] == [(vote.id, "open", estate.name)]
    ok = runner.invoke(args=["votes", "verify", str(vote.id)])
    assert ok.exit_code == 0 and json.loads(ok.output)["entries"] == 4
    db.session.execute(text("UPDATE ballot_entry SET flat_id = flat_id WHERE seq = 2"))
    db.session.execute(text("UPDATE ballot_entry SET paper_ref = 'forged' WHERE seq = 3"))
    db.session.commit()
    broken = runner.invoke(args=["votes", "verify", str(vote.id)])
    assert broken.exit_code == 1 and json.loads(broken.output)["first_broken_seq"] == 3


def scheduler_process(database_url, instance, **more_env):
    env = dict(os.environ, DATABASE_URL=database_url, YISHI_INSTANCE_PATH=str(instance), SECRET_KEY="x", **more_env)
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "scheduler", "run"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)


def wait_closed(vote_id, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = db.session.scalar(select(Vote.status).where(Vote.id == vote_id))
        db.session.rollback()  # hold no SQLite lock while the scheduler works
        if status == "closed":
            return True
        time.sleep(0.3)
    return False


def test_the_scheduler_closes_a_missed_vote_at_start_and_exactly_once_across_restarts(app, database_url, tmp_path):
    estate = factories.estate(buildings=("1",), units=1, floors=1)
    vote = factories.vote(estate)
    db.session.execute(text("UPDATE vote SET closes_at = :t WHERE id = :id"),
                       {"t": (db_now(db.session) - timedelta(seconds=5)).replace(tzinfo=None), "id": vote.id})
    db.session.commit()
    vote_id = vote.id
    for _ in range(2):  # start, let it work, kill -9, start again
        process = scheduler_process(database_url, tmp_path)
        try:
            assert wait_closed(vote_id), process.stdout.read1().decode(errors="replace") if process.stdout else ""
            time.sleep(1)
        finally:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    closes = db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "vote.close"))
    assert closes == 1
    # The close was signed once, with the key the scheduler made in its instance folder, and verifies.
    from core.votes.models import VoteCheckpoint

    signed = db.session.scalars(select(VoteCheckpoint).where(VoteCheckpoint.vote_id == vote_id)).all()
    assert [(c.reason, c.tree_size) for c in signed] == [("close", 0)]
    assert (tmp_path / "log_signing_key").exists()
    db.session.execute(text("DROP TABLE IF EXISTS apscheduler_jobs"))
    db.session.commit()


def test_the_scheduler_reminds_non_voters_through_wechat(app, database_url, tmp_path):
    from core.residents.models import Binding, Push
    from tests.wechat_helpers import FakeWeChatAPI

    estate = factories.estate(buildings=("1",), units=1, floors=1)
    vote = factories.vote(estate, closes_in=3600)  # closes within the day: due for reminders
    for n, flat in enumerate(factories.flats_of(estate)):
        db.session.add(Binding(openid=f"o-{n}", owner=flat.owners[0], method="code"))
    db.session.commit()
    api = FakeWeChatAPI()
    process = scheduler_process(database_url, tmp_path, WECHAT_APP_ID="wx1234567890abcdef",
                                WECHAT_APP_SECRET="secret", WECHAT_API_BASE_URL=api.base_url,
                                WECHAT_TEMPLATE_VOTE_REMINDER="TPL-REMIND", PUBLIC_BASE_URL="https://yishi.example.cn")
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(api.calls_to("/cgi-bin/message/template/send")) < 2:
            time.sleep(0.3)
        time.sleep(1)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        api.close()
    reminders = [c["json"] for c in api.calls_to("/cgi-bin/message/template/send")
                 if c["json"]["template_id"] == "TPL-REMIND"]
    assert sorted(r["touser"] for r in reminders) == ["o-0", "o-1"]
    assert reminders[0]["url"] == f"https://yishi.example.cn/r/votes/{vote.id}"
    db.session.expire_all()
    statuses = dict(db.session.execute(select(Push.kind, Push.status).where(Push.kind == "vote_reminder")).all())
    assert statuses == {"vote_reminder": "sent"}
    db.session.execute(text("DROP TABLE IF EXISTS apscheduler_jobs"))
    db.session.commit()
