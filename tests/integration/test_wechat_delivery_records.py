"""Which deliveries are recorded: one that changes something (a ballot, a complaint) is recorded with its
reply and acts once however often it is retried; one that changes nothing (帮助, 进度) leaves no trace and
a retry is simply answered again."""
import pytest
from sqlalchemy import func, select

from core.complaints.models import Complaint
from core.db import db
from core.residents.models import Binding, InboundMessage
from core.votes.models import BallotEntry
from tests import factories
from tests.wechat_helpers import SAFE, Phone, config_for


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("app", [config_for(SAFE)], indirect=True)
def test_reading_leaves_no_record_and_acting_is_recorded_once(client, shipped_model):
    estate = factories.estate(buildings=("1",), units=1, floors=2)
    factories.vote(estate)
    owner = factories.flats_of(estate)[0].owners[0]
    db.session.add(Binding(openid="o-r", owner=owner, method="code"))
    db.session.commit()
    phone = Phone(client, SAFE, "o-r")

    assert phone.say("帮助", msg_id=1) == phone.say("帮助", msg_id=1)
    assert "已投 0/" in phone.say("进度", msg_id=2)
    assert count(InboundMessage) == 0

    first = phone.say("同意", msg_id=3)
    assert "已记录" in first and phone.say("同意", msg_id=3) == first
    assert count(BallotEntry) == 1 and count(InboundMessage) == 1

    filed = phone.say("报修 楼道灯坏了，晚上看不见", msg_id=4)
    assert phone.say("报修 楼道灯坏了，晚上看不见", msg_id=4) == filed
    assert count(Complaint) == 1 and count(InboundMessage) == 2
    db.session.rollback()
