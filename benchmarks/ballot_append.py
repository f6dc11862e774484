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

from harness import database_url, prepare, workdir


def main() -> None:
    from sqlalchemy import delete, insert, select
    from sqlalchemy.orm import joinedload

    from core.db import db, utcnow
    from core.register.models import Owner
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
        owners = db.session.scalars(select(Owner.id).where(Owner.is_representative).order_by(Owner.flat_id)).all()
        db.session.commit()

        start = time.perf_counter()
        for n, owner_id in enumerate(owners):
            # As a request does it: load the owner and flat, cast, commit, and start the next with an empty session.
            owner = db.session.get(Owner, owner_id, options=[joinedload(Owner.flat)])
            cast(vote_id, owner.flat, "agree", channel="wechat", idempotency_key=f"bench-{n}", owner=owner)
            db.session.commit()
            db.session.close()
        chained_s = time.perf_counter() - start
        verified = verify_vote(db.session.get(Vote, vote_id)).ok
        db.session.commit()

        # The floor: the same rows, one transaction each, nothing read first.
        db.session.execute(delete(Ballot))
        db.session.execute(delete(BallotEntry))
        db.session.commit()
        now = utcnow()
        start = time.perf_counter()
        voters = db.session.execute(select(Owner.flat_id, Owner.id).where(Owner.id.in_(owners))).all()
        for n, (flat_id, owner_id) in enumerate(voters, start=1):
            entry_id = db.session.execute(insert(BallotEntry).returning(BallotEntry.id), {
                "vote_id": vote_id, "seq": n, "flat_id": flat_id, "choice": "agree", "channel": "wechat",
                "owner_id": owner_id, "recorded_at": now, "effective_at": now, "idempotency_key": f"floor-{n}",
                "prev_hash": "0" * 64, "hash": f"{n:064d}"}).scalar_one()
            db.session.execute(insert(Ballot), {"vote_id": vote_id, "flat_id": flat_id, "entry_id": entry_id,
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
