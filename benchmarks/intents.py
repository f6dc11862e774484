"""Chat intents: accuracy and per-intent precision/recall/F1 on the held-out fifth, cross-validation, speed.

    .venv/bin/python benchmarks/intents.py [--cv]

The model is fitted on the training part of nlp/corpus/utterances.csv (by nlp.intents.split, a hash of
each text) and scored on the held-out part, through bot.understand's path (normal form, rules, model)
and through the model alone. Held-out accuracy is also given for the hand-written sentences only:
template compositions share skeletons across the split and flatter the score. --cv adds stratified
5-fold cross-validation of the model over the whole set (slower). Timing runs on one core, BLAS limited
to one thread. Prints one JSON object.
"""
import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"

import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402

from nlp.intent_rules import match, normalise  # noqa: E402
from nlp.intent_training import fit  # noqa: E402
from nlp.intents import INTENTS, IntentModel, read_utterances, split  # noqa: E402


def understand_with(model, text: str) -> str:
    """bot.understand's decision with a given model (bot.understand itself uses the shipped one)."""
    normal = normalise(text)
    if not normal:
        return "other"
    rule = match(normal)
    return rule.intent if rule else model.predict(text).intent


def scores(truth: list[str], predicted: list[str]) -> dict:
    precision, recall, f1, support = precision_recall_fscore_support(truth, predicted, labels=list(INTENTS),
                                                                     zero_division=0)
    return {
        "accuracy": round(accuracy_score(truth, predicted), 3),
        "macro_f1": round(f1_score(truth, predicted, labels=list(INTENTS), average="macro", zero_division=0), 3),
        "per_intent": {intent: {"precision": round(float(p), 3), "recall": round(float(r), 3), "f1": round(float(f), 3),
                                "support": int(s)}
                       for intent, p, r, f, s in zip(INTENTS, precision, recall, f1, support)},
    }


def cross_validate(utterances) -> dict:
    texts, labels = [u.text for u in utterances], [u.intent for u in utterances]
    accuracies = []
    for train_idx, test_idx in StratifiedKFold(5, shuffle=True, random_state=0).split(texts, labels):
        model = fit([utterances[i] for i in train_idx])
        predicted = [g.intent for g in model.predict_many([texts[i] for i in test_idx])]
        accuracies.append(accuracy_score([labels[i] for i in test_idx], predicted))
    return {"accuracy": round(statistics.mean(accuracies), 3), "sd": round(statistics.stdev(accuracies), 3),
            "folds": len(accuracies)}


def main() -> None:
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    utterances = read_utterances()
    training, held = split(utterances)
    start = time.perf_counter()
    model = fit(training)  # jieba's dictionary included (only training loads it)
    training_s = time.perf_counter() - start
    folder = Path(tempfile.mkdtemp())
    model.save(folder / "tables.npz")
    start = time.perf_counter()
    IntentModel.load(folder / "tables.npz")  # what a worker does at start
    load_s = time.perf_counter() - start

    texts = [u.text for u in held]
    truth = [u.intent for u in held]
    understood = [understand_with(model, t) for t in texts]
    model_only = [g.intent for g in model.predict_many(texts)]
    hand = [i for i, u in enumerate(held) if u.origin == "hand"]
    mistakes = [{"text": t, "truth": y, "got": p} for t, y, p in zip(texts, truth, understood) if y != p]

    batch = texts * max(1, 5000 // len(texts))
    start = time.perf_counter()
    for text in batch:
        understand_with(model, text)
    one_at_a_time = len(batch) / (time.perf_counter() - start)
    start = time.perf_counter()
    model.predict_many(batch)
    in_batch = len(batch) / (time.perf_counter() - start)

    result = {
        "utterances": len(utterances), "training": len(training), "held_out": len(held),
        "held_out_hand_written": len(hand),
        "understand": scores(truth, understood),
        "model_only": {k: v for k, v in scores(truth, model_only).items() if k != "per_intent"},
        "hand_written_accuracy": round(accuracy_score([truth[i] for i in hand], [understood[i] for i in hand]), 3),
        "mistakes": mistakes,
        "training_s": round(training_s, 2), "tables_kb": (folder / "tables.npz").stat().st_size // 1024,
        "tables_load_ms": round(load_s * 1000),
        "utterances_per_s": round(one_at_a_time), "utterances_per_s_batch": round(in_batch),
        "machine": f"{platform.machine()} {os.cpu_count()} cpus, Python {platform.python_version()}",
    }
    if "--cv" in sys.argv:
        result["cross_validation"] = cross_validate(utterances)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
