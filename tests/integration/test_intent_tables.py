"""The chat's intent tables are a build file: a server refuses to start without them, a `flask` command
goes on (with a warning) so that `flask nlp install-default` can build them."""
import pytest

from nlp import intents
from nlp.intents import IntentTablesError
from web.app import create_app


def test_a_server_without_intent_tables_does_not_start_but_a_flask_command_does(monkeypatch, tmp_path):
    monkeypatch.setenv("YISHI_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setattr(intents, "TABLES", tmp_path / "intent-tables.npz")
    monkeypatch.setattr(intents, "_default", None)
    config = {"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x", "NLP_MODEL_DIR": str(tmp_path / "models")}
    with pytest.raises(IntentTablesError, match="flask nlp install-default"):
        create_app(config)
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "true")
    assert create_app(config) is not None
