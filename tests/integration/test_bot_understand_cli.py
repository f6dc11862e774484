"""`flask bot understand`: one utterance a line in, one JSON object a line out, in order, without a
migrated database (run right after `make install-dev`, on a fresh instance)."""
import json
import os
import select
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, inspect

from web.app import create_app

ROOT = Path(__file__).resolve().parents[2]


def fresh_app(tmp_path, monkeypatch):
    """An app on a database file nobody has migrated (or even created)."""
    monkeypatch.setenv("YISHI_INSTANCE_PATH", str(tmp_path / "instance"))
    database = tmp_path / "never-migrated.sqlite3"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"})
    return app, database


def test_each_line_gets_one_json_object_in_order_with_text_intent_and_confidence(tmp_path, monkeypatch):
    app, database = fresh_app(tmp_path, monkeypatch)
    lines = ["我同意", "", "8826 5025", "３栋楼道灯坏了好几天了，晚上老人上下楼很危险。", "希望加装电梯", "  ", "评价 5"]
    result = app.test_cli_runner().invoke(args=["bot", "understand"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    assert "我同意" in result.output  # ensure_ascii=False: Chinese as Chinese, not \u6211
    printed = [json.loads(line) for line in result.output.splitlines()]
    assert [p["text"] for p in printed] == lines
    assert [p["intent"] for p in printed] == ["agree", "other", "bind", "complaint", "demand", "other", "rate"]
    for p in printed:
        assert list(p) == ["text", "intent", "confidence"]
        assert isinstance(p["confidence"], float) and 0 <= p["confidence"] <= 1
    assert printed[1]["confidence"] == 1.0  # a blank line: other, for sure
    assert not database.exists() or inspect(create_engine(f"sqlite:///{database}")).get_table_names() == []


def test_windows_line_ends_a_byte_order_mark_and_a_last_line_without_newline(tmp_path, monkeypatch):
    app, _ = fresh_app(tmp_path, monkeypatch)
    result = app.test_cli_runner().invoke(args=["bot", "understand"], input="\ufeff不同意\r\n解绑")
    printed = [json.loads(line) for line in result.output.splitlines()]
    assert [(p["text"], p["intent"]) for p in printed] == [("不同意", "disagree"), ("解绑", "unbind")]


def test_a_subprocess_answers_each_line_as_it_comes(tmp_path):
    """A script holding a conversation through a pipe: each answer arrives before the next line is sent."""
    env = dict(os.environ, YISHI_INSTANCE_PATH=str(tmp_path / "instance"),
               DATABASE_URL=f"sqlite:///{tmp_path / 'fresh.sqlite3'}", PYTHONIOENCODING="utf-8")
    flask = [sys.executable, "-m", "flask", "--app", "wsgi", "bot", "understand"]
    process = subprocess.Popen(flask, cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    try:
        answers = []
        for line in ("我要投诉", "我报的灯修好了吗"):
            process.stdin.write((line + "\n").encode("utf-8"))
            process.stdin.flush()
            ready, _, _ = select.select([process.stdout], [], [], 120)
            assert ready, "no answer within 120 s"
            answers.append(json.loads(process.stdout.readline()))
        process.stdin.close()
        assert process.wait(timeout=60) == 0, process.stderr.read().decode()
    finally:
        process.kill()
    assert [(a["text"], a["intent"]) for a in answers] == [("我要投诉", "complaint"),
                                                           ("我报的灯修好了吗", "complaint_status")]
