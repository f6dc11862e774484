"""Chained ballot appends to one vote, in-process: core.votes.ballots.cast for every flat of a 3,000-flat
estate, one transaction (and commit) per ballot, as a request makes them, beside the floor: the same two
rows (log entry and current ballot) inserted per transaction with no lock, no head of the log read and
no hash.

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/yishi_bench \\
        .venv/bin/python benchmarks/ballot_append.py [FLATS_PER_FLOOR_UNIT_FLOORS…]

`ratio` is chained appends per second over floor inserts per second. One thread: this is the serial
path every ballot to a vote queues through (the vote's lock), so its rate bounds a storm's.
"""
import json
import os
import time
from types import SimpleNamespace

from harness import database_url, prepare, workdir


def main() -> None:
    from sqlalchemy import delete, insert, select

    from core.db import db, utcnow
    from core.register.models import Flat, Owner
    from core.votes.ballots import cast
    from core.votes.log import verify_vote
    from core.votes.models import Ballot, BallotEntry, Vote
    from web.app import create_app

    work = workdir()
    url = database_url(work)
    prepare(url, work, buildings=25, units=4, floors=15, vote=True)  # 3,000 flats
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        vote_id = db.session.scalar(select(Vote.id))
        # Stand-ins: cast reads only the flat's id and the owner's id and flat.
        voters = [(SimpleNamespace(id=f), SimpleNamespace(id=o, flat_id=f)) for f, o in db.session.execute(
            select(Flat.id, Owner.id).join(Owner, Owner.flat_id == Flat.id).order_by(Flat.id)).all()]
        voters = list({flat.id: (flat, owner) for flat, owner in voters}.values())
        db.session.commit()

        start = time.perf_counter()
        for n, (flat, owner) in enumerate(voters):
            cast(vote_id, flat, "agree", channel="wechat", idempotency_key=f"bench-{n}", owner=owner)
            db.session.commit()
        chained_s = time.perf_counter() - start
        verified = verify_vote(db.session.get(Vote, vote_id)).ok
        db.session.commit()

        # The floor: the same rows, one transaction each, nothing read first.
        db.session.execute(delete(Ballot))
        db.session.execute(delete(BallotEntry))
        db.session.commit()
        now = utcnow()
        start = time.perf_counter()
        for n, (flat, owner) in enumerate(voters, start=1):
            entry_id = db.session.execute(insert(BallotEntry).returning(BallotEntry.id), {
                "vote_id": vote_id, "seq": n, "flat_id": flat.id, "choice": "agree", "channel": "wechat",
                "owner_id": owner.id, "recorded_at": now, "effective_at": now, "idempotency_key": f"floor-{n}",
                "prev_hash": "0" * 64, "hash": f"{n:064d}"}).scalar_one()
            db.session.execute(insert(Ballot), {"vote_id": vote_id, "flat_id": flat.id, "entry_id": entry_id,
                                                "choice": "agree", "effective_at": now})
            db.session.commit()
        floor_s = time.perf_counter() - start

    chained, floor = len(voters) / chained_s, len(voters) / floor_s
    print(json.dumps({"ballots": len(voters), "database": url.split(":")[0], "cpus": os.cpu_count(),
                      "chained_per_second": round(chained), "chained_ms_each": round(chained_s / len(voters) * 1000, 2),
                      "floor_per_second": round(floor), "log_verifies": verified,
                      "ratio": round(chained / floor, 2)}, indent=1))


if __name__ == "__main__":
    main()
