"""Time the pure consent engine on a large electorate (no database): `python benchmarks/tally_engine.py [FLATS]`."""
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.votes.consent import RULES, evaluate  # noqa: E402


def main(n: int = 100_000, repeats: int = 5) -> None:
    rng = random.Random(1)
    flats = [(i, Decimal(rng.randint(4500, 12000)) / 100) for i in range(n)]
    ballots = {i: rng.choice(("agree", "agree", "disagree", "abstain")) for i in range(n) if rng.random() < 0.8}
    for code, rule in RULES.items():
        best = float("inf")
        for _ in range(repeats):
            start = time.perf_counter()
            evaluate(flats, ballots, rule)
            best = min(best, time.perf_counter() - start)
        print(f"{code:22s} {n} flats, {len(ballots)} ballots: {best * 1000:.1f} ms (best of {repeats})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
