"""Where a ballot delivery's time goes, in one process: signed, encrypted 同意 from bound residents of a
600-flat estate through Flask's test client, with the SQL statements each delivery runs and how long
the vote's lock is held (from the statement that takes it to the commit).

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/yishi_bench \\
        .venv/bin/python benchmarks/ballot_delivery.py [DELIVERIES]

Ballots to one vote queue on its lock, so 1 / (lock held) bounds a storm on any number of cores; the
time of a whole delivery, divided by the cores, bounds it on this machine. `ratio`: lock held over the
whole delivery (the share of a delivery that is serial).
"""
import json
import os
import statistics
import sys
import time

from harness import WECHAT_ENV, database_url, deliveries, prepare, workdir


def main(count: int = 500) -> None:
    work = workdir()
    url = database_url(work)
    openids = prepare(url, work, buildings=10, units=2, floors=15, vote=True)  # 600 flats
    os.environ.update(WECHAT_ENV)
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from core.db import db
    from core.votes import ballots
    from web.app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    held, statements, taken = [], [], {}
    lock = ballots._lock_with_scope

    def timed_lock(*args):
        found = lock(*args)
        taken["at"] = time.perf_counter()
        return found

    ballots._lock_with_scope = timed_lock

    @event.listens_for(Session, "after_commit")
    def committed(session):
        if "at" in taken:
            held.append(time.perf_counter() - taken.pop("at"))

    with app.app_context():
        engine = db.engine
    counter = [0]
    event.listen(engine, "before_cursor_execute", lambda *args: counter.__setitem__(0, counter[0] + 1))
    client = app.test_client()
    batch = deliveries(openids[:min(count + 100, len(openids))], "同意")
    warm, measured = batch[:100], batch[100:]
    for path, body in warm:
        client.post(path, data=body, headers={"Content-Type": "text/xml"})
    held.clear()
    start = time.perf_counter()
    for path, body in measured:
        before = counter[0]
        reply = client.post(path, data=body, headers={"Content-Type": "text/xml"})
        assert reply.status_code == 200, reply.status_code
        statements.append(counter[0] - before)
    each = (time.perf_counter() - start) / len(measured)
    lock_ms = statistics.median(held) * 1000
    print(json.dumps({"deliveries": len(measured), "database": url.split(":")[0], "cpus": os.cpu_count(),
                      "ms_each": round(each * 1000, 2), "statements_each": statistics.median(statements),
                      "lock_held_ms_median": round(lock_ms, 2),
                      "lock_held_ms_p90": round(sorted(held)[int(len(held) * 0.9)] * 1000, 2),
                      "bound_by_lock_per_second": round(1000 / lock_ms),
                      "bound_by_cpu_per_second": round((os.cpu_count() or 1) / each),
                      "ratio": round(lock_ms / (each * 1000), 2)}, indent=1))


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    main(*(int(a) for a in sys.argv[1:2]))
