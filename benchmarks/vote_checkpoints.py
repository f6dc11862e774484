"""Signed checkpoints at scale: a 3,000-flat estate where every flat votes, with a checkpoint signed after
every EVERY ballots (the scheduler signs at most once a minute, so this is a busy week's worth), then
`flask votes verify`'s check, the proof bundle's export, and the standalone verifier on it.

    .venv/bin/python benchmarks/vote_checkpoints.py [EVERY]   (BENCH_DATABASE_URL for PostgreSQL)

Prints one JSON object: entries, checkpoints, seconds to sign one checkpoint (mean), to verify the vote with
every checkpoint, to build the bundle, and for tools/verify_vote_proof.py to check it; bundle size.
"""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from harness import database_url, prepare, workdir

ROOT = Path(__file__).resolve().parents[1]


def main(every: int = 3) -> None:
    work = workdir()
    url = database_url(work)
    prepare(url, work, buildings=25, units=4, floors=15, vote=True)  # 3,000 flats
    from sqlalchemy import select

    from core.db import db
    from core.votes.ballots import cast
    from core.votes.checkpoints import signer_from, trusted_keys, verify_signed, write_checkpoint
    from core.votes.models import Vote, VoteFlat
    from core.votes.proof import bundle
    from web.app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        signer = signer_from(app.config)
        vote = db.session.scalar(select(Vote))
        flats = [vf.flat for vf in db.session.scalars(select(VoteFlat).where(VoteFlat.vote_id == vote.id))]
        signing = 0.0
        checkpoints = 0
        for n, flat in enumerate(flats, start=1):
            cast(vote.id, flat, "agree" if n % 4 else "disagree", channel="web", idempotency_key=f"b{n}",
                 owner=flat.owners[0])
            if n % every == 0:
                started = time.perf_counter()
                write_checkpoint(vote, signer)
                signing += time.perf_counter() - started
                checkpoints += 1
            db.session.commit()
        started = time.perf_counter()
        report = verify_signed(vote, trusted_keys(app.config))
        verify_s = time.perf_counter() - started
        started = time.perf_counter()
        data = bundle(vote)
        bundle_s = time.perf_counter() - started
    path = work / "proof.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    started = time.perf_counter()
    checked = subprocess.run([sys.executable, str(ROOT / "tools" / "verify_vote_proof.py"), str(path)],
                             capture_output=True, text=True)
    verifier_s = time.perf_counter() - started
    print(json.dumps({"database": url.split(":")[0], "entries": len(flats), "checkpoints": checkpoints,
                      "sign_checkpoint_mean_s": round(signing / max(checkpoints, 1), 4),
                      "verify_s": round(verify_s, 2), "verify_ok": report.ok, "bundle_s": round(bundle_s, 2),
                      "bundle_mb": round(path.stat().st_size / 1e6, 2), "verifier_s": round(verifier_s, 2),
                      "verifier_ok": checked.returncode == 0, "cpus": os.cpu_count()}))


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:2]))
