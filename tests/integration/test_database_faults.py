"""When the database cannot write (read-only, or its disk full), a request gets a clear answer and
nothing half-done is stored."""
import base64
import io

import pytest
from flask_migrate import upgrade
from sqlalchemy import event, func, select, text

from bot.wechat_side import text_xml
from core.complaints.models import Complaint, ComplaintPhoto
from core.db import db
from core.residents.links import issue_link
from core.residents.models import Binding, InboundMessage
from core.votes.models import Ballot
from tests import factories
from tests.conftest import BACKEND, csrf_token, make_app
from tests.wechat_helpers import SAFE, Phone, config_for

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


def _read_only(database_url: str) -> tuple[str, dict]:
    if BACKEND == "postgresql":
        return database_url, {"pool_pre_ping": True,
                              "connect_args": {"options": "-c default_transaction_read_only=on"}}
    path = database_url.removeprefix("sqlite:///")
    return f"sqlite:///file:{path}?mode=ro&uri=true", {"connect_args": {"timeout": 30, "uri": True}}


def test_a_read_only_database_refuses_a_ballot_clearly_and_stores_nothing(app, database_url, monkeypatch, tmp_path):
    estate = factories.estate(name="幸福里", buildings=("3",), units=1, floors=1)
    vote = factories.vote(estate)
    owner = factories.flats_of(estate)[0].owners[0]
    db.session.add(Binding(openid="o-ro", owner_id=owner.id, method="code"))
    db.session.commit()

    url, options = _read_only(database_url)
    frozen = make_app(url, SQLALCHEMY_ENGINE_OPTIONS=options, **config_for(SAFE))
    phone = Phone(frozen.test_client(), SAFE, "o-ro")
    response = phone.post(text_xml("o-ro", "同意", 777))
    assert response.status_code == 503 and "没有保存" in response.get_data(as_text=True)
    with frozen.app_context():
        db.engine.dispose()
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(InboundMessage)) == 0
    assert db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.vote_id == vote.id)) == 0


@pytest.fixture
def small_disk(tmp_path, monkeypatch):
    """An app on its own SQLite file that can grow by only a few pages: a full disk, as SQLite sees one."""
    monkeypatch.setenv("YISHI_INSTANCE_PATH", str(tmp_path / "instance"))
    app = make_app(f"sqlite:///{tmp_path / 'small.sqlite3'}")
    with app.app_context():
        upgrade()
        yield app
        db.session.remove()
        db.engine.dispose()


def test_a_full_disk_refuses_a_complaint_with_a_photo_and_stores_none_of_it(small_disk):
    estate = factories.estate(buildings=("1",), units=1, floors=1)
    owner = factories.flats_of(estate)[0].owners[0]
    token = issue_link(owner)
    db.session.commit()
    pages = db.session.execute(text("PRAGMA page_count")).scalar()
    db.session.commit()

    @event.listens_for(db.engine, "connect")
    def _cap(dbapi_connection, _record):
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages + 8}")

    db.engine.dispose()
    web = small_disk.test_client()
    web.post(f"/r/login/{token}", data={"csrf_token": csrf_token(web, f"/r/login/{token}")})
    photo = PNG + b"\0" * 200_000  # needs far more than eight free pages
    response = web.post("/r/complaints", data={"csrf_token": csrf_token(web, "/r/complaints"),
                                               "text": "楼道灯不亮", "photos": [(io.BytesIO(photo), "a.png")]},
                        content_type="multipart/form-data")
    assert response.status_code == 503 and "没有保存" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Complaint)) == 0
    assert db.session.scalar(select(func.count()).select_from(ComplaintPhoto)) == 0
    small = web.post("/r/complaints", data={"csrf_token": csrf_token(web, "/r/complaints"), "text": "楼道灯不亮"})
    assert small.status_code == 302  # what fits is still saved
