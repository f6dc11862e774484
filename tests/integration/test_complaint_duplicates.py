"""The same problem reported by neighbours: linked to the open ticket, one job for the department, every
reporter told of each step, the count of reporters on the ticket, and a worker undoing a wrong match."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from core.complaints.models import Complaint, Department
from core.db import db, db_now
from core.register.lookup import flat_by_code
from core.residents.links import issue_link
from core.residents.models import Push
from tests import factories
from tests.conftest import csrf_token, login
from tests.wechat_helpers import SAFE, Phone, config_for

CONFIG = config_for(SAFE, PUBLIC_BASE_URL="https://yishi.example.cn")
pytestmark = pytest.mark.parametrize("app", [CONFIG], indirect=True)


@pytest.fixture
def estate(app, routing):
    e = factories.estate(name="幸福里", buildings=("3", "5"), units=2, floors=3)
    db.session.commit()
    return e


@pytest.fixture
def worker(estate):
    w = factories.user("worker", estate.community)
    db.session.commit()
    return w


@pytest.fixture
def neighbours(client, estate):
    """Residents of 3-1-101, 3-2-201 and 5-1-101, each bound in the chat."""
    phones = {}
    for code, openid in (("3-1-101", "o-zhang"), ("3-2-201", "o-wang"), ("5-1-101", "o-zhao")):
        owner = flat_by_code(estate, code).owners[0]
        db.session.commit()
        phone = Phone(client, SAFE, openid)
        assert "绑定成功" in phone.say(f"绑定 幸福里 {code} {owner.name} {owner.phone[-4:]}")
        phone.owner = owner
        phones[code] = phone
    return phones


def tickets() -> list[Complaint]:
    db.session.expire_all()
    return db.session.scalars(select(Complaint).order_by(Complaint.id)).all()


def status_pushes(openid: str) -> list[str]:
    db.session.expire_all()
    return [p.data["status"] for p in db.session.scalars(
        select(Push).where(Push.kind == "complaint_status", Push.openid == openid).order_by(Push.id))]


def _act(client, ticket, action, **data):
    token = csrf_token(client, f"/console/complaints/{ticket.id}")
    return client.post(f"/console/complaints/{ticket.id}/{action}", data={"csrf_token": token, **data},
                       follow_redirects=True)


def test_a_neighbour_reporting_the_same_problem_joins_the_open_ticket_and_hears_every_step(neighbours, client, worker):
    neighbours["3-1-101"].say("报修 小区门口烧烤摊占道经营，油烟很大")
    reply = neighbours["3-2-201"].say("投诉 门口那个烧烤摊天天占道，烟熏得不行")
    first, second = tickets()
    assert second.duplicate_of_id == first.id and second.department_id is None
    assert first.reporters == second.reporters == 2 and second.status == first.status == "assigned"
    assert f"编号 {second.ticket}" in reply and f"邻居已经报过同一个问题（编号 {first.ticket}，共 2 户反映）" in reply

    login(client, worker.username)
    queue = client.get("/console/complaints").get_data(as_text=True)
    assert first.ticket in queue and second.ticket not in queue and "2户反映" in queue  # one job
    page = client.get(f"/console/complaints/{first.id}").get_data(as_text=True)
    assert "2 户反映" in page and second.ticket in page and 'id="followers"' in page
    linked = client.get(f"/console/complaints/{second.id}").get_data(as_text=True)
    assert first.ticket in linked and "取消合并" in linked and 'id="actions"' not in linked

    # A worker re-routes the job: every reporter hears where it went, and both tickets name the department.
    was = first.department
    other = db.session.scalar(select(Department).where(Department.street_id == was.street_id,
                                                       Department.id != was.id, Department.active))
    _act(client, first, "assign", department=str(other.id))
    first, second = tickets()
    assert first.department_id == other.id and second.department_id is None
    assert status_pushes("o-zhang") == ["已派单"] and status_pushes("o-wang") == ["已派单"]
    assert {p.data["summary"] for p in db.session.scalars(select(Push).where(Push.kind == "complaint_status"))} == {
        f"由{other.name}办理"}
    assert f"部门：{other.name}（随 {first.ticket} 合并办理）" in client.get(
        f"/console/complaints/{second.id}").get_data(as_text=True)
    assert second.events[-1].department_id == other.id

    _act(client, first, "start", note="城管已到场")
    _act(client, first, "resolve", note="摊点已清理")
    first, second = tickets()
    assert (first.status, second.status) == ("resolved", "resolved")
    assert status_pushes("o-zhang") == ["已派单", "处理中", "已办结"]
    assert status_pushes("o-wang") == ["已派单", "处理中", "已办结"]  # the second reporter hears each step too
    assert "随 " + first.ticket in [e.note for e in second.events][-1]

    assert "谢谢您的评价" in neighbours["3-2-201"].say("评价 4 清理得快")
    assert "谢谢您的评价" in neighbours["3-1-101"].say("评价 5")
    first, second = tickets()
    assert (first.rating, second.rating) == (5, 4)


def test_a_different_problem_or_another_building_or_an_old_ticket_is_not_linked(neighbours):
    neighbours["3-1-101"].say("报修 3栋2单元楼道灯不亮了，晚上看不见")
    neighbours["3-2-201"].say("报修 3栋下水道堵了，污水漫出来了")  # same building, another problem
    neighbours["5-1-101"].say("报修 楼道的灯坏了好几天，黑漆漆的")  # the same words, another building
    assert [t.duplicate_of_id for t in tickets()] == [None, None, None]

    lamp = tickets()[0]
    lamp.created_at = db_now(db.session) - timedelta(days=4)  # older than the window
    db.session.commit()
    neighbours["3-2-201"].say("报修 3栋楼道的灯坏了好几天，黑漆漆的")
    assert tickets()[-1].duplicate_of_id is None


def test_the_resident_page_shows_the_count_and_the_department_of_the_ticket_followed(app, neighbours):
    neighbours["3-1-101"].say("报修 楼道里堆满了杂物，很危险")
    neighbours["3-2-201"].say("报修 楼道杂物堆放太多，消防通道堵了")
    first, second = tickets()
    assert second.duplicate_of_id == first.id
    web = app.test_client()
    token = issue_link(neighbours["3-2-201"].owner)
    db.session.commit()
    web.post(f"/r/login/{token}", data={"csrf_token": csrf_token(web, f"/r/login/{token}")})
    page = web.get(f"/r/complaints/{second.id}").get_data(as_text=True)
    assert 'id="reporters"' in page and "共 <strong>2 户</strong>反映" in page and first.ticket in page
    if first.department is not None:
        assert f"负责：{first.department.name}" in page


def test_a_worker_unlinks_a_wrong_match_and_it_becomes_its_own_job(neighbours, client, worker):
    neighbours["3-1-101"].say("报修 电梯又坏了，停在三楼不动")
    neighbours["3-2-201"].say("报修 3栋电梯坏了，一直不动")
    first, second = tickets()
    assert second.duplicate_of_id == first.id
    login(client, worker.username)
    refused = _act(client, second, "resolve", note="修好了").get_data(as_text=True)
    assert "合并办理" in refused and tickets()[1].status == first.status  # act on the ticket followed
    page = _act(client, second, "unlink", note="是2单元的另一部电梯").get_data(as_text=True)
    first, second = tickets()
    assert second.duplicate_of_id is None and second.in_triage and first.reporters == 1
    assert "是2单元的另一部电梯" in page and second.ticket in client.get("/console/complaints?view=triage").get_data(
        as_text=True)
    assert status_pushes("o-wang")[-1] == "已受理"
    again = _act(client, second, "unlink").get_data(as_text=True)
    assert "没有合并到其他工单" in again


def test_a_flat_reporting_again_counts_once_and_a_phone_call_is_linked_with_the_worker_told(
        neighbours, client, worker, estate):
    neighbours["3-1-101"].say("报修 家里停水了，一滴水都没有")
    reply = neighbours["3-1-101"].say("报修 我们楼停水了，什么时候来水")  # the same flat again, after a while
    assert "您家之前已经报过同一个问题" in reply and "邻居" not in reply
    first, again = tickets()
    assert again.duplicate_of_id == first.id and first.reporters == 1
    login(client, worker.username)
    token = csrf_token(client, "/console/complaints/new")
    refused = client.post("/console/complaints/new", data={
        "csrf_token": token, "estate": estate.id, "flat": "3-2-202", "caller_phone": "abc123",
        "text": "来电：3栋停水了，一滴水也没有"})
    assert refused.status_code == 422 and "回电号码不像电话号码" in refused.get_data(as_text=True)
    assert len(tickets()) == 2
    page = client.post("/console/complaints/new", data={
        "csrf_token": token, "estate": estate.id, "flat": "3-2-202", "caller_phone": "028-12345678",
        "text": "来电：3栋停水了，一滴水也没有"}, follow_redirects=True).get_data(as_text=True)
    call = tickets()[-1]
    assert call.duplicate_of_id == first.id and first.reporters == 2
    assert f"与 {first.ticket} 是同一问题，已合并办理（2户反映）" in page


def test_the_chat_lists_a_merged_ticket_with_the_department_handling_it(neighbours):
    neighbours["3-1-101"].say("报修 小区门口烧烤摊占道经营，油烟很大")
    neighbours["3-2-201"].say("投诉 门口那个烧烤摊天天占道，烟熏得不行")
    first, second = tickets()
    assert second.duplicate_of_id == first.id and first.department is not None
    assert f"{second.ticket} 已派单（{first.department.name}）" in neighbours["3-2-201"].say("查询")
