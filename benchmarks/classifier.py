"""The complaint classifier on real citizen messages: cross-validated quality, routing at the threshold,
classifications per second on one core, and a web worker's resident memory. Prints one JSON object.

    .venv/bin/python benchmarks/classifier.py cv citizen      # or msgabench, team; --folds, --shuffles
    .venv/bin/python benchmarks/classifier.py cv citizen --grouped   # near-duplicates kept in one fold
    .venv/bin/python benchmarks/classifier.py cv citizen --part      # fitted on 3/4 of each fold (no refit)
    .venv/bin/python benchmarks/classifier.py cv citizen --set SVM_C=0.3 --set features.MAX_CHARS=300
    .venv/bin/python benchmarks/classifier.py speed           # classifications/s, against jieba's cutting alone
    .venv/bin/python benchmarks/classifier.py memory          # worker RSS with and without the model

citizen: ../shared/data/citizen-messages-train.csv with citizen-messages-train-segmented.csv appended (what
the app would be trained on with `flask nlp train`); msgabench: ../shared/data/msgabench-train.csv; team:
the shipped corpus. Cross-validation is stratified k-fold of exactly what `flask nlp train` fits
(nlp.training.fit); --set changes one of its constants (in nlp.training, or nlp.features.NAME) for an
experiment. Scores of the citizen set are also given on its original (unsegmented) messages only, which
is what a street office receives. Timing runs pinned to one CPU core, with BLAS limited to one thread.
"""
import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from nlp import features, training  # noqa: E402
from nlp.corpus import Corpus, read_csv, shipped  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
THRESHOLD = 0.7  # ROUTING_THRESHOLD's default (web/config.py)
# Near-duplicates (reposts, a message sent again with a word changed): character 5-grams' Jaccard similarity.
SHINGLE, NEAR = 5, 0.5


def corpus(name: str) -> tuple[Corpus, int]:
    """The corpus, and how many of its first messages are original (unsegmented) ones."""
    if name == "citizen":
        original = read_csv(DATA / "citizen-messages-train.csv", ["title", "body"], "label")
        segmented = read_csv(DATA / "citizen-messages-train-segmented.csv", ["title", "body"], "label")
        return original + segmented, len(original)
    if name == "msgabench":
        data = read_csv(DATA / "msgabench-train.csv", ["title", "body"], "label")
        return data, len(data)
    data = shipped()
    return data, len(data)


def near_duplicates(texts: list[str]) -> np.ndarray:
    """A group number per text: texts whose normalised first MAX_CHARS share at least NEAR of their character
    SHINGLE-grams (Jaccard), directly or through others, are one group."""
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components
    from sklearn.feature_extraction.text import CountVectorizer

    normalised = [features.normalise(text) or " " for text in texts]
    shingles = CountVectorizer(analyzer=lambda t: features.substrings(t, SHINGLE) or [t], binary=True)
    matrix = shingles.fit_transform(normalised).astype(np.float32)
    sizes = np.asarray(matrix.sum(axis=1)).ravel()
    shared = (matrix @ matrix.T).tocoo()
    jaccard = shared.data / (sizes[shared.row] + sizes[shared.col] - shared.data)
    keep = (jaccard >= NEAR) & (shared.row != shared.col)
    graph = sparse.coo_matrix((np.ones(keep.sum()), (shared.row[keep], shared.col[keep])), shape=shared.shape)
    return connected_components(graph, directed=False)[1]


def cross_validate(name: str, folds: int, shuffles: int, grouped: bool = False, part: bool = False) -> dict:
    """grouped: near-duplicates stay in one fold (StratifiedGroupKFold); part: each fold's model is fitted on
    its training part only (nlp.training.split: three quarters), as `flask nlp train --no-refit` does."""
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    data, originals = corpus(name)
    texts, labels = list(data.texts), np.array(data.labels)
    groups = near_duplicates(texts) if grouped else np.arange(len(texts))
    f1s, f1s_original, accuracies = [], [], []
    best_probability, right, on_original = [], [], []
    start = time.perf_counter()
    for seed in range(shuffles):
        splitter = (StratifiedGroupKFold if grouped else StratifiedKFold)(folds, shuffle=True, random_state=seed)
        for train_idx, test_idx in splitter.split(texts, labels, groups if grouped else None):
            fold = Corpus(tuple(texts[i] for i in train_idx), tuple(labels[train_idx]))
            model = training.fit(training.split(fold)[0] if part else fold)
            probabilities = model.probabilities([texts[i] for i in test_idx])
            predicted = np.array(model.labels)[probabilities.argmax(axis=1)]
            truth = labels[test_idx]
            f1s.append(f1_score(truth, predicted, average="macro", zero_division=0))
            accuracies.append(accuracy_score(truth, predicted))
            original = test_idx < originals
            f1s_original.append(f1_score(truth[original], predicted[original], average="macro", zero_division=0))
            best_probability.extend(probabilities.max(axis=1))
            right.extend(predicted == truth)
            on_original.extend(original)
    best_probability, right, on_original = map(np.array, (best_probability, right, on_original))

    def routing(mask, threshold=THRESHOLD) -> dict:
        sure = mask & (best_probability >= threshold)
        return {"coverage": round(float(sure.sum() / mask.sum()), 3), "precision": round(float(right[sure].mean()), 3)}

    report = {"corpus": name, "messages": len(data), "labels": len(data.counts()), "folds": folds * shuffles,
              "near_duplicate_groups": int(len(set(groups))) if grouped else None, "fitted_on_part": part,
              "macro_f1": round(statistics.mean(f1s), 4), "macro_f1_sd": round(statistics.stdev(f1s), 4),
              "accuracy": round(statistics.mean(accuracies), 4),
              "routing_at_threshold": {"threshold": THRESHOLD, **routing(np.ones_like(right))},
              # coverage and precision at other thresholds, for choosing ROUTING_THRESHOLD
              "routing_curve": {str(t): routing(np.ones_like(right), t) for t in (0.5, 0.7, 0.8, 0.9)},
              "seconds": round(time.perf_counter() - start)}
    if originals < len(data):
        report["original_messages_only"] = {"macro_f1": round(statistics.mean(f1s_original), 4),
                                            "routing_at_threshold": routing(on_original)}
    return report


def speed() -> dict:
    """Classifications per second on one core of the citizen messages (original ones: what a street office
    receives), by a model trained on the citizen set; beside jieba's cutting alone of the same texts.

    Rates are per second of this process's CPU time (time.process_time), not of the wall clock: on a
    shared machine the wall clock measures the neighbours too. Best of three rounds."""
    from nlp.words import tokenizer

    data, originals = corpus("citizen")
    model = training.fit(data)
    texts = list(data.texts[:originals])
    model.predict(texts[0])
    jieba = tokenizer()
    jieba.lcut("预热")

    def rate(work) -> float:
        best = float("inf")
        for _ in range(3):
            start = time.process_time()
            work()
            best = min(best, time.process_time() - start)
        return len(texts) / best

    batch = rate(lambda: model.top_labels(texts))
    # top 3, probabilities and the words behind the best: what a new ticket gets
    single = rate(lambda: [model.predict(text) for text in texts])
    # the old pipeline's cutting (HMM on), nothing else
    cutting = rate(lambda: [jieba.lcut(text[:features.MAX_CHARS]) for text in texts])
    return {"messages": len(texts), "mean_chars": round(statistics.mean(map(len, texts))),
            "chars_read": features.MAX_CHARS, "classifications_per_s": round(batch),
            "predictions_per_s_with_top3_and_words": round(single), "jieba_cuts_per_s": round(cutting),
            "ratio": round(batch / cutting, 2)}


WORKER_RSS = """
import os, sys, tempfile
os.environ["YISHI_INSTANCE_PATH"] = tempfile.mkdtemp()
os.environ["NLP_MODEL_DIR"] = sys.argv[1]
from web.app import create_app
app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
print(next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmRSS")))
print(int(any(name.startswith(("sklearn", "scipy", "jieba")) for name in sys.modules)))
"""


def memory() -> dict:
    """Resident memory of a web worker (the app factory in a fresh process, which loads and warms the promoted
    model) with the citizen set's model and with none; the model file's size and load time."""
    from nlp.model import Classifier
    from nlp.store import ModelStore

    data, _ = corpus("citizen")
    folder = Path(tempfile.mkdtemp())
    ModelStore(folder).promote(training.fit(data))
    file = next(folder.glob("model-*.joblib"))
    start = time.perf_counter()
    Classifier.load(file)
    load_s = time.perf_counter() - start

    def worker(models: Path) -> tuple[int, bool]:
        out = subprocess.run([sys.executable, "-c", WORKER_RSS, str(models)], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout.split()
        return int(out[-2]) // 1024, out[-1] == "1"

    with_model, heavy = worker(folder)
    without, _ = worker(folder / "none")
    return {"model_file_kb": file.stat().st_size // 1024, "load_ms": round(load_s * 1000),
            "worker_rss_mb_with_model": with_model, "worker_rss_mb_without": without,
            "worker_imports_sklearn_scipy_or_jieba": heavy, "ratio": round(with_model / without, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["cv", "speed", "memory"])
    parser.add_argument("corpus", nargs="?", default="citizen", choices=["citizen", "msgabench", "team"])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--shuffles", type=int, default=1)
    parser.add_argument("--grouped", action="store_true", help="near-duplicates kept in one fold")
    parser.add_argument("--part", action="store_true", help="fit each fold's model on its training part only")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="an experiment: a constant of nlp.training (or features.NAME) for this run")
    args = parser.parse_args()
    for assignment in args.set:
        name, value = assignment.split("=", 1)
        module = features if name.startswith("features.") else training
        setattr(module, name.removeprefix("features."), json.loads(value))
    if args.what == "speed" and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[-1]})
    if args.what == "cv":
        report = cross_validate(args.corpus, args.folds, args.shuffles, args.grouped, args.part)
    else:
        report = speed() if args.what == "speed" else memory()
    report = {**report, "settings": args.set, "machine": f"{platform.processor() or platform.machine()}, "
              f"{os.cpu_count()} cores, Python {platform.python_version()}", "date": time.strftime("%Y-%m-%d")}
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()
