"""A whole estate votes at once through the HTTP path: every bound resident of a 3,000-flat estate sends
同意 in the chat, as fast as SENDERS concurrent connections allow, against gunicorn with WORKERS workers.

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/yishi_bench \\
        .venv/bin/python benchmarks/ballot_storm.py [SENDERS] [WORKERS]

Reports the time the storm took, ballots acknowledged (a receipt came back) against ballots stored,
latency percentiles, and whether the vote's log verifies afterwards. `ratio`: ballots per second over
the aim of 300/s.
"""
import json
import os
import sys

from harness import WECHAT_ENV, Server, database_url, deliveries, fire, prepare, workdir

AIM = 300  # ballots per second: a 3,000-flat estate in 10 s


def main(senders: int = 32, workers: int = 4) -> None:
    work = workdir()
    url = database_url(work)
    openids = prepare(url, work, buildings=25, units=4, floors=15, vote=True)  # 25 × 4 × 30 = 3,000 flats
    requests = deliveries(openids, "同意")
    server = Server("wsgi:app", workers, {**WECHAT_ENV, "DATABASE_URL": url, "YISHI_INSTANCE_PATH": str(work),
                                          "SECRET_KEY": "bench"})
    try:
        storm = fire(server.port, requests, senders, expect="已记录")
    finally:
        server.stop()
    from sqlalchemy import func, select

    from core.db import db
    from core.votes.log import verify_vote
    from core.votes.models import BallotEntry, Vote
    from web.app import create_app

    with create_app({"SQLALCHEMY_DATABASE_URI": url}).app_context():
        stored = db.session.scalar(select(func.count()).select_from(BallotEntry))
        flats = db.session.scalar(select(func.count(func.distinct(BallotEntry.flat_id))))
        verified = verify_vote(db.session.scalar(select(Vote))).ok
    print(json.dumps({"flats": len(openids), "senders": senders, "workers": workers, "database": url.split(":")[0],
                      "cpus": os.cpu_count(), **storm, "acknowledged": storm["ok"], "stored": stored,
                      "distinct_flats_stored": flats, "log_verifies": verified,
                      "aim_per_second": AIM, "ratio": round(storm["per_second"] / AIM, 2)}, indent=1))


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
