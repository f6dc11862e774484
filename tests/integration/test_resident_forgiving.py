"""Residents' pages that forgive mistakes: an error keeps every answer, the home names the estate, an open vote
that meets its rule is never called passed, and a worker's code can be printed from the CLI."""
import re
from datetime import timedelta

from sqlalchemy import func, select

from core.consultation import demands
from core.consultation.models import DemandResponse
from core.db import db, db_now
from core.register.lookup import flat_by_code
from core.residents.links import issue_link
from core.residents.models import Binding
from core.votes.ballots import cast
from tests import factories
from tests.conftest import csrf_token


def _signed_in(client, owner):
    token = issue_link(owner)
    db.session.commit()
    client.post(f"/r/login/{token}", data={"csrf_token": csrf_token(client, f"/r/login/{token}")})


def test_a_demand_form_with_a_repeated_top_pick_keeps_every_tick_and_word(app, client):
    estate = factories.estate(name="幸福里", buildings=("3",), units=1, floors=2)
    worker = factories.user("worker", estate.community)
    now = db_now(db.session)
    survey = demands.create_survey(worker, estate, "改造需求", now, now + timedelta(days=7), demands.menu_text())
    demands.open_survey(survey, worker)
    owner = flat_by_code(estate, "3-1-101").owners[0]
    _signed_in(client, owner)
    csrf = csrf_token(client, f"/r/demands/{survey.id}")
    page = client.post(f"/r/demands/{survey.id}", data={"csrf_token": csrf, "item": ["3", "5"], "top1": "5",
                                                        "top2": "5", "comment": "先修屋顶，再装电梯"})
    html = page.get_data(as_text=True)
    assert page.status_code == 422 and "不能重复" in html
    assert re.search(r'value="3"\s+checked', html) and re.search(r'value="5"\s+checked', html)
    assert "先修屋顶，再装电梯" in html
    assert re.search(r'<option value="5" selected>', html)
    assert db.session.scalar(select(func.count()).select_from(DemandResponse)) == 0


def test_the_home_names_the_estate(app, client):
    estate = factories.estate(name="幸福里", buildings=("3",), units=1, floors=2)
    _signed_in(client, flat_by_code(estate, "3-1-101").owners[0])
    home = client.get("/r/").get_data(as_text=True)
    assert "幸福里" in home and "3栋1单元101" in home


def test_an_open_vote_that_meets_its_rule_is_not_called_passed(app, client):
    estate = factories.estate(name="幸福里", buildings=("3",), units=1, floors=2)
    vote = factories.vote(estate)
    for flat in factories.flats_of(estate):
        cast(vote.id, flat, "agree", channel="web", idempotency_key=f"k{flat.id}", owner=flat.owners[0])
    _signed_in(client, factories.flats_of(estate)[0].owners[0])
    page = client.get(f"/r/votes/{vote.id}").get_data(as_text=True)
    assert "目前已达到标准，截止后生效" in page and "已通过" not in page
    assert "目前已达到标准，截止后生效" in client.get("/r/").get_data(as_text=True)


def test_flask_residents_code_prints_a_code_that_binds_in_the_chat(app):
    estate = factories.estate(name="幸福里", buildings=("3",), units=1, floors=2)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["residents", "code", "--estate", "幸福里", "3-1-102"])
    assert result.exit_code == 0, result.output
    code = result.output.strip().splitlines()[-1]
    assert re.fullmatch(r"\d{8}", code)
    from core.residents.bindings import bind_with_code

    binding = bind_with_code("o-cli", code)
    assert binding.owner == flat_by_code(estate, "3-1-102").representative
    db.session.rollback()
    missing = app.test_cli_runner().invoke(args=["residents", "code", "--estate", "幸福里", "9-9-999"])
    assert missing.exit_code != 0 and "没有这套房" in missing.output
    assert db.session.scalar(select(func.count()).select_from(Binding)) == 0
