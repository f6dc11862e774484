"""The chat's intent tables are a build file: a server (or any command) that finds none, or outdated ones,
builds them first in a child process, so that it never imports scikit-learn or jieba itself."""

import numpy as np

from nlp import intents
from nlp.intents import IntentModel
from web.app import create_app


def test_a_server_without_intent_tables_builds_them_and_starts(monkeypatch, tmp_path):
    monkeypatch.setenv("YISHI_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setattr(intents, "TABLES", tmp_path / "intent-tables.npz")
    monkeypatch.setattr(intents, "_default", None)
    config = {"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x", "NLP_MODEL_DIR": str(tmp_path / "models")}
    assert create_app(config) is not None
    built = IntentModel.load(tmp_path / "intent-tables.npz")
    assert built.digest == intents.sources_digest() and built.predict("我不同意").intent == "disagree"
    # Outdated tables are built again the same way.
    IntentModel({**built.tables, "digest": np.array("an older set")}).save(tmp_path / "intent-tables.npz")
    monkeypatch.setattr(intents, "_default", None)
    assert intents.default_model().digest == intents.sources_digest()
