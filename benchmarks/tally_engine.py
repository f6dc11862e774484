"""Time the pure consent engine on a large electorate (no database), beside the floor: counting the same
ballots and adding their areas as integer hundredths in one plain loop (no rule, no exact fractions).

    python benchmarks/tally_engine.py [FLATS]

Prints one JSON object: the best of 5 per rule, the floor, and `ratio` (the slowest rule over the floor).
"""
import json
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.votes.consent import RULES, evaluate  # noqa: E402


def best_ms(action, repeats: int) -> float:
    fastest = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        fastest = min(fastest, time.perf_counter() - start)
    return round(fastest * 1000, 1)


def main(n: int = 100_000, repeats: int = 5) -> None:
    rng = random.Random(1)
    flats = [(i, Decimal(rng.randint(4500, 12000)) / 100) for i in range(n)]
    ballots = {i: rng.choice(("agree", "agree", "disagree", "abstain")) for i in range(n) if rng.random() < 0.8}
    cents = {i: int(area * 100) for i, area in flats}

    def floor():
        counts, sums = {}, {}
        for flat_id, choice in ballots.items():
            counts[choice] = counts.get(choice, 0) + 1
            sums[choice] = sums.get(choice, 0) + cents[flat_id]
        return counts, sums, sum(cents.values())

    rules = {code: best_ms(lambda rule=rule: evaluate(flats, ballots, rule), repeats) for code, rule in RULES.items()}
    report = {"flats": n, "ballots": len(ballots), "engine_ms": rules, "floor_ms": best_ms(floor, repeats)}
    report["ratio"] = round(max(rules.values()) / report["floor_ms"], 1)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
