"""The scheduler's leader election on one host (SQLite): a file lock that one process holds at a time."""
from web.leader import FileLock, PostgresLock, lead, lock_for


def test_one_lock_holder_at_a_time_and_the_next_takes_over(tmp_path):
    first, second = FileLock(tmp_path / "s.lock"), FileLock(tmp_path / "s.lock")
    assert first.acquire()
    assert not second.acquire()  # stands by
    first.release()  # the leader's process ends
    assert second.acquire()
    second.release()


def test_the_lock_follows_the_database():
    assert isinstance(lock_for("postgresql+psycopg://u@h/db", "/tmp/i"), PostgresLock)
    lock = lock_for("sqlite:////srv/yishi/yishi.sqlite3", "/tmp/i")
    assert isinstance(lock, FileLock) and str(lock.path) == "/srv/yishi/yishi.scheduler.lock"


def test_a_leader_starts_the_jobs_and_stops_them_when_told(tmp_path, monkeypatch):
    monkeypatch.setattr("web.leader.CHECK_SECONDS", 0)
    events, rounds = [], iter([True, True, True, False])
    lead(FileLock(tmp_path / "s.lock"), start=lambda: events.append("start") or "jobs",
         stop=lambda jobs: events.append(f"stop {jobs}"), should_run=lambda: next(rounds, False))
    assert events == ["start", "stop jobs"]
