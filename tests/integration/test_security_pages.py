"""What an attacker types is shown as text: script in complaints, notice comments, demand comments and
owners' names is escaped on every page that shows it; every export leaves an audit entry."""
from datetime import timedelta

from sqlalchemy import select

from core.audit import AuditEntry
from core.complaints import tickets
from core.consultation import demands, notices
from core.db import db, db_now
from tests import factories
from tests.conftest import csrf_token, login

PAYLOAD = '<script>alert(1)</script><img src=x onerror=alert(2)>'


def test_script_in_what_residents_write_is_rendered_inert(client, app):
    estate = factories.estate(name="小区<b>", buildings=("1",), units=1, floors=1)
    worker = factories.user("worker", estate.community)
    flat = factories.flats_of(estate)[0]
    owner = flat.owners[0]
    owner.name = "张<script>alert(3)</script>"  # names hold 40 characters
    now = db_now(db.session)
    ticket, _ = tickets.file_complaint("楼道灯不亮" + PAYLOAD, "web", tickets.Router(), flat=flat)
    notice = notices.draft(worker, estate, "公示" + PAYLOAD, "正文" + PAYLOAD)
    notices.schedule(notice, worker, now, now + timedelta(days=3))
    notices.advance()
    notices.comment(notice, owner, "objection", "异议" + PAYLOAD)
    survey = demands.create_survey(worker, estate, "需求", now, now + timedelta(days=3), "基础类 加装电梯")
    demands.open_survey(survey, worker)
    demands.answer(survey, owner, [1], [1], "意见" + PAYLOAD, "web")
    db.session.commit()
    login(client, worker.username)
    for url in ("/console/complaints", f"/console/complaints/{ticket.id}", f"/console/notices/{notice.id}",
                f"/console/demands/{survey.id}", f"/console/estates/{estate.id}/renovation", "/console/overview",
                f"/console/estates/{estate.id}"):
        page = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in page and "<img src=x" not in page, url
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in client.get(f"/console/complaints/{ticket.id}").get_data(as_text=True)


def test_every_export_is_audited(client, app):
    estate = factories.estate(buildings=("1",), units=1, floors=1)
    worker = factories.user("worker", estate.community)
    vote = factories.vote(estate, actor=worker)
    now = db_now(db.session)
    survey = demands.create_survey(worker, estate, "需求", now, now + timedelta(days=3), "基础类 加装电梯")
    db.session.commit()
    login(client, worker.username)
    for url in (f"/console/estates/{estate.id}/register.xlsx", f"/console/votes/{vote.id}/tally.xlsx",
                f"/console/votes/{vote.id}/roll.xlsx", f"/console/votes/{vote.id}/roll.xlsx?full=1",
                f"/console/demands/{survey.id}/results.xlsx", f"/console/report.xlsx?month={now:%Y-%m}"):
        assert client.get(url).status_code == 200, url
    db.session.expire_all()
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.actor_id == worker.id)).all()
    assert {"register.export", "vote.tally_export", "vote.roll_public", "vote.roll_full", "demand.export",
            "report.export"} <= set(actions), actions


FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"点我\")", "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
            "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "＝1+1"]


def test_every_export_writes_what_residents_typed_as_inert_text(client, app):
    """Formula injection (OWASP CSV injection): names, comments and answers that start with = + - @ come
    back as text cells with a leading apostrophe, never as formulas, in every .xlsx export."""
    import io

    import openpyxl

    from core.consultation import surveys

    estate = factories.estate(name="=1+1 小区", buildings=("1",), units=1, floors=3)
    worker = factories.user("worker", estate.community)
    flats = factories.flats_of(estate)
    for flat, formula in zip(flats, FORMULAS):
        flat.owners[0].name = formula[:40]
    unbound = factories.flats_of(estate)[0].owners[0]
    vote = factories.vote(estate, actor=worker)
    now = db_now(db.session)
    demand = demands.create_survey(worker, estate, "需求", now, now + timedelta(days=3), "基础类 加装电梯")
    demands.open_survey(demand, worker)
    demands.answer(demand, unbound, [1], [1], FORMULAS[0], "web")
    survey = surveys.create_survey(worker, estate, "满意度", now, now + timedelta(days=3), "文字 建议", False)
    surveys.open_survey(survey, worker)
    surveys.answer(survey, unbound, {str(survey.questions[0].id): FORMULAS[3]})
    db.session.commit()
    login(client, worker.username)
    token = csrf_token(client, f"/console/estates/{estate.id}/bindings")
    exports = {
        "register": client.get(f"/console/estates/{estate.id}/register.xlsx"),
        "roll": client.get(f"/console/votes/{vote.id}/roll.xlsx?full=1"),
        "binding codes": client.post(f"/console/estates/{estate.id}/binding-codes.xlsx", data={"csrf_token": token}),
        "demand": client.get(f"/console/demands/{demand.id}/results.xlsx"),
        "survey": client.get(f"/console/surveys/{survey.id}/results.xlsx"),
        "report": client.get(f"/console/report.xlsx?month={now:%Y-%m}"),
    }
    for name, response in exports.items():
        assert response.status_code == 200, name
        book = openpyxl.load_workbook(io.BytesIO(response.data))
        texts = []
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (name, cell.coordinate, cell.value)
                    if isinstance(cell.value, str):
                        assert not cell.value.startswith(("=", "+", "-", "@", "\t", "＝")), (name, cell.value)
                        texts.append(cell.value)
        assert any(t.startswith("'") for t in texts), name  # the payload is there, made inert
    # The register export still imports back unchanged: the apostrophe is read back off.
    from core.register.sheet import read_table

    names = {r["业主姓名"] for _, r in read_table("r.xlsx", exports["register"].data)}
    assert {f[:40].strip() for f in FORMULAS} <= names
