"""A street office trains the classifier on its own history, as the officer does it in the console: upload an
export, choose the columns, the scheduler's job trains, the officer compares and promotes; labels map to
the street's departments, and routing follows the mapping."""
import csv
import io
import json
import random

import pytest
from sqlalchemy import func, select

from core.complaints.models import Complaint, Department, LabelMapping, TrainingRun
from core.db import db
from core.jobs import train_uploads
from nlp.corpus import shipped
from tests import factories
from tests.conftest import csrf_token, login
from tests.unit.test_register_file_bounds import deflate_bomb

# The shipped corpus, relabelled as a 12345 system names its departments.
NAMES = {"供水": "自来水公司", "供电": "供电局", "燃气": "燃气公司", "物业": "物业服务中心"}


def history_csv(limit: int | None = None) -> bytes:
    corpus = shipped()
    rows = [(text, NAMES.get(label, label + "办")) for text, label in zip(corpus.texts, corpus.labels)]
    random.Random(7).shuffle(rows)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["工单编号", "诉求内容", "承办单位", "办结时间"])
    for n, (text, label) in enumerate(rows[:limit], start=1):
        writer.writerow([f"GD{n:05d}", text, label, "2026-10-01"])
    return out.getvalue().encode("utf-8")


@pytest.fixture
def street_officer(app, routing):
    from core.complaints.departments import ensure_street

    estate = factories.estate(name="幸福里", buildings=("3",), units=1, floors=2)
    ensure_street(estate.community.street_id)  # departments are per street: the new street gets the defaults
    officer = factories.user("street", street_=estate.community.street)
    db.session.commit()
    return officer, estate


def _upload(client, data: bytes, name="history.csv"):
    token = csrf_token(client, "/console/classifier/history")
    return client.post("/console/classifier/history", data={"csrf_token": token, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def _trained(app, client, corrections: bool = True) -> tuple[int, str]:
    """Upload the history, choose its columns and let the scheduler's job train it, as the officer does:
    (the run's id, a CSRF token for its page)."""
    _upload(client, history_csv())
    run_id = db.session.scalar(select(TrainingRun.id).order_by(TrainingRun.id.desc()))
    token = csrf_token(client, f"/console/classifier/history/{run_id}")
    client.post(f"/console/classifier/history/{run_id}/start",
                data={"csrf_token": token, "text": ["诉求内容"], "label": "承办单位",
                      "corrections": "1" if corrections else ""})
    assert train_uploads(app.config) == run_id
    db.session.expire_all()
    return run_id, token


def test_upload_choose_train_compare_promote(app, client, street_officer):
    officer, _ = street_officer
    login(client, officer.username)
    before = client.get("/console/classifier").get_data(as_text=True)
    uploaded = _upload(client, history_csv())
    assert uploaded.status_code == 302
    run = db.session.scalar(select(TrainingRun))
    page = client.get(f"/console/classifier/history/{run.id}").get_data(as_text=True)
    assert "诉求内容" in page and "承办单位" in page
    token = csrf_token(client, f"/console/classifier/history/{run.id}")
    client.post(f"/console/classifier/history/{run.id}/start",
                data={"csrf_token": token, "text": ["诉求内容"], "label": "承办单位", "corrections": "1"})
    db.session.expire_all()
    assert db.session.get(TrainingRun, run.id).status == "queued"

    assert train_uploads(app.config) == run.id  # what the scheduler process runs
    db.session.expire_all()
    run = db.session.get(TrainingRun, run.id)
    assert run.status == "done" and run.progress == 100
    page = client.get(f"/console/classifier/history/{run.id}").get_data(as_text=True)
    assert "在同一批留出工单上比较" in page and "自来水公司" in page and 'id="confusion"' in page
    assert run.result["shared_labels"] < len(run.result["labels"])  # the shipped model names departments
    assert "标签与这份数据不同" in page
    assert 0 <= run.result["routing"]["candidate"]["coverage"] <= 1

    token = csrf_token(client, f"/console/classifier/history/{run.id}")
    unticked = client.post(f"/console/classifier/history/{run.id}/promote", data={"csrf_token": token},
                           follow_redirects=True).get_data(as_text=True)
    assert "请先勾选确认" in unticked and run.result["candidate"] not in client.get("/console/classifier").get_data(
        as_text=True)
    client.post(f"/console/classifier/history/{run.id}/promote", data={"csrf_token": token, "confirm": "1"})
    after = client.get("/console/classifier").get_data(as_text=True)
    assert run.result["candidate"] in after and run.result["candidate"] not in before
    assert "标签对应的部门" in after and "自来水公司" in after
    # The bureaus' names are no department's code: until mapped, those tickets wait for a person, and it says so.
    assert "（未对应：进入待分派）" in after and "个标签没有对应的部门" in after


def test_a_streets_promoted_model_routes_its_tickets_only_and_it_can_go_back(app, client, street_officer, routing):
    """One street's model is its own: another street's tickets and console keep the default; the street can
    return to the default from the console."""
    from core.complaints.tickets import file_complaint
    from web.classifier import router

    officer, estate = street_officer
    elsewhere = factories.estate(name="和平苑", buildings=("1",), units=1, floors=1)
    other_officer = factories.user("street", street_=elsewhere.community.street)
    db.session.commit()
    login(client, officer.username)
    run_id, token = _trained(app, client)
    run = db.session.get(TrainingRun, run_id)
    client.post(f"/console/classifier/history/{run.id}/promote", data={"csrf_token": token, "confirm": "1"})

    text = "家里没有自来水了，水龙头一滴水都没有，从早上停到现在"
    ours, _ = file_complaint(text, "web", router(), flat=factories.flats_of(estate)[0])
    theirs, _ = file_complaint(text, "web", router(), flat=factories.flats_of(elsewhere)[0])
    assert ours.model_version == run.result["candidate"] and ours.suggestions[0]["code"] == "自来水公司"
    assert theirs.model_version == routing.version and theirs.suggestions[0]["code"] == "供水"
    db.session.commit()
    client.post("/logout", data={"csrf_token": csrf_token(client, "/console/")})
    login(client, other_officer.username)
    page = client.get("/console/classifier").get_data(as_text=True)
    assert routing.version in page and run.result["candidate"] not in page and "全区默认模型" in page
    from web.classifier import store

    assert store().streets() == {officer.street_id: run.result["candidate"]}
    status = json.loads(app.test_cli_runner().invoke(args=["nlp", "status"]).output)
    assert status["streets"] == {str(officer.street_id): {"street": estate.community.street.name,
                                                          "version": run.result["candidate"]}}

    client.post("/logout", data={"csrf_token": csrf_token(client, "/console/")})
    login(client, officer.username)
    token = csrf_token(client, "/console/classifier")
    client.post("/console/classifier/default", data={"csrf_token": token, "confirm": "1"})
    page = client.get("/console/classifier").get_data(as_text=True)
    assert routing.version in page and "全区默认模型" in page
    again, _ = file_complaint("楼道灯坏了一个月", "web", router(), flat=factories.flats_of(estate)[1])
    assert again.model_version == routing.version and store().streets() == {}


def test_a_broken_upload_is_refused_and_nothing_is_kept(app, client, street_officer):
    officer, _ = street_officer
    login(client, officer.username)
    one_column = "内容\n" + "\n".join(f"楼道灯坏了{n}" for n in range(50))
    for data, name, message in [(b"just one line", "h.csv", "文件只有一列（just one line）"),
                                (one_column.encode(), "h.csv", "文件只有一列（内容）"),
                                (b"", "h.csv", "文件是空的"),
                                ("内容,部门\n".encode(), "h.csv", "表头下面没有数据"),
                                ("内容,部门,内容\n停水了,供水,x\n".encode(), "h.csv", "表头有重名的列：内容"),
                                (b"PK\x03\x04 not a workbook", "h.xlsx", "无法读取"),
                                (b"a,b\n1,2", "h.txt", "只接受"),
                                (deflate_bomb(), "h.xlsx", "解压后太大")]:
        page = _upload(client, data, name)
        assert message in client.get(page.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(TrainingRun)) == 0


def test_a_title_line_above_the_header_is_skipped(app, client, street_officer):
    officer, _ = street_officer
    login(client, officer.username)
    data = "2025年12345工单明细（导出）\n\n".encode() + history_csv(limit=200)
    assert _upload(client, data).status_code == 302
    run = db.session.scalar(select(TrainingRun))
    assert run.columns == ["工单编号", "诉求内容", "承办单位", "办结时间"]
    from core.complaints.history import corpus_of

    run.text_columns, run.label_column = ["诉求内容"], "承办单位"
    assert len(corpus_of(run)) == 200


def test_a_label_column_that_is_not_in_the_file_or_too_few_examples_fail_clearly(app, client, street_officer):
    officer, _ = street_officer
    login(client, officer.username)
    _upload(client, history_csv(limit=20))
    run = db.session.scalar(select(TrainingRun))
    token = csrf_token(client, f"/console/classifier/history/{run.id}")
    page = client.post(f"/console/classifier/history/{run.id}/start", follow_redirects=True,
                       data={"csrf_token": token, "text": ["诉求内容"], "label": "部门"}).get_data(as_text=True)
    assert "文件里没有这一列：部门" in page
    # 20 messages over 13 departments: refused at once, in Chinese, and the upload waits for other columns.
    page = client.post(f"/console/classifier/history/{run.id}/start", follow_redirects=True,
                       data={"csrf_token": token, "text": ["诉求内容"], "label": "承办单位"}).get_data(as_text=True)
    assert "这两列训练不了模型：每个类别至少要有 3 条训练数据" in page
    assert train_uploads(app.config) is None  # nothing was queued
    db.session.expire_all()
    assert db.session.get(TrainingRun, run.id).status == "uploaded"
    # One label only (工单编号 is unique per row: every label has one message; 办结时间 is one label).
    page = client.post(f"/console/classifier/history/{run.id}/start", follow_redirects=True,
                       data={"csrf_token": token, "text": ["诉求内容"], "label": "办结时间"}).get_data(as_text=True)
    assert "至少要有三个类别" in page
    # Every ticket number a label of its own: a short message, and the likely mistake named.
    page = client.post(f"/console/classifier/history/{run.id}/start", follow_redirects=True,
                       data={"csrf_token": token, "text": ["诉求内容"], "label": "工单编号"}).get_data(as_text=True)
    assert "等 " in page and "是不是选错了部门列" in page and "GD00020" not in page


def test_workers_and_other_streets_get_404(app, client, street_officer):
    officer, _ = street_officer
    login(client, officer.username)
    _upload(client, history_csv(limit=30))
    run_id = db.session.scalar(select(TrainingRun.id))
    other = factories.user("street", street_=factories.street())
    worker = factories.user("worker", factories.community(officer.street))
    db.session.commit()
    for user in (other, worker):
        client.post("/logout", data={"csrf_token": csrf_token(client, "/console/")})
        login(client, user.username)
        assert client.get(f"/console/classifier/history/{run_id}").status_code == 404
        token = csrf_token(client, "/console/")
        assert client.post(f"/console/classifier/history/{run_id}/promote",
                           data={"csrf_token": token}).status_code == 404


def test_a_mapped_label_routes_to_the_streets_department(app, client, street_officer, routing):
    officer, estate = street_officer
    login(client, officer.username)
    water_label = "供水"
    assert water_label in routing.labels
    property_office = db.session.scalar(select(Department).where(Department.code == "物业",
                                                                 Department.street_id == officer.street_id))
    token = csrf_token(client, "/console/classifier")
    client.post("/console/classifier/mapping", data={"csrf_token": token, f"map-{water_label}": str(property_office.id)})
    assert db.session.scalar(select(LabelMapping.department_id).where(LabelMapping.label == water_label)) == \
        property_office.id
    from core.complaints.tickets import Router, file_complaint

    flat = factories.flats_of(estate)[0]
    complaint, _ = file_complaint("家里没有自来水了，水龙头一滴水都没有，从早上停到现在", "web",
                                  Router(routing, 0.0), flat=flat)
    assert complaint.department_id == property_office.id
    assert db.session.scalar(select(func.count()).select_from(Complaint)) == 1
    db.session.commit()
    # The ticket names the department the label was sent to, not the label's namesake.
    page = client.get(f"/console/complaints/{complaint.id}").get_data(as_text=True)
    suggestions = page[page.index('id="suggestions"'):page.index("</section>", page.index('id="suggestions"'))]
    assert f"{property_office.name}（模型类别“供水”）" in suggestions


def test_a_mapping_left_by_an_earlier_model_is_shown_and_can_be_cleared(app, client, street_officer, routing):
    from core.audit import AuditEntry
    from core.complaints.history import set_mapping

    officer, _ = street_officer
    police = db.session.scalar(select(Department).where(Department.code == "公安", Department.street_id == officer.street_id))
    set_mapping(officer, officer.street_id, "治安", police)  # a label of a model no longer in use
    db.session.commit()
    mapped = select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "classifier.mapping")
    audited = db.session.scalar(mapped)
    login(client, officer.username)
    page = client.get("/console/classifier").get_data(as_text=True)
    assert 'id="stale-mapping"' in page and "治安" in page and "在用模型没有" in page
    token = csrf_token(client, "/console/classifier")
    form = {"csrf_token": token, "map-治安": ""}  # every label of the model in use left as it was
    assert client.post("/console/classifier/mapping", data=form).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(LabelMapping)) == 0
    # One change, one audit entry (the unchanged labels write none).
    assert db.session.scalar(mapped) == audited + 1
    assert 'id="stale-mapping"' not in client.get("/console/classifier").get_data(as_text=True)


def test_only_this_streets_corrections_in_the_uploads_labels_are_trained_on(app, client, street_officer, routing):
    """A worker's re-routing teaches the street's own next model, in its upload's labels: another street's
    re-routings stay out, and so does a mapping kept from an earlier model whose label the upload lacks."""
    from core.complaints.history import set_mapping
    from core.complaints.tickets import Router, assign, file_complaint

    officer, estate = street_officer
    elsewhere = factories.estate(name="和平苑", buildings=("1",), units=1, floors=1)
    assert elsewhere.community.street_id != officer.street_id

    def department(code, street_id):
        return db.session.scalar(select(Department).where(Department.code == code, Department.street_id == street_id))

    def rerouted(place, text, code):
        worker = factories.user("worker", community_=place.community)
        complaint, _ = file_complaint(text, "web", Router(routing, 1.01), flat=factories.flats_of(place)[0])
        assign(complaint, department(code, place.community.street_id), worker)

    rerouted(estate, "楼道的灯坏了一个月了，晚上看不见台阶", "物业")
    rerouted(estate, "小区门禁坏了，谁都能进来", "公安")
    rerouted(estate, "公交站牌被撞歪了", "城管执法")
    rerouted(elsewhere, "单元门口的灯不亮了", "物业")
    set_mapping(officer, officer.street_id, "物业服务中心", department("物业", officer.street_id))
    set_mapping(officer, officer.street_id, "治安", department("公安", officer.street_id))  # an earlier model's label
    # Two of the upload's labels go to one department: a re-routing there cannot say which was meant.
    set_mapping(officer, officer.street_id, "园林绿化办", department("城管执法", officer.street_id))
    set_mapping(officer, officer.street_id, "城管执法办", department("城管执法", officer.street_id))
    db.session.commit()

    login(client, officer.username)
    run_id, token = _trained(app, client)
    run = db.session.get(TrainingRun, run_id)
    assert run.status == "done", run.message
    # Only the street's re-routing to 物业 is in this upload's labels (物业服务中心); 公安's label here is 公安办.
    assert run.result["corrections"] == 1
    assert "治安" not in run.result["labels"] and "公安" not in run.result["labels"]


def test_an_upload_and_its_candidate_are_deleted_but_a_promoted_ones_record_stays(app, client, street_officer):
    from core.audit import AuditEntry
    from web.classifier import store

    officer, _ = street_officer
    login(client, officer.username)
    run_id, token = _trained(app, client, corrections=False)
    candidate = store().directory / db.session.get(TrainingRun, run_id).result["file"]
    assert candidate.exists()
    kept = client.post(f"/console/classifier/history/{run_id}/delete", data={"csrf_token": token},
                       follow_redirects=True).get_data(as_text=True)
    assert "请先勾选确认" in kept and db.session.get(TrainingRun, run_id) is not None
    gone = client.post(f"/console/classifier/history/{run_id}/delete", data={"csrf_token": token, "confirm": "1"},
                       follow_redirects=True).get_data(as_text=True)
    assert "已删除" in gone and not candidate.exists()
    db.session.expire_all()
    deleted = db.session.get(TrainingRun, run_id)  # the record the audit entry names stays, without the data
    assert deleted.status == "deleted" and deleted.data == b""
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "classifier.delete_upload")) == 1
    assert client.get(f"/console/classifier/history/{run_id}").status_code == 404

    assert f"/console/classifier/history/{run_id}" not in client.get("/console/classifier/history").get_data(
        as_text=True)

    run_id, token = _trained(app, client, corrections=False)
    assert run_id != deleted.id
    client.post(f"/console/classifier/history/{run_id}/promote", data={"csrf_token": token, "confirm": "1"})
    refused = client.post(f"/console/classifier/history/{run_id}/delete", data={"csrf_token": token, "confirm": "1"},
                          follow_redirects=True).get_data(as_text=True)
    assert "正在使用" in refused and db.session.get(TrainingRun, run_id).status == "done"
    # Back to the default: the run can be promoted again from its page, or deleted.
    client.post("/console/classifier/default", data={"csrf_token": token, "confirm": "1"})
    page = client.get(f"/console/classifier/history/{run_id}").get_data(as_text=True)
    assert "现在没有在用" in page and 'id="promote"' in page and 'id="delete-upload"' in page
    client.post(f"/console/classifier/history/{run_id}/promote", data={"csrf_token": token, "confirm": "1"})
    assert store().has_own(db.session.get(TrainingRun, run_id).street_id)


def test_the_street_officer_is_not_offered_the_phone_entry_that_only_workers_may_use(app, client, street_officer):
    officer, estate = street_officer
    login(client, officer.username)
    assert "登记电话报修" not in client.get("/console/complaints").get_data(as_text=True)
    assert client.get("/console/complaints/new").status_code == 404
    worker = factories.user("worker", estate.community)
    db.session.commit()
    client.post("/logout", data={"csrf_token": csrf_token(client, "/console/")})
    login(client, worker.username)
    assert "登记电话报修" in client.get("/console/complaints").get_data(as_text=True)
