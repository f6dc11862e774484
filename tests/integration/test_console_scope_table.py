"""Every console URL, requested by someone who may not use it on that object: one table, and a check that
the table lists every console route. A refusal is a 404 (no probing for what exists)."""
import base64
import re
from datetime import timedelta

import pytest

from core.complaints import tickets
from core.complaints.departments import by_code, seed_defaults
from core.consultation import demands, notices, surveys
from core.db import db, db_now
from core.residents.bindings import bind_with_code, issue_code
from core.votes.models import VoteObjection
from tests import factories
from tests.conftest import csrf_token, login

# A real 1 × 1 PNG: photos are checked for the size their header declares (20 zero bytes declared none).
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")

# (method, URL template, may street-office staff of the same street use it?)
TABLE = [
    ("GET", "/console/estates/{estate}", True),
    ("POST", "/console/estates/{estate}/import", False),
    ("GET", "/console/estates/{estate}/register.xlsx", False),
    ("GET", "/console/estates/{estate}/bindings", True),
    ("POST", "/console/estates/{estate}/binding-codes.xlsx", False),
    ("POST", "/console/estates/{estate}/owners/{owner}/binding-code", False),
    ("POST", "/console/estates/{estate}/bindings/{binding}/revoke", False),
    ("POST", "/console/estates/{estate}/flats/{flat}/unlock-binding", False),
    ("POST", "/console/flats/{flat}/owners/{flat_owner}/sign-in-link", False),
    ("GET", "/console/estates/{estate}/votes/new", False),
    ("POST", "/console/estates/{estate}/votes/new", False),
    ("GET", "/console/votes/{vote}", True),
    ("POST", "/console/votes/{vote}/open", False),
    ("POST", "/console/votes/{vote}/close", False),
    ("POST", "/console/votes/{vote}/paper", False),
    ("POST", "/console/votes/{vote}/objections/{objection}/answer", False),
    ("GET", "/console/votes/{vote}/edit", False),
    ("POST", "/console/votes/{vote}/edit", False),
    ("POST", "/console/votes/{vote}/delete", False),
    ("GET", "/console/flats/{flat}", True),
    ("POST", "/console/flats/{flat}", False),
    ("POST", "/console/flats/{flat}/proxies", False),
    ("POST", "/console/flats/{flat}/transfer", False),
    ("POST", "/console/proxies/{proxy}/revoke", False),
    ("GET", "/console/proxies/{proxy}/scan", False),
    ("POST", "/console/proxies/{proxy}/code", False),
    ("GET", "/console/estates/{estate}/edit", False),
    ("POST", "/console/estates/{estate}/edit", False),
    ("GET", "/console/votes/{vote}/roll.xlsx", True),
    ("GET", "/console/votes/{vote}/tally.xlsx", True),
    ("GET", "/console/complaints/{complaint}", True),
    ("POST", "/console/complaints/{complaint}/assign", False),
    ("POST", "/console/complaints/{complaint}/start", False),
    ("POST", "/console/complaints/{complaint}/return", False),
    ("POST", "/console/complaints/{complaint}/resolve", False),
    ("POST", "/console/complaints/{complaint}/decline", False),
    ("POST", "/console/complaints/{complaint}/unlink", False),
    ("GET", "/console/complaints/{complaint}/photos/{photo}", True),
    ("GET", "/console/estates/{estate}/renovation", True),
    ("POST", "/console/estates/{estate}/demands", False),
    ("GET", "/console/demands/{demand}", True),
    ("POST", "/console/demands/{demand}/close", False),
    ("POST", "/console/demands/{demand}/open", False),
    ("POST", "/console/demands/{demand}/paper", False),
    ("GET", "/console/demands/{demand}/results.xlsx", True),
    ("POST", "/console/estates/{estate}/notices", False),
    ("GET", "/console/notices/{notice}", True),
    ("GET", "/console/notices/{notice}/files/{attachment}", True),
    ("POST", "/console/notices/{notice}/comments/{comment}/reply", False),
    ("POST", "/console/notices/{notice}/outcome", False),
    ("POST", "/console/estates/{estate}/surveys", False),
    ("GET", "/console/surveys/{survey}", True),
    ("POST", "/console/surveys/{survey}/close", False),
    ("POST", "/console/surveys/{survey}/open", False),
    ("GET", "/console/surveys/{survey}/results.xlsx", True),
    ("GET", "/console/flats/{flat}/edit", False),
    ("POST", "/console/flats/{flat}/edit", False),
    ("POST", "/console/owners/{owner}", False),
]
# Routes about no one estate: lists (scoped inside), templates, and the street office's own pages.
UNSCOPED = {"/console/", "/console/complaints", "/console/complaints/new", "/console/complaints/stats",
            "/console/departments", "/console/departments/<int:department_id>", "/console/classifier",
            "/console/classifier/history", "/console/classifier/history/<int:run_id>",
            "/console/classifier/history/<int:run_id>/start", "/console/classifier/history/<int:run_id>/promote",
            "/console/classifier/history/<int:run_id>/delete",
            "/console/classifier/mapping", "/console/classifier/default", "/console/open311-keys",
            "/console/open311-keys/<int:key_id>/revoke",
            "/console/overview", "/console/report.xlsx", "/console/register-template.xlsx", "/console/votes",
            "/console/organisation", "/console/organisation/streets", "/console/organisation/communities",
            "/console/estates/new"}  # a worker's own community (tests/integration/test_estate_form.py)


def _things(estate, worker):
    """One of everything in an estate, for the URLs above."""
    now = db_now(db.session)
    flats = factories.flats_of(estate)
    owner = flats[0].owners[0]
    binding = bind_with_code(f"o-{estate.id}", issue_code(owner, worker))
    vote = factories.vote(estate, actor=worker)
    ticket, _ = tickets.file_complaint("楼道灯不亮", "web", tickets.Router(), flat=flats[0])
    photo = tickets.add_photo(ticket, PNG)
    demand = demands.create_survey(worker, estate, "需求", now, now + timedelta(days=3), "基础类 加装电梯")
    notice = notices.draft(worker, estate, "公示", "内容")
    attachment = notices.attach(notice, "图.png", PNG)
    notices.schedule(notice, worker, now, now + timedelta(days=3))
    notices.advance()
    comment = notices.comment(notice, owner, "objection", "不同意")
    from core.votes import proxies

    proxy = proxies.record(worker, flats[0], "代理人", "", vote=vote, scan=PNG)
    survey = surveys.create_survey(worker, estate, "满意度", now, now + timedelta(days=3), "评分 满意吗", False)
    objection = VoteObjection(vote_id=vote.id, flat_id=flats[0].id, owner_id=owner.id, channel="web",
                              text="记错了", created_at=now, answer="")
    db.session.add(objection)
    db.session.flush()
    return {"objection": objection.id, "estate": estate.id, "flat": flats[0].id, "owner": flats[1].owners[0].id, "binding": binding.id, "vote": vote.id,
            "complaint": ticket.id, "photo": photo.id, "demand": demand.id, "notice": notice.id,
            "comment": comment.id, "survey": survey.id, "proxy": proxy.id, "attachment": attachment.id,
            "flat_owner": owner.id}


@pytest.fixture
def world(app):
    street_a, street_b = factories.street(), factories.street()
    seed_defaults()  # each street's own list
    comm_a, comm_b, comm_c = factories.community(street_a), factories.community(street_a), factories.community(street_b)
    workers = {k: factories.user("worker", community_=c) for k, c in (("a", comm_a), ("b", comm_b), ("c", comm_c))}
    things = {k: _things(factories.estate(c, buildings=("1",), units=1, floors=2), workers[k])
              for k, c in (("a", comm_a), ("b", comm_b), ("c", comm_c))}
    users = {"worker_a": workers["a"], "street_a": factories.user("street", street_=street_a)}
    db.session.commit()
    return things, users


def test_the_table_lists_every_console_route(app):
    listed = {re.sub(r"\{\w+\}", "<>", url) for _, url, _ in TABLE}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("console.") and rule.rule not in UNSCOPED:
            shape = re.sub(r"<[^>]+>", "<>", rule.rule)
            if "<>" in shape.rsplit("/", 1)[-1] and "any(" in rule.rule:
                continue  # open/close: listed by name
            assert shape in listed, f"{rule.rule} is not in the access table"


# (user, the estate whose things are asked for, which rows must be refused)
CASES = [
    ("worker_a", "b", "all"),  # another community of the same street
    ("worker_a", "c", "all"),  # another street
    ("street_a", "c", "all"),  # another street
    ("street_a", "a", "writes"),  # own street: reads, but does not act
]


@pytest.mark.parametrize("username, estate_key, refused", CASES)
def test_out_of_scope_requests_answer_404_and_change_nothing(client, world, username, estate_key, refused):
    things, users = world
    login(client, users[username].username)
    token = csrf_token(client, "/console/")  # a valid token: any refusal must come from the scope check
    for method, template, street_may in TABLE:
        url = template.format(**things[estate_key])
        response = client.get(url) if method == "GET" else client.post(url, data={"csrf_token": token})
        must_refuse = refused == "all" or not street_may
        if must_refuse:
            assert response.status_code == 404, (username, method, url, response.status_code)
        else:
            assert response.status_code == 200, (username, method, url, response.status_code)


def test_street_only_pages_refuse_workers(client, world):
    things, users = world
    login(client, users["worker_a"].username)
    token = csrf_token(client, "/console/")
    assert client.get("/console/classifier").status_code == 404
    water = by_code("供水")
    assert client.post(f"/console/departments/{water.id}", data={"csrf_token": token, "name": "x",
                                                                 "sla_hours": "1"}).status_code == 404
    db.session.expire_all()
    assert by_code("供水").name == "供水公司"
