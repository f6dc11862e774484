"""Guessing one's way into a neighbour's flat: per-flat and overall hourly caps on register matches and
codes, a worker's code that still works after failed name/phone tries, and a worker lifting a lockout."""
import pytest
from sqlalchemy import func, select

from core.db import db
from core.residents import bindings
from core.residents.models import Binding, BindingAttempt
from tests import factories
from tests.conftest import csrf_token, login
from tests.wechat_helpers import SAFE, Phone, config_for

pytestmark = pytest.mark.parametrize("app", [config_for(SAFE)], indirect=True)


@pytest.fixture
def estate(app):
    e = factories.estate(name="幸福里", buildings=("3",), units=1, floors=3)
    db.session.commit()
    return e


def owner_of(estate, code):
    from core.register.lookup import flat_by_code

    return flat_by_code(estate, code).owners[0]


def details(owner, phone="9999"):
    return f"绑定 幸福里 {owner.flat.code} {owner.name} {phone}"


def bound_count():
    db.session.expire_all()
    return db.session.scalar(select(func.count(Binding.id)).where(Binding.ended_at.is_(None)))


def test_a_workers_code_still_works_after_failed_name_and_phone_tries(client, estate):
    owner = owner_of(estate, "3-1-101")
    worker = factories.user("worker", estate.community)
    code = bindings.issue_code(owner, worker)
    db.session.commit()
    phone = Phone(client, SAFE, "o-grandma")
    for _ in range(bindings.MAX_FAILURES_PER_OPENID):
        assert "不一致" in phone.say(details(owner, "1111"))  # she misremembers the phone in the register
    assert "尝试次数太多" in phone.say(details(owner, owner.phone[-4:]))
    assert "绑定成功" in phone.say(code)
    assert bound_count() == 1


def test_many_wechat_users_guessing_one_flat_lock_it_and_a_worker_lifts_the_lock(client, app, estate):
    owner = owner_of(estate, "3-1-101")
    worker = factories.user("worker", estate.community)
    db.session.commit()
    for n in range(bindings.MAX_FAILURES_PER_FLAT_HOUR):  # each guesser stays under the per-user limit
        assert "不一致" in Phone(client, SAFE, f"o-guesser-{n}").say(details(owner, f"9{n:03d}"))
    assert "这套房屋的尝试次数太多" in Phone(client, SAFE, "o-lucky").say(details(owner, owner.phone[-4:]))
    assert bound_count() == 0

    console = app.test_client()
    login(console, worker.username)
    page = f"/console/estates/{estate.id}/bindings"
    listing = console.get(page).get_data(as_text=True)
    assert "核对登记已锁定" in listing and "解除锁定" in listing
    console.post(f"/console/estates/{estate.id}/flats/{owner.flat_id}/unlock-binding",
                 data={"csrf_token": csrf_token(console, page)})
    assert "核对登记已锁定" not in console.get(page).get_data(as_text=True)
    assert "绑定成功" in Phone(client, SAFE, "o-owner").say(details(owner, owner.phone[-4:]))
    from core.audit import AuditEntry

    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "binding.unlock")) is not None
    # Another community's worker cannot lift it.
    stranger = factories.user("worker", factories.community())
    db.session.commit()
    other = app.test_client()
    login(other, stranger.username)
    assert other.post(f"/console/estates/{estate.id}/flats/{owner.flat_id}/unlock-binding",
                      data={"csrf_token": csrf_token(other, "/console/")}).status_code == 404


def test_a_flood_of_guesses_over_many_flats_hits_the_overall_hourly_cap(client, estate, monkeypatch):
    monkeypatch.setattr(bindings, "MAX_REGISTER_FAILURES_HOUR", 3)
    monkeypatch.setattr(bindings, "MAX_CODE_FAILURES_HOUR", 3)
    codes = ["3-1-101", "3-1-102", "3-1-201"]
    for n, code in enumerate(codes):
        assert "不一致" in Phone(client, SAFE, f"o-bot-{n}").say(details(owner_of(estate, code)))
    owner = owner_of(estate, "3-1-301")
    assert "核对登记的人太多" in Phone(client, SAFE, "o-real").say(details(owner, owner.phone[-4:]))
    worker = factories.user("worker", estate.community)
    code = bindings.issue_code(owner, worker)
    db.session.commit()
    assert "绑定成功" in Phone(client, SAFE, "o-real").say(code)  # codes are counted apart
    for n in range(3):
        assert "绑定码不对" in Phone(client, SAFE, f"o-bot-{n}").say(f"{n:08d}")
    other = owner_of(estate, "3-1-302")
    other_code = bindings.issue_code(other, worker)
    db.session.commit()
    assert "绑定的人太多" in Phone(client, SAFE, "o-neighbour").say(other_code)
    assert bound_count() == 1
    assert db.session.scalar(select(func.count(BindingAttempt.id))) == 6
