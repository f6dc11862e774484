"""The schedulers' leader lock on PostgreSQL: one holder at a time, free again when the holder's session ends."""
import time

import pytest

from tests.conftest import BACKEND
from web.leader import Lost, PostgresLock

pytestmark = pytest.mark.skipif(BACKEND != "postgresql", reason="the advisory lock is PostgreSQL's")


def test_one_leader_at_a_time_and_a_dead_session_frees_the_lock(database_url):
    first, second = PostgresLock(database_url), PostgresLock(database_url)
    try:
        assert first.acquire()
        assert not second.acquire()  # stands by
        first.check()
        first.connection.invalidate()  # the leader's connection dies
        with pytest.raises(Lost):
            first.check()
        first.release()
        deadline = time.monotonic() + 10  # the server ends the old session a moment after its socket closes
        while not (took_over := second.acquire()) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert took_over
        second.check()  # holds it
    finally:
        first.release()
        second.release()
