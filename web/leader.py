"""Which scheduler leads: one `flask scheduler run` per host, exactly one of them running the jobs.

APScheduler 3 (the version we use) has no coordination between schedulers sharing a job store (its
FAQ: they run jobs twice or not at all; 4.x coordinates but is not released), so the schedulers elect
a leader themselves:

- PostgreSQL: the leader holds a session-level advisory lock (`pg_try_advisory_lock`) on a connection
  of its own, kept open for as long as it leads. The lock is the connection's: when the leader dies
  (SIGKILL, a crashed host), PostgreSQL ends the session and the lock is free; standbys try for it every
  few seconds. The session's TCP keepalives are short so that a host that vanished without closing
  its socket is noticed in about 20 s, and a standby then takes over within 30 s.
- SQLite (one host): an exclusive `flock` on a file beside the database, released by the kernel when
  the process dies.

A leader checks its lock connection every few seconds and stops the jobs at once when it is gone
(PostgreSQL restarted, the network cut): by then another scheduler may lead. Every job is idempotent
and takes row locks, so the few seconds of overlap this allows at worst do no harm twice.
"""
import fcntl
import logging
import os
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

log = logging.getLogger("yishi.scheduler")

# pg_try_advisory_lock takes one bigint; any fixed number other code does not use. ("yishi" in ASCII.)
LOCK_KEY = 0x79697368690001
RETRY_SECONDS = 5   # a standby asks for the lock this often
CHECK_SECONDS = 5   # a leader checks its lock connection this often
# Server-side keepalives on the lock session: a silent host is dropped after 10 + 3 × 3 = 19 s.
KEEPALIVES = {"tcp_keepalives_idle": 10, "tcp_keepalives_interval": 3, "tcp_keepalives_count": 3}


class Lost(Exception):
    """The leadership lock is gone (its connection died)."""


class PostgresLock:
    def __init__(self, url: str):
        # libpq's keepalives on our side too: a leader cut off from PostgreSQL notices in about 20 s
        # (its lock check fails) instead of waiting for TCP to give up.
        self.engine = create_engine(url, poolclass=NullPool, connect_args={
            "keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 3, "keepalives_count": 3,
            "connect_timeout": 10})
        self.connection = None

    def acquire(self) -> bool:
        try:
            if self.connection is None:
                self.connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
                for name, value in KEEPALIVES.items():
                    self.connection.execute(text(f"SET {name} = {int(value)}"))
            got = self.connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY})
        except Exception as error:  # PostgreSQL down or restarting: stay a standby, try again later
            log.warning("scheduler: cannot ask for the leader lock: %s", error)
            self.release()
            return False
        return bool(got)

    def check(self) -> None:
        try:
            held = self.connection.scalar(text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted"
            ))
        except Exception as error:
            raise Lost(str(error)) from error
        if not held:
            raise Lost("the advisory lock is no longer held")

    def release(self) -> None:
        if self.connection is not None:
            try:
                self.connection.invalidate()  # close the socket: the session, and with it the lock, ends
                self.connection.close()
            except Exception:
                pass
            self.connection = None


class FileLock:
    def __init__(self, path: Path):
        self.path = path
        self.handle = None

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self.handle = handle
        return True

    def check(self) -> None:
        pass  # a flock lives as long as the process

    def release(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None


def lock_for(url: str, instance_path: str):
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        return PostgresLock(url)
    database = parsed.database or ""
    if database and database != ":memory:":
        return FileLock(Path(database).resolve().with_suffix(".scheduler.lock"))
    return FileLock(Path(instance_path) / "scheduler.lock")


def lead(lock, start, stop, should_run=lambda: True) -> None:
    """Wait for the lock, start the jobs, watch the lock; on losing it stop the jobs and wait again."""
    waiting_logged = False
    while should_run():
        if not lock.acquire():
            if not waiting_logged:
                log.info("scheduler: standing by (another scheduler leads)")
                waiting_logged = True
            time.sleep(RETRY_SECONDS)
            continue
        waiting_logged = False
        log.info("scheduler: leading (pid %s)", os.getpid())
        print(f"scheduler {os.getpid()}: leading", flush=True)
        scheduler = start()
        try:
            while should_run():
                time.sleep(CHECK_SECONDS)
                lock.check()
        except Lost as lost:
            log.error("scheduler: lost the leader lock, stopping the jobs: %s", lost)
        finally:
            stop(scheduler)
            lock.release()
