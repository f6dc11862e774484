"""`flask nlp`: train and evaluate on any labelled CSV, retrain from workers' corrections, promote; the app
routes with whatever model is promoted, and without one sends every ticket to triage."""
import csv
import json
from pathlib import Path

from core.complaints.departments import by_code, seed_defaults
from core.complaints.tickets import assign, file_complaint
from core.db import db
from nlp.corpus import SHIPPED, read_csv
from nlp.model import Classifier
from tests import factories
from tests.conftest import login
from web.classifier import router, store


def _invoke(runner, *args):
    return runner.invoke(args=list(args))


def test_train_then_evaluate_print_json_with_the_scores(runner, tmp_path):
    out = tmp_path / "m.joblib"
    trained = _invoke(runner, "nlp", "train", "--csv", str(SHIPPED), "--text-col", "text", "--label-col",
                      "department", "--out", str(out))
    assert trained.exit_code == 0, trained.output
    summary = json.loads(trained.output)
    assert summary["held_out"]["macro_f1"] > 0.7 and not summary["promoted"] and out.exists()
    # Scored on the held-out quarter, then fitted again on every message (--no-refit keeps the scored model).
    assert summary["fitted_on"] == "all"
    assert summary["training_examples"] == len(read_csv(SHIPPED, ["text"], "department"))
    assert Classifier.load(out).meta["held_out_note"].startswith("scores of the same pipeline")
    assert store().current() is None

    evaluated = _invoke(runner, "nlp", "evaluate", "--model", str(out), "--csv", str(SHIPPED), "--text-col", "text",
                        "--label-col", "department")
    scores = json.loads(evaluated.output)
    assert set(scores) >= {"accuracy", "macro_f1", "per_label_f1", "confusion"}
    assert "trained on these very messages" in scores["warning"]  # its own training data: said plainly
    assert len(scores["confusion"]["matrix"]) == len(scores["confusion"]["labels"]) == 13
    routing_ = scores["routing"]  # at the app's ROUTING_THRESHOLD
    assert routing_["threshold"] == 0.7 and 0 < routing_["coverage"] <= 1 and routing_["precision"] > 0.8
    assert summary["held_out"]["routing"]["threshold"] == 0.7
    everything = json.loads(_invoke(runner, "nlp", "evaluate", "--model", str(out), "--csv", str(SHIPPED),
                                    "--text-col", "text", "--label-col", "department", "--threshold", "0").output)
    assert everything["routing"]["coverage"] == 1 and everything["routing"]["precision"] == everything["accuracy"]


def test_two_text_columns_are_joined(runner, tmp_path):
    path = tmp_path / "two.csv"
    with open(SHIPPED, encoding="utf-8") as source, open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["title", "body", "label"])
        for row in csv.DictReader(source):
            writer.writerow([row["text"][:4], row["text"][4:], row["department"]])
    result = _invoke(runner, "nlp", "train", "--csv", str(path), "--text-col", "title", "--text-col", "body",
                     "--label-col", "label", "--out", str(tmp_path / "m.joblib"))
    assert result.exit_code == 0, result.output


def test_a_bad_csv_is_refused_and_no_model_file_is_written(runner, tmp_path):
    tmp_path = tmp_path / "work"
    tmp_path.mkdir()
    out = tmp_path / "m.joblib"
    missing = _invoke(runner, "nlp", "train", "--csv", str(SHIPPED), "--text-col", "title", "--label-col",
                      "department", "--out", str(out))
    assert missing.exit_code != 0 and "has no column title" in missing.output
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("text,department\n停水了,供水\n".encode("gbk"))
    encoded = _invoke(runner, "nlp", "train", "--csv", str(gbk), "--text-col", "text", "--label-col", "department",
                      "--out", str(out))
    assert encoded.exit_code != 0 and "not UTF-8" in encoded.output
    assert not out.exists() and list(tmp_path.iterdir()) == [gbk]


def test_evaluating_a_csv_of_other_labels_is_refused(runner, tmp_path, shipped_model):
    model = tmp_path / "m.joblib"
    shipped_model.save(model)
    other = tmp_path / "other.csv"
    other.write_text("text,label\n着火了,消防\n", encoding="utf-8")
    result = _invoke(runner, "nlp", "evaluate", "--model", str(model), "--csv", str(other), "--text-col", "text",
                     "--label-col", "label")
    assert result.exit_code != 0 and "labels the model does not know: 消防" in result.output


def test_without_a_model_every_ticket_goes_to_triage(app):
    seed_defaults()
    estate = factories.estate()
    ticket, _ = file_complaint("楼道灯坏了", "web", router(), flat=estate.buildings[0].units[0].flats[0])
    assert ticket.in_triage and ticket.suggestions == []


def test_install_default_promotes_once_and_the_app_picks_up_a_later_promotion(app, runner, tmp_path, shipped_model):
    from core.complaints.departments import DEFAULTS

    first = _invoke(runner, "nlp", "install-default")
    assert "Trained and promoted" in first.output
    default = store().current()  # real citizen messages and the team's: every department, as a code
    assert set(default.labels) == {code for code, *_ in DEFAULTS} and "真实市民留言" in default.meta["source"]
    assert default.predict("家里停水了").best.label == "供水"
    assert "in use already" in _invoke(runner, "nlp", "install-default").output
    newer = tmp_path / "newer.joblib"
    Classifier(shipped_model.parts, {**shipped_model.meta, "version": "29991231-000000-newer"}).save(newer)
    assert _invoke(runner, "nlp", "promote", str(newer)).exit_code == 0
    assert router().classifier.version == "29991231-000000-newer"
    status = json.loads(_invoke(runner, "nlp", "status").output)
    assert status["current"]["version"] == "29991231-000000-newer"


def test_retraining_uses_workers_corrections_and_the_console_shows_both_scores(app, runner, routing, client):
    estate = factories.estate()
    worker = factories.user("worker", estate.community)
    staff = factories.user("street", street_=estate.community.street)
    flats = [f for b in estate.buildings for u in b.units for f in u.flats]
    texts = ["充电桩装好了一直没电", "申请装充电桩要供电公司同意吗", "小区充电桩不够用，能不能增容"]
    for flat, text in zip(flats, texts):
        ticket, _ = file_complaint(text, "web", router(), flat=flat)
        assign(ticket, by_code("社区居委会") if ticket.department and ticket.department.code == "供电"
               else by_code("供电"), worker)
    db.session.commit()

    result = _invoke(runner, "nlp", "retrain")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["corrections"] == 3
    assert summary["current_scores"]["macro_f1"] and summary["candidate_scores"]["macro_f1"]
    assert summary["promote"] == (summary["candidate_scores"]["macro_f1"] >= summary["current_scores"]["macro_f1"])
    assert (router().classifier.version == summary["candidate"]) == summary["promote"]

    login(client, staff.username)
    page = client.get("/console/classifier").get_data(as_text=True)
    assert f"{summary['candidate_scores']['macro_f1']:.3f}" in page
    assert f"{summary['current_scores']['macro_f1']:.3f}" in page and "纳入社区人工改派 3 条" in page
    other = client.application.test_client()
    login(other, worker.username)
    assert other.get("/console/classifier").status_code == 404


def test_real_citizen_messages_train_and_evaluate_through_the_commands_with_segmented_rows_appended(
        runner, tmp_path):
    """The files of ../shared/data as they are (empty titles, space-separated words), a sample of each (the
    files are sorted by label)."""
    data = Path(__file__).resolve().parents[2].parent / "shared" / "data"
    rows = []
    for name, step in (("citizen-messages-train.csv", 5), ("citizen-messages-train-segmented.csv", 10)):
        with open(data / name, encoding="utf-8", newline="") as source:
            rows += list(csv.DictReader(source))[::step]
    train_csv, test_csv = tmp_path / "train.csv", tmp_path / "test.csv"
    for path, part in ((train_csv, rows[1::10] + rows[2::10] + rows[3::10]), (test_csv, rows[::10])):
        with open(path, "w", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, ["id", "title", "body", "time", "label"])
            writer.writeheader()
            writer.writerows(part)
    columns = ["--text-col", "title", "--text-col", "body", "--label-col", "label"]
    out = tmp_path / "m.joblib"
    trained = _invoke(runner, "nlp", "train", "--csv", str(train_csv), *columns, "--out", str(out))
    assert trained.exit_code == 0, trained.output
    evaluated = _invoke(runner, "nlp", "evaluate", "--model", str(out), "--csv", str(test_csv), *columns)
    scores = json.loads(evaluated.output)
    assert scores["examples"] == len(rows[::10]) and scores["macro_f1"] > 0.6
    assert set(Classifier.load(out).labels) == {row["label"] for row in rows}

