"""The chat as a 70-year-old uses it, through the real /wechat endpoint with signed, encrypted XML:
plain words instead of commands, one question at a time, forgiving ways to write a flat."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.complaints.models import Complaint
from core.db import db, db_now
from core.residents.bindings import issue_code
from core.residents.models import Binding, ChatState
from core.votes.models import Ballot
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
    return Phone(client, SAFE, "o-li")


def owner_of(estate, code):
    from core.register.lookup import flat_by_code

    return flat_by_code(estate, code).owners[0]


@pytest.fixture
def bound(phone, estate):
    owner = owner_of(estate, "3-2-301")
    db.session.add(Binding(openid=phone.openid, owner=owner, method="code"))
    db.session.commit()
    return owner


def count(model):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_problem_in_plain_words_is_filed_after_one_yes(phone, bound):
    ask = phone.say("3栋楼道灯坏了好几天了，晚上老人上下楼很危险")
    assert "要登记为报修吗" in ask and "回复“是”确认" in ask
    assert count(Complaint) == 0
    filed = phone.say("是")
    assert "已受理，编号 TS" in filed
    complaint = db.session.scalar(select(Complaint))
    assert complaint.ticket in filed and complaint.text.startswith("3栋楼道灯坏了好几天了")
    assert complaint.owner_id == bound.id
    assert count(ChatState) == 0  # nothing is expected any more: a second 是 files nothing
    phone.say("是")
    assert count(Complaint) == 1


@pytest.mark.parametrize("yes", ["对", "1", "确认"])
def test_every_kind_of_yes_confirms(phone, bound, yes):
    phone.say("电梯坏了，困在半层")
    assert "已受理" in phone.say(yes)
    assert count(Complaint) == 1


def test_anything_else_cancels_and_is_read_afresh(phone, bound):
    phone.say("楼下的垃圾好几天没人清")
    assert "没有登记" in phone.say("不")
    phone.say("楼下的垃圾好几天没人清")
    reply = phone.say("帮助")  # a new question: the problem is dropped, the question answered
    assert "没有登记" in reply and "可以发送这些字" in reply
    assert count(Complaint) == 0


def test_after_the_menu_button_or_i_want_to_complain_the_next_message_is_the_problem(phone, bound):
    assert "请说说是什么问题" in phone.event("CLICK", "REPORT")
    assert "已受理" in phone.say("2单元门口下水道堵了")
    assert "请说说是什么问题" in phone.say("我要投诉")
    assert "已受理" in phone.say("晚上广场舞声音太大")
    texts = {c.text for c in db.session.scalars(select(Complaint))}
    assert texts == {"2单元门口下水道堵了", "晚上广场舞声音太大"}


def test_the_state_expires_after_ten_minutes(phone, bound):
    phone.say("我要投诉")
    state = db.session.get(ChatState, phone.openid)
    state.expires_at = db_now(db.session) - timedelta(seconds=1)
    db.session.commit()
    reply = phone.say("投票")  # read afresh, not filed as a problem
    assert "表决" in reply and count(Complaint) == 0


def test_a_retried_delivery_of_the_yes_files_once_and_answers_the_same(phone, bound):
    phone.say("楼顶漏水，家里墙都湿了")
    first = phone.say("是", msg_id=777001)
    again = phone.say("是", msg_id=777001)  # WeChat's retry: the same MsgId
    assert first == again and "已受理" in first
    assert count(Complaint) == 1


@pytest.mark.parametrize("words,choice", [("我同意", "agree"), ("同意同意", "agree"), ("赞成", "agree"),
                                          ("我家同意", "agree"),
                                          ("反对，一楼采光受影响", "disagree"), ("不同意", "disagree"),
                                          ("我弃权", "abstain"), ("改成不同意", "disagree"),
                                          ("我改主意了，同意", "agree")])
def test_ballots_in_words_go_to_the_only_open_vote(phone, bound, estate, words, choice):
    vote = factories.vote(estate)
    db.session.commit()
    assert "已记录" in phone.say(words)
    db.session.expire_all()
    assert db.session.scalar(select(Ballot.choice).where(Ballot.vote_id == vote.id)) == choice
    assert count(Complaint) == 0


def test_a_voice_ballot_with_fillers_is_understood(client, bound, estate):
    vote = factories.vote(estate)
    db.session.commit()
    voice = ("<xml><ToUserName>gh</ToUserName><FromUserName>o-li</FromUserName><CreateTime>1</CreateTime>"
             "<MsgType>voice</MsgType><MediaId>m</MediaId><Format>amr</Format>"
             "<Recognition>嗯，那个，我同意。</Recognition><MsgId>515151</MsgId></xml>")
    phone = Phone(client, SAFE, "o-li")
    assert "已记录：同意" in phone.reply(phone.post(voice))
    db.session.expire_all()
    assert db.session.scalar(select(Ballot.choice).where(Ballot.vote_id == vote.id)) == "agree"


@pytest.mark.parametrize("flat", ["3-2-301", "3栋2单元301", "3号楼2单元301室", "三栋二单元三零一", "3 2 301"])
def test_binding_accepts_the_ways_people_write_a_flat(phone, estate, flat):
    owner = owner_of(estate, "3-2-301")
    owner.name, owner.phone = "李秀英", "13912345678"
    db.session.commit()
    assert "绑定成功：3栋2单元301" in phone.say(f"绑定 幸福里 {flat} 李秀英 5678")


def test_binding_details_may_come_in_the_next_message(phone, estate):
    owner = owner_of(estate, "3-1-201")
    owner.name, owner.phone = "王建国", "13800001234"
    db.session.commit()
    assert "两种办法" in phone.event("CLICK", "BIND")
    assert "绑定成功：3栋1单元201" in phone.say("幸福里小区，3号楼1单元201，王建国，1234")


def test_a_code_typed_with_spaces_or_dashes_binds(client, estate):
    for n, typed in enumerate(["{a} {b}", "{a}-{b}", "绑定码 {a}{b}"]):
        owner = owner_of(estate, f"3-1-{n + 1}01")
        code = issue_code(owner, None)
        db.session.commit()
        phone = Phone(client, SAFE, f"o-code-{n}")
        assert "绑定成功" in phone.say(typed.format(a=code[:4], b=code[4:]))


def test_a_refusal_says_which_part_did_not_match_without_revealing_the_register(phone, estate):
    owner = owner_of(estate, "3-2-301")
    db.session.commit()
    assert "没有找到“阳光城”小区" in phone.say(f"绑定 阳光城 3-2-301 {owner.name} 0000")
    assert "没有 9-9-909 这套房" in phone.say(f"绑定 幸福里 9-9-909 {owner.name} 0000")
    wrong = phone.say("绑定 幸福里 3-2-301 张冒名 0000")
    assert "姓名或手机后四位与登记的不一致" in wrong and owner.name not in wrong
    assert "手机号后四位" in phone.say("绑定 幸福里 3-2-301 张三")
    assert count(Binding) == 0


def test_unknown_words_get_three_offers_and_a_number_picks_one(phone, bound, estate):
    factories.vote(estate)
    db.session.commit()
    offer = phone.say("我想问一下")
    lines = offer.splitlines()
    assert "可以发送这些字" not in offer
    assert [line[:2] for line in lines[1:4]] == ["1.", "2.", "3."]
    picked = phone.say("1")
    assert picked and "没太明白" not in picked


def test_rating_asks_for_the_score_then_takes_the_number(phone, bound, estate):
    from core.complaints.models import Department
    from core.complaints.tickets import Router, assign, file_complaint, resolve, start

    complaint, _ = file_complaint("楼道灯不亮", "wechat", Router(), owner=bound)
    department = Department(code="wuye", name="物业", sla_hours=24, active=True, street_id=estate.community.street_id)
    db.session.add(department)
    worker = factories.user(community_=estate.community)
    assign(complaint, department, worker, "")
    start(complaint, worker, "")
    resolve(complaint, worker, "换了灯泡")
    db.session.commit()
    assert "1 到 5" in phone.say("评价")
    assert "谢谢您的评价" in phone.say("5")
    db.session.expire_all()
    assert db.session.get(Complaint, complaint.id).rating == 5


def test_hard_pairs_reach_the_right_place(phone, bound, estate):
    assert "需求征集" in phone.say("希望加装电梯")  # a demand, not a complaint
    assert "我报的" not in phone.say("我报的灯修好了吗") and count(Complaint) == 0
    assert "要登记为报修吗" in phone.say("电梯坏了")


def test_a_ballot_about_something_else_than_the_only_vote_is_asked_about_first(phone, bound, estate):
    vote = factories.vote(estate)  # 老旧小区改造
    db.session.commit()
    ask = phone.say("我家不同意装电梯")
    assert "您是对它表示不同意吗" in ask and "《老旧小区改造》" in ask
    assert count(Ballot) == 0
    assert "没有记录" in phone.say("不")
    assert count(Ballot) == 0
    phone.say("我家不同意装电梯")
    assert "已记录：不同意《老旧小区改造》" in phone.say("是")
    db.session.expire_all()
    assert db.session.scalar(select(Ballot.choice).where(Ballot.vote_id == vote.id)) == "disagree"


def test_the_words_pick_the_vote_they_name(phone, bound, estate):
    factories.vote(estate)  # 老旧小区改造
    elevator = factories.vote(estate, unit=bound.flat.unit)  # 加装电梯
    db.session.commit()
    assert "已记录：同意《加装电梯》" in phone.say("同意加装电梯")
    db.session.expire_all()
    assert db.session.scalar(select(Ballot.vote_id)) == elevator.id


def test_a_bound_resident_is_never_asked_for_binding_details(phone, bound):
    reply = phone.say("绑定 2")
    assert "您已绑定" in reply
    assert "没看懂房号" not in phone.say("你好")
