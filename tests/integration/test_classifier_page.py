"""The classifier page shows when the model was trained in Beijing time, as every other page does."""
import re

from core.db import db
from tests import factories
from tests.conftest import login
from web.classifier import store


def test_the_training_time_is_beijing_time(app, client, routing):
    trained = routing.meta["trained_at"]  # stored in UTC, ISO 8601
    factories.user("street", street_=factories.street(), username="wang")
    db.session.commit()
    store().promote(routing)
    login(client, "wang")
    page = client.get("/console/classifier").get_data(as_text=True)
    from datetime import datetime

    from core.db import local

    assert f"训练于 {local(datetime.fromisoformat(trained))}（北京时间）" in page
    assert trained not in page and not re.search(r"\d\d:\d\d:\d\d\+00:00", page)
