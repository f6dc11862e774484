"""Issue 13.7 (过户): a flat changes hands during a vote. The ballot is the flat's: the seller's stays
counted until the buyer changes it before the close; the log keeps both; the seller can no longer vote."""
import io

import openpyxl
import pytest
from sqlalchemy import func, select

from core.db import db
from core.register.models import Owner
from core.residents.bindings import issue_code
from core.residents.models import Binding
from core.votes.log import verify_vote
from core.votes.models import BallotEntry
from core.votes.tally import live_tally
from tests import factories
from tests.conftest import csrf_token, login
from tests.wechat_helpers import SAFE, Phone, config_for

pytestmark = pytest.mark.parametrize("app", [config_for(SAFE, PUBLIC_BASE_URL="https://yishi.example.cn")],
                                     indirect=True)


def test_a_transfer_during_a_vote_from_console_to_chat(app, client):
    estate = factories.estate(name="幸福里", buildings=("1",), units=1, floors=1)
    worker = factories.user("worker", community_=estate.community)
    vote = factories.vote(estate)
    flat = factories.flats_of(estate)[0]
    seller = flat.representative
    code = issue_code(seller, None)
    db.session.commit()
    seller_phone = Phone(client, SAFE, "o-seller")
    assert "绑定成功" in seller_phone.say(f"绑定 {code}")
    assert "已记录：同意" in seller_phone.say("同意")

    login(client, worker.username)
    url = f"/console/flats/{flat.id}"
    unconfirmed = client.post(f"{url}/transfer", data={"csrf_token": csrf_token(client, url), "name": "钱买家"})
    assert unconfirmed.status_code == 422 and "请先勾选确认" in unconfirmed.get_data(as_text=True)
    assert 'value="钱买家"' in unconfirmed.get_data(as_text=True)
    same = client.post(f"{url}/transfer", data={"csrf_token": csrf_token(client, url), "name": seller.name,
                                                "confirm": "1"})
    assert same.status_code == 422 and "过户请填写买受人" in same.get_data(as_text=True)
    done = client.post(f"{url}/transfer", follow_redirects=True, data={
        "csrf_token": csrf_token(client, url), "name": "钱买家", "phone": "13700000000", "confirm": "1"})
    assert "已过户" in done.get_data(as_text=True)
    db.session.expire_all()
    buyer = flat.representative
    assert buyer.name == "钱买家" and db.session.get(Owner, seller.id).moved_out_at is not None
    assert db.session.scalar(select(Binding.ended_at).where(Binding.owner_id == seller.id)) is not None
    # The seller's ballot still counts for the flat.
    assert live_tally(vote).agree_count == 1

    # The seller is no longer bound, and cannot bind again by the register.
    assert "绑定" in seller_phone.say("不同意")
    assert "绑定成功" not in seller_phone.say(f"绑定 幸福里 {flat.code} {seller.name} {seller.phone[-4:]}")

    # The buyer binds and changes the flat's ballot before the close.
    code = issue_code(buyer, worker)
    db.session.commit()
    buyer_phone = Phone(client, SAFE, "o-buyer")
    assert "绑定成功" in buyer_phone.say(f"绑定 {code}")
    assert "已记录：不同意" in buyer_phone.say("不同意")
    db.session.expire_all()
    tally = live_tally(vote)
    assert (tally.agree_count, tally.disagree_count, tally.participation_count) == (0, 1, 1)
    assert db.session.scalars(select(BallotEntry.owner_id).order_by(BallotEntry.seq)).all() == [seller.id, buyer.id]
    assert verify_vote(vote).ok

    roll = list(openpyxl.load_workbook(io.BytesIO(client.get(
        f"/console/votes/{vote.id}/roll.xlsx?full=1").data)).active.iter_rows(values_only=True))
    assert (roll[1][4], roll[1][5], roll[1][6]) == ("钱买家", "不同意", "钱买家")
    # The register shows and exports the buyer; the seller is listed as moved out, and an export → import
    # round trip changes nothing.
    page = client.get(url).get_data(as_text=True)
    assert "已过户迁出" in page
    from core.register.operations import export_rows

    rows = export_rows(estate)
    assert rows[0][5] == "钱买家" and rows[0][8] == ""
    assert db.session.scalar(select(func.count()).select_from(Owner).where(Owner.flat_id == flat.id)) == 2
