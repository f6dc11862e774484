"""The law's headcount from the register to every tally (司法解释第九条): the original property unit's
unsold flats are one person, a buyer of several flats is one person; one ballot, all their area."""
import io
import re
from datetime import timedelta

import openpyxl
from sqlalchemy import select

from core.audit import AuditEntry
from core.db import SHANGHAI, db, db_now
from core.register.models import Flat
from core.register.operations import import_register
from core.register.sheet import HEADERS
from core.votes.ballots import Paper, cast, owner_has_voted
from core.votes.log import verify_vote
from core.votes.models import VoteFlat
from core.votes.tally import breakdown, flat_ballot, live_tally, progress_curve
from tests import factories
from tests.conftest import csrf_token, login
from tests.unit.test_register_file import csv_bytes


def register_of_six(estate):
    """1-1-101…202 and 2-1-101, 102: the unit holds two flats, 王五 bought three (in two buildings)."""
    rows = [
        ["1", "1", "101", "", "50.00", "纺织厂", "", "", "", "原产权单位", ""],
        ["1", "1", "102", "", "50.00", "纺织厂", "", "", "", "原产权单位", ""],
        ["1", "1", "201", "", "60.00", "王五", "13800000001", "", "", "", "A"],
        ["1", "1", "202", "", "70.00", "王五", "13800000001", "", "", "", "A"],
        ["2", "1", "101", "", "80.00", "王五", "13800000001", "", "", "", "A"],
        ["2", "1", "102", "", "90.00", "赵六", "13800000002", "", "", "", ""],
    ]
    import_register(estate, "r.csv", csv_bytes(rows), actor=None, has_voted=owner_has_voted)
    db.session.flush()
    return {f.code: f for f in db.session.scalars(select(Flat))}


def test_import_reads_the_holder_and_same_person_columns_and_old_files_keep_them(app):
    estate = factories.estate(buildings=("1", "2"), units=0)
    flats = register_of_six(estate)
    assert flats["1-1-101"].holder_kind == "original_unit" and flats["1-1-101"].counting_key == "original_unit:纺织厂"
    assert {flats[c].counting_key for c in ("1-1-201", "1-1-202", "2-1-101")} == {"person:A"}
    assert flats["2-1-102"].counting_key is None
    # An older file, without the two columns, updates what it has and leaves the headcount marks alone.
    old = [["2", "1", "102", "", "91.00", "赵六", "13800000002", "", ""]]
    import_register(estate, "old.csv", csv_bytes(old, header=HEADERS[:9]), actor=None, has_voted=owner_has_voted)
    db.session.expire_all()
    assert flats["1-1-201"].person_key == "A" and str(flats["2-1-102"].area) == "91.00"
    # An ID number is kept only as its digest; a bad 产权类型 is refused by row.
    again = [["2", "1", "102", "", "91.00", "赵六", "", "", "", "业主", "11010519491231002X"]]
    import_register(estate, "id.csv", csv_bytes(again), actor=None, has_voted=owner_has_voted)
    db.session.expire_all()
    assert flats["2-1-102"].person_key.startswith("id:") and "1949" not in flats["2-1-102"].person_key
    import pytest

    from core.register.sheet import ImportRejected

    with pytest.raises(ImportRejected, match="产权类型"):
        import_register(estate, "bad.csv", csv_bytes([again[0][:9] + ["房东", ""]]), actor=None,
                        has_voted=owner_has_voted)


def test_every_tally_counts_persons_and_a_register_edit_during_the_vote_changes_none(app, client):
    estate = factories.estate(buildings=("1", "2"), units=0)
    flats = register_of_six(estate)
    worker = factories.user("worker", community_=estate.community)
    street = factories.user("street", street_=estate.community.street)
    vote = factories.vote(estate, rule="headcount_2_3", opens_in=-7200)
    db.session.commit()
    assert db.session.scalar(select(VoteFlat.person_key).where(VoteFlat.flat_id == flats["1-1-202"].id)) == "person:A"
    assert live_tally(vote).total_count == 3  # 纺织厂, 王五, 赵六 — not 6 flats

    # 王五 votes once, online, from 1-1-201: it counts for all three flats (210 m²).
    cast(vote.id, flats["1-1-201"], "agree", channel="web", idempotency_key="w1", owner=flats["1-1-201"].owners[0])
    # The unit's sheet is entered on 1-1-102.
    now = db_now(db.session)
    cast(vote.id, flats["1-1-102"], "agree", channel="paper", idempotency_key="p1", recorded_by=worker,
         paper=Paper("李社工", now - timedelta(minutes=5), "S-1"))
    db.session.commit()
    tally = live_tally(vote)
    assert (tally.total_count, tally.participation_count, tally.agree_count) == (3, 2, 2)
    assert tally.agree_area == tally.participation_area == 310 and tally.passed  # 2 of 3 persons ≥ 2/3
    assert flat_ballot(vote, flats["2-1-101"].id).flat_id == flats["1-1-201"].id
    groups = {g.label: g.tally for g in breakdown(vote)}
    assert (groups["1栋"].total_count, groups["1栋"].agree_count, groups["1栋"].agree_area) == (2, 2, 230)
    assert (groups["2栋"].total_count, groups["2栋"].agree_count, groups["2栋"].agree_area) == (2, 1, 80)
    assert [p[1:] for p in progress_curve(vote)] == [(1, 1), (2, 2)]

    # 王五 changes his mind on paper, on another of his flats: the latest counts, once.
    cast(vote.id, flats["2-1-101"], "disagree", channel="paper", idempotency_key="p2", recorded_by=worker,
         paper=Paper("李社工", db_now(db.session), "S-2"))
    db.session.commit()
    tally = live_tally(vote)
    assert (tally.participation_count, tally.agree_count, tally.disagree_count) == (2, 1, 1) and not tally.passed

    # The worker now splits 王五's flats on the register: the open vote keeps the headcount it froze.
    login(client, worker.username)
    page = client.get(f"/console/flats/{flats['1-1-202'].id}").get_data(as_text=True)
    assert "1栋1单元201" in page and "2栋1单元101" in page
    assert "王五" in page and "13800000001" in page  # the estate's own worker keeps the register: in full
    saved = client.post(f"/console/flats/{flats['1-1-202'].id}", follow_redirects=True, data={
        "csrf_token": csrf_token(client, f"/console/flats/{flats['1-1-202'].id}"),
        "holder_kind": "owner", "person_key": ""}).get_data(as_text=True)
    assert "已发布的表决仍按发布时登记的人数计票" in saved
    db.session.expire_all()
    assert flats["1-1-202"].counting_key is None
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.action == "register.holder"))
    assert live_tally(vote).total_count == 3
    refused = client.post(f"/console/flats/{flats['1-1-202'].id}", follow_redirects=True, data={
        "csrf_token": csrf_token(client, f"/console/flats/{flats['1-1-202'].id}"),
        "holder_kind": "landlord", "person_key": "kept as typed"}).get_data(as_text=True)
    assert "产权类型只能是" in refused and "kept as typed" in refused
    db.session.expire_all()
    assert flats["1-1-202"].holder_kind == "owner"

    # The vote page, the list and the exports speak of persons.
    page = client.get(f"/console/votes/{vote.id}").get_data(as_text=True)
    assert re.search(r"<td>总数</td><td>3</td>", page) and "业主人数" in page
    listing = client.get("/console/votes").get_data(as_text=True)
    assert "1 / 3" in listing
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/console/votes/{vote.id}/tally.xlsx").data)).active
    assert list(book.iter_rows(values_only=True))[1][1:4] == (3, 400.0, 2)
    roll = list(openpyxl.load_workbook(io.BytesIO(client.get(
        f"/console/votes/{vote.id}/roll.xlsx?full=1").data)).active.iter_rows(values_only=True))
    by_flat = {f"{r[0]}-{r[1]}-{r[2]}": r for r in roll[1:]}
    assert by_flat["1-1-201"][5] == "不同意" and by_flat["1-1-201"][6] == "随 2-1-101 的表决"
    assert by_flat["2-1-101"][6].startswith("纸质票") and by_flat["2-1-101"][9] == "S-2"
    assert "计为一人" in by_flat["1-1-202"][11] and by_flat["2-1-102"][11] == "本户一人"
    client.post("/logout", data={"csrf_token": csrf_token(client, "/console/")})
    login(client, street.username)
    assert "1 / 3" in client.get("/console/votes").get_data(as_text=True)
    from core.votes.operations import close_vote

    close_vote(vote.id)
    db.session.commit()
    assert vote.final_tally["total_count"] == 3 and vote.final_tally["agree_count"] == 1
    assert verify_vote(vote).ok  # the recount of the log uses the frozen persons too


def test_a_worker_is_told_when_a_sheet_replaces_what_the_same_person_said_on_another_flat(app, client):
    estate = factories.estate(buildings=("1", "2"), units=0)
    flats = register_of_six(estate)
    worker = factories.user("worker", community_=estate.community)
    vote = factories.vote(estate, rule="headcount_2_3", opens_in=-7200)
    db.session.commit()
    login(client, worker.username)

    def enter(code, choice, ref, minutes_ago):
        page = client.get(f"/console/votes/{vote.id}").get_data(as_text=True)
        key = re.search(r'name="key" value="([0-9a-f]+)"', page).group(1)
        collected = (db_now(db.session) - timedelta(minutes=minutes_ago)).astimezone(SHANGHAI)
        return client.post(f"/console/votes/{vote.id}/paper", follow_redirects=True, data={
            "csrf_token": csrf_token(client, f"/console/votes/{vote.id}"), "key": key, "flat_id": flats[code].id,
            "choice": choice, "collected_by": "李社工", "collected_at": collected.strftime("%Y-%m-%dT%H:%M"),
            "paper_ref": ref}).get_data(as_text=True)

    from core.residents.models import Binding, Push

    db.session.add(Binding(openid="o-wang", owner=flats["1-1-201"].owners[0], method="code"))
    db.session.commit()
    assert "注意" not in enter("1-1-201", "agree", "S-1", 30)
    told = enter("2-1-101", "disagree", "S-2", 10)  # 王五 again, on another of his flats
    assert "本户与1栋1单元201登记为同一业主，计为一人" in told and "此前1栋1单元201的同意" in told
    assert "现按这张票（不同意）计" in told
    tally = live_tally(vote)
    assert (tally.agree_count, tally.disagree_count) == (0, 1)
    # A sheet on 1-1-201 collected before the one on 2-1-101: recorded, not counted, and everyone is told so.
    late = enter("1-1-201", "agree", "S-3", 20)
    assert "本户业主在收票之后于2栋1单元101另有表决（不同意）" in late
    db.session.expire_all()
    pushed = db.session.scalars(select(Push).where(Push.kind == "ballot_recorded", Push.openid == "o-wang")
                                .order_by(Push.id)).all()
    assert [p.data["choice"] for p in pushed] == ["已计入", "未计入"]
    assert (live_tally(vote).agree_count, live_tally(vote).disagree_count) == (0, 1)


def test_a_draft_shows_what_publishing_would_freeze(app, client):
    estate = factories.estate(buildings=("1", "2"), units=0)
    register_of_six(estate)
    worker = factories.user("worker", community_=estate.community)
    vote = factories.vote(estate, rule="headcount_2_3", opens_in=3600, open_=False)
    db.session.commit()
    login(client, worker.username)
    page = client.get(f"/console/votes/{vote.id}").get_data(as_text=True)
    preview = re.search(r'id="electorate-preview">(.*?)</p>', page, re.S).group(1)
    assert "<strong>6</strong> 套房" in preview and "业主人数 <strong>3</strong>" in preview
    assert "<strong>400.00</strong> ㎡" in preview
    assert "1-1-101、1-1-102" in preview and "1-1-201、1-1-202、2-1-101" in preview
