"""What an attacker types is shown as text: script in complaints, notice comments, demand comments and
owners' names is escaped on every page that shows it; every export leaves an audit entry."""
from datetime import timedelta

from sqlalchemy import select

from core.audit import AuditEntry
from core.complaints import tickets
from core.consultation import demands, notices
from core.db import db, db_now
from tests import factories
from tests.conftest import login

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
