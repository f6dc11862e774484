"""The live tally of a 100,000-flat vote, as the console computes it (two queries, then the exact-fraction
engine over every flat), beside a plain SQL GROUP BY of the same ballots (the floor: counts and areas
only, no rule, no missing counts).

    .venv/bin/python benchmarks/tally_sql.py [FLATS]      (BENCH_DATABASE_URL for PostgreSQL)
"""
import json
import random
import sys
import time
from datetime import timedelta
from decimal import Decimal

from harness import database_url, prepare, workdir  # noqa: F401  (sys.path)


def main(n: int = 100_000, repeats: int = 5) -> None:
    from flask_migrate import upgrade
    from sqlalchemy import func, insert, select

    from core.db import db, utcnow
    from core.register.models import Building, Community, Estate, Flat, Street, Unit
    from core.votes.models import Ballot, BallotEntry, Vote, VoteFlat
    from core.votes.tally import live_tally
    from web.app import create_app

    work = workdir()
    url = database_url(work)
    rng = random.Random(1)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()
        street = Street(name="基准街道")
        estate = Estate(community=Community(street=street, name="基准社区"), name="十万户", year_built=1990)
        db.session.add(estate)
        db.session.flush()
        per_unit, units_per_building = 250, 4
        buildings = -(-n // (per_unit * units_per_building))
        db.session.execute(insert(Building), [{"estate_id": estate.id, "number": str(b), "sort_key": f"{b:05d}"}
                                              for b in range(1, buildings + 1)])
        building_ids = db.session.scalars(select(Building.id).order_by(Building.id)).all()
        db.session.execute(insert(Unit), [{"building_id": b, "number": str(u)} for b in building_ids
                                          for u in range(1, units_per_building + 1)])
        unit_ids = db.session.scalars(select(Unit.id).order_by(Unit.id)).all()
        db.session.execute(insert(Flat), [{"unit_id": unit_ids[i // per_unit], "number": str(i % per_unit + 101),
                                           "floor": 1, "area": Decimal(rng.randint(4500, 12000)) / 100}
                                          for i in range(n)])
        now = utcnow()
        vote = Vote(estate_id=estate.id, matter="基准表决", rule="civil_code_major", opens_at=now - timedelta(hours=1),
                    closes_at=now + timedelta(days=1), status="open")
        db.session.add(vote)
        db.session.flush()
        flats = db.session.execute(select(Flat.id, Flat.area)).all()
        db.session.execute(insert(VoteFlat), [{"vote_id": vote.id, "flat_id": f, "area": a} for f, a in flats])
        voters = [f for f, _ in flats if rng.random() < 0.8]
        choices = {f: rng.choice(("agree", "agree", "disagree", "abstain")) for f in voters}
        db.session.execute(insert(BallotEntry), [
            {"vote_id": vote.id, "seq": s, "flat_id": f, "choice": c, "channel": "web", "recorded_at": now,
             "effective_at": now, "idempotency_key": f"k{s}", "prev_hash": "0" * 64, "hash": f"{s:064d}"}
            for s, (f, c) in enumerate(choices.items(), start=1)])
        entries = db.session.execute(select(BallotEntry.id, BallotEntry.flat_id, BallotEntry.choice)).all()
        db.session.execute(insert(Ballot), [{"vote_id": vote.id, "flat_id": f, "entry_id": e, "choice": c,
                                             "effective_at": now} for e, f, c in entries])
        db.session.commit()

        def best(action):
            fastest = float("inf")
            for _ in range(repeats):
                start = time.perf_counter()
                action()
                fastest = min(fastest, time.perf_counter() - start)
                db.session.rollback()
            return round(fastest * 1000, 1)

        group_by = select(Ballot.choice, func.count(), func.sum(VoteFlat.area)).join(
            VoteFlat, (VoteFlat.vote_id == Ballot.vote_id) & (VoteFlat.flat_id == Ballot.flat_id)
        ).where(Ballot.vote_id == vote.id).group_by(Ballot.choice)
        report = {"flats": n, "ballots": len(choices), "database": url.split(":")[0],
                  "live_tally_ms": best(lambda: live_tally(vote)),
                  "sql_group_by_ms": best(lambda: db.session.execute(group_by).all())}
        report["ratio"] = round(report["live_tally_ms"] / report["sql_group_by_ms"], 1)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
