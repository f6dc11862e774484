"""The chat as a resident lives it: subscribe, bind (by code or by the register), vote, check, unbind."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from core.db import db, db_now
from core.residents.bindings import MAX_FAILURES_PER_OPENID, issue_code
from core.residents.models import Binding, BindingAttempt
from core.votes.models import Ballot, BallotEntry
from core.votes.tally import live_tally
from tests import factories
from tests.wechat_helpers import SAFE, Phone, config_for

pytestmark = pytest.mark.parametrize("app", [config_for(SAFE, PUBLIC_BASE_URL="https://yishi.example.cn")],
                                     indirect=True)


@pytest.fixture
def estate(app):
    e = factories.estate(name="幸福里", buildings=("3",), units=2, floors=3)
    db.session.commit()
    return e


@pytest.fixture
def phone(client):
    return Phone(client, SAFE, "o-zhang")


def flat(estate, code):
    from core.register.lookup import flat_by_code

    return flat_by_code(estate, code)


def bind(phone, owner):
    return phone.say(f"绑定 幸福里 {owner.flat.code} {owner.name} {owner.phone[-4:]}")


def test_subscribe_welcomes_and_explains_binding(phone, estate):
    reply = phone.event("subscribe")
    assert "欢迎关注" in reply and "绑定" in reply


def test_binding_by_the_register_then_voting_in_the_chat_lands_in_the_tally(phone, estate):
    vote = factories.vote(estate)
    owner = flat(estate, "3-2-301").owners[0]
    db.session.commit()
    assert "绑定成功：3栋2单元301" in bind(phone, owner)

    listing = phone.say("投票")
    assert "1.《老旧小区改造》" in listing and f"https://yishi.example.cn/r/votes/{vote.id}" in listing
    reply = phone.say("同意")
    assert "已记录：同意《老旧小区改造》" in reply and "回执码" in reply

    db.session.expire_all()
    entry = db.session.scalar(select(BallotEntry).where(BallotEntry.vote_id == vote.id))
    assert (entry.channel, entry.choice, entry.owner_id) == ("wechat", "agree", owner.id)
    assert entry.receipt in reply
    assert live_tally(vote).agree_count == 1
    assert entry.receipt in phone.say("我的投票")

    assert "不同意" in phone.say("不同意")  # a change before the close
    db.session.expire_all()
    assert db.session.scalar(select(Ballot.choice).where(Ballot.vote_id == vote.id)) == "disagree"
    assert "还差同意" in phone.say("进度")


def test_a_voice_message_is_read_like_typed_text(client, estate):
    vote = factories.vote(estate)
    owner = flat(estate, "3-1-101").owners[0]
    db.session.add(Binding(openid="o-voice", owner=owner, method="code"))
    db.session.commit()
    voice = ("<xml><ToUserName>gh</ToUserName><FromUserName>o-voice</FromUserName><CreateTime>1</CreateTime>"
             "<MsgType>voice</MsgType><MediaId>m</MediaId><Format>amr</Format><Recognition>同意。</Recognition>"
             "<MsgId>424242</MsgId></xml>")
    phone = Phone(client, SAFE, "o-voice")
    assert "已记录：同意" in phone.reply(phone.post(voice))
    db.session.expire_all()
    assert db.session.scalar(select(Ballot.choice).where(Ballot.vote_id == vote.id)) == "agree"


def test_binding_by_a_workers_one_time_code(phone, estate):
    owner = flat(estate, "3-1-202").owners[0]
    code = issue_code(owner, None)
    db.session.commit()
    assert "绑定成功：3栋1单元202" in phone.say(code)  # eight digits alone are a code
    db.session.expire_all()
    assert db.session.scalar(select(Binding.owner_id).where(Binding.openid == "o-zhang")) == owner.id
    # The code works once.
    other = Phone(phone.client, SAFE, "o-someone-else")
    assert "绑定码不对或已失效" in other.say(f"绑定 {code}")


def test_wrong_details_are_refused_and_counted_then_locked(phone, estate):
    owner = flat(estate, "3-1-101").owners[0]
    db.session.commit()
    replies = [phone.say(f"绑定 幸福里 3-1-101 {owner.name} 9999") for _ in range(MAX_FAILURES_PER_OPENID)]
    assert all("不一致" in reply for reply in replies)
    # Told how many tries are left before the lock-out, not only after it.
    assert "还可以再试 1 次" in replies[-2] and "再试" not in replies[0] and "再试" not in replies[-1]
    # Now even the right details are refused for a day: guessing four digits is not an option.
    assert "尝试次数太多" in bind(phone, owner)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Binding)) == 0
    assert db.session.scalar(select(func.count()).select_from(BindingAttempt)) == MAX_FAILURES_PER_OPENID


def test_an_owner_bound_to_another_wechat_cannot_be_taken_over_by_register_details(client, estate):
    owner = flat(estate, "3-1-101").owners[0]
    db.session.commit()
    assert "绑定成功" in bind(Phone(client, SAFE, "o-first"), owner)
    assert "已绑定了另一个微信" in bind(Phone(client, SAFE, "o-second"), owner)


def test_commands_that_need_a_flat_explain_binding_first(phone, estate):
    factories.vote(estate)
    db.session.commit()
    assert "请先绑定" in phone.say("同意")
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(BallotEntry)) == 0


def test_with_two_open_votes_a_bare_choice_asks_which(phone, estate):
    first = factories.vote(estate)
    unit = estate.buildings[0].units[0]
    second = factories.vote(estate, unit=unit)
    owner = unit.flats[0].owners[0]
    db.session.commit()
    bind(phone, owner)
    assert "回复“同意 1”、“不同意 1”或“弃权 1”" in phone.say("投票")  # every choice with its number
    # The bot numbers this flat's votes 1, 2, … (not by database id) and waits for the number.
    reply = phone.say("我同意")
    assert "回复数字" in reply and "1.《加装电梯》" in reply and "2.《老旧小区改造》" in reply
    assert f"【{first.id}】" not in reply
    assert "已记录：同意《加装电梯》" in phone.say("1")
    assert "已记录：不同意《老旧小区改造》" in phone.say("不同意 2")
    db.session.expire_all()
    assert {(b.vote_id, b.choice) for b in db.session.scalars(select(Ballot))} == {
        (second.id, "agree"), (first.id, "disagree")}
    assert "没有第 3 项进行中的表决" in phone.say("同意 3")
    assert db.session.scalar(select(func.count()).select_from(BallotEntry)) == 2


def test_a_ballot_after_the_close_is_refused_and_stores_nothing(phone, estate):
    vote = factories.vote(estate, opens_in=-7200)
    owner = flat(estate, "3-1-101").owners[0]
    db.session.commit()
    bind(phone, owner)
    vote.closes_at = db_now(db.session) - timedelta(seconds=1)  # the deadline passes
    db.session.commit()
    assert "没有进行中的表决" in phone.say("同意 1")
    assert "没有进行中的表决" in phone.say("同意")
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(BallotEntry)) == 0


def test_the_menu_button_runs_the_same_command_as_typing(phone, estate):
    factories.vote(estate)
    owner = flat(estate, "3-1-101").owners[0]
    db.session.commit()
    bind(phone, owner)
    assert phone.event("CLICK", "VOTES") == phone.say("投票")


def test_the_pages_command_sends_a_one_time_sign_in_link(phone, client, estate):
    owner = flat(estate, "3-1-101").owners[0]
    db.session.commit()
    bind(phone, owner)
    reply = phone.say("网页")
    link = reply.split("\n")[-1]
    assert link.startswith("https://yishi.example.cn/r/login/")
    path = link.removeprefix("https://yishi.example.cn")
    from tests.conftest import csrf_token

    token = csrf_token(client, path)
    assert client.post(path, data={"csrf_token": token}).status_code == 302
    assert owner.flat.label in client.get("/r/").get_data(as_text=True)


def test_unsubscribing_unbinds(phone, estate):
    owner = flat(estate, "3-1-101").owners[0]
    db.session.commit()
    bind(phone, owner)
    assert phone.event("unsubscribe") == ""
    db.session.expire_all()
    binding = db.session.scalar(select(Binding))
    assert binding.ended_at is not None and binding.end_reason == "unsubscribed"
    assert "请先绑定" in phone.say("投票")


def test_unknown_text_gets_a_short_answer_and_other_message_types_a_hint(phone, estate):
    owner = flat(estate, "3-1-101").owners[0]
    db.session.commit()
    bind(phone, owner)
    reply = phone.say("今天天气怎么样")
    assert "可以发送这些字" not in reply and len(reply.splitlines()) <= 5
    image = ("<xml><ToUserName>gh</ToUserName><FromUserName>o-zhang</FromUserName><CreateTime>1</CreateTime>"
             "<MsgType>image</MsgType><PicUrl>http://x/y.jpg</PicUrl><MediaId>m</MediaId><MsgId>9191</MsgId></xml>")
    assert "请先发文字" in phone.reply(phone.post(image))  # a photo needs a ticket to go with
    location = ("<xml><ToUserName>gh</ToUserName><FromUserName>o-zhang</FromUserName><CreateTime>1</CreateTime>"
                "<MsgType>location</MsgType><Location_X>30.1</Location_X><Location_Y>104.6</Location_Y>"
                "<Scale>15</Scale><Label>x</Label><MsgId>9192</MsgId></xml>")
    assert "只能看懂文字和语音" in phone.reply(phone.post(location))


def test_ballots_by_web_paper_and_wechat_land_in_one_tally_and_the_log_verifies(phone, estate):
    from core.votes.ballots import Paper, cast
    from core.votes.log import verify_vote

    vote = factories.vote(estate)
    worker = factories.user("worker", estate.community)
    by_web, on_paper, in_chat = (flat(estate, code) for code in ("3-1-101", "3-1-102", "3-2-301"))
    cast(vote.id, by_web, "agree", channel="web", idempotency_key="w1", owner=by_web.owners[0])
    cast(vote.id, on_paper, "disagree", channel="paper", idempotency_key="p1", recorded_by=worker,
         paper=Paper("李社工", db_now(db.session) - timedelta(minutes=5), "纸票-001"))
    db.session.commit()
    bind(phone, in_chat.owners[0])
    phone.say("同意")
    db.session.expire_all()
    tally = live_tally(vote)
    assert (tally.participation_count, tally.agree_count, tally.disagree_count) == (3, 2, 1)
    channels = sorted(db.session.scalars(select(BallotEntry.channel).where(BallotEntry.vote_id == vote.id)))
    assert channels == ["paper", "web", "wechat"]
    assert verify_vote(vote).ok


def test_a_repair_request_in_the_chat_gets_a_ticket_that_query_shows_and_workers_see(phone, client, estate):
    from core.complaints.models import Complaint
    from tests.conftest import login

    owner = flat(estate, "3-2-201").owners[0]
    worker = factories.user("worker", estate.community)
    db.session.commit()
    bind(phone, owner)
    reply = phone.say("报修3栋2单元楼道灯不亮，晚上看不见")
    assert "已受理，编号 TS" in reply
    db.session.expire_all()
    ticket = db.session.scalar(select(Complaint))
    assert (ticket.flat_id, ticket.estate_id, ticket.channel, ticket.status) == (owner.flat_id, estate.id, "wechat",
                                                                                  "received")
    assert ticket.ticket in reply and ticket.text == "3栋2单元楼道灯不亮，晚上看不见"
    assert f"{ticket.ticket} 已受理：3栋2单元楼道灯不亮，晚上看不见" in phone.say("查询")
    login(client, worker.username)
    page = client.get("/console/complaints").get_data(as_text=True)
    assert ticket.ticket in page and "楼道灯不亮" in page
    stranger = factories.user("worker", factories.community())
    db.session.commit()
    elsewhere = client.application.test_client()
    login(elsewhere, stranger.username)
    assert ticket.ticket not in elsewhere.get("/console/complaints").get_data(as_text=True)


def test_an_empty_or_emoji_only_complaint_is_refused_and_stores_nothing(phone, estate):
    from core.complaints.models import Complaint

    owner = flat(estate, "3-1-101").owners[0]
    db.session.commit()
    bind(phone, owner)
    assert "请说说是什么问题" in phone.say("报修")
    assert "已取消" in phone.say("算了")
    assert "请用中文写清楚问题" in phone.say("投诉 😡😡😡")
    assert "请用中文写清楚问题" in phone.say("报修 the light is broken")
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Complaint)) == 0


def test_an_over_long_complaint_is_cut_and_the_resident_is_told(phone, estate):
    from core.complaints.models import Complaint
    from core.complaints.tickets import MAX_TEXT

    owner = flat(estate, "3-1-101").owners[0]
    db.session.commit()
    bind(phone, owner)
    reply = phone.say("投诉 " + "楼下烧烤油烟太大" * 100)
    assert f"只保存了前{MAX_TEXT}字" in reply
    db.session.expire_all()
    assert len(db.session.scalar(select(Complaint.text))) == MAX_TEXT


def test_an_objection_in_the_chat_after_the_close(phone, estate, app):
    from core.jobs import close_votes
    from core.votes.models import Vote, VoteObjection

    vote = factories.vote(estate)
    owner = flat(estate, "3-1-101").owners[0]
    db.session.commit()
    bind(phone, owner)
    reply = phone.say("异议 我投的是同意")  # still open: change the ballot instead
    assert "没有处在异议期的表决" in reply and "直接改投" in reply
    phone.say("不同意")
    db.session.execute(text("UPDATE vote SET closes_at = :t WHERE id = :id"),
                       {"t": (db_now(db.session) - timedelta(seconds=1)).replace(tzinfo=None), "id": vote.id})
    db.session.commit()
    assert close_votes(app.config) == [vote.id]
    assert "请写明" in phone.say("异议")
    assert db.session.scalar(select(func.count()).select_from(VoteObjection)) == 0
    reply = phone.say("异议我投的是同意")
    assert "已收到您对《老旧小区改造》的异议" in reply
    db.session.expire_all()
    objection = db.session.scalar(select(VoteObjection))
    assert (objection.channel, objection.text, objection.flat_id) == ("wechat", "我投的是同意", owner.flat_id)
    assert db.session.get(Vote, vote.id).confirmed_at is None


def test_unbinding_in_the_chat_is_asked_first_and_no_keeps_the_binding(phone, estate):
    owner = flat(estate, "3-1-101").owners[0]
    db.session.commit()
    bind(phone, owner)
    asked = phone.say("解绑")
    assert "确定要解除" in asked and owner.flat.label in asked
    assert "没有解除" in phone.say("不")
    db.session.expire_all()
    assert db.session.scalar(select(Binding)).ended_at is None
    phone.say("解除绑定")
    assert "已解除" in phone.say("是的")
    db.session.expire_all()
    assert db.session.scalar(select(Binding)).ended_at is not None
    assert "请先绑定" in phone.say("投票")
