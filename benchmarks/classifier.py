"""The complaint classifier on real citizen messages: macro-F1, accuracy, training time, predictions per second.

    .venv/bin/python benchmarks/classifier.py [CSV]     (default: ../shared/data/citizen-messages-train.csv)

Scores are stratified 5-fold cross-validation, repeated with 3 shuffles, of exactly the pipeline the app
ships (nlp.model.build_pipeline). Timing runs pinned to one CPU core, with BLAS limited to one thread.
"""
import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"

import json  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sklearn.metrics import accuracy_score, f1_score  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402

from nlp.corpus import Corpus, read_csv, shipped  # noqa: E402
from nlp.training import fit, train  # noqa: E402

DEFAULT = ROOT.parent / "shared" / "data" / "citizen-messages-train.csv"


def cross_validate(corpus: Corpus, shuffles: int = 3) -> dict:
    texts, labels = list(corpus.texts), list(corpus.labels)
    f1s, accuracies = [], []
    for seed in range(shuffles):
        for train_idx, test_idx in StratifiedKFold(5, shuffle=True, random_state=seed).split(texts, labels):
            model = fit(Corpus(tuple(texts[i] for i in train_idx), tuple(labels[i] for i in train_idx)))
            truth = [labels[i] for i in test_idx]
            predicted = model.top_labels([texts[i] for i in test_idx])
            f1s.append(f1_score(truth, predicted, average="macro", zero_division=0))
            accuracies.append(accuracy_score(truth, predicted))
    return {"macro_f1": round(statistics.mean(f1s), 3), "macro_f1_sd": round(statistics.stdev(f1s), 3),
            "accuracy": round(statistics.mean(accuracies), 3), "folds": len(f1s)}


def speed(corpus: Corpus) -> dict:
    start = time.perf_counter()
    model = fit(corpus)
    training_s = time.perf_counter() - start
    texts = list(corpus.texts)
    model.predict(texts[0])  # warm: jieba's dictionary loads on first use
    batch = texts * max(1, 5000 // len(texts))
    start = time.perf_counter()
    model.top_labels(batch)
    batch_rate = len(batch) / (time.perf_counter() - start)
    start = time.perf_counter()
    for text in texts:
        model.predict(text)  # top 3, probabilities and the words behind the best: what a new ticket gets
    single_rate = len(texts) / (time.perf_counter() - start)
    return {"training_s": round(training_s, 2), "batch_predictions_per_s": round(batch_rate),
            "single_predictions_per_s": round(single_rate),
            "mean_chars": round(statistics.mean(map(len, texts)))}


WORKER_RSS = """
import os, sys, tempfile
os.environ["YISHI_INSTANCE_PATH"] = tempfile.mkdtemp()
os.environ["NLP_MODEL_DIR"] = sys.argv[1]
from web.app import create_app
app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
print(next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmRSS")))
"""


def loading(model) -> dict:
    """Load time of the model file, and the resident memory of a web worker process with and without it."""
    import subprocess
    import tempfile

    from nlp.model import Classifier
    from nlp.store import ModelStore

    folder = Path(tempfile.mkdtemp())
    ModelStore(folder).promote(model)
    file = next(folder.glob("model-*.joblib"))
    start = time.perf_counter()
    Classifier.load(file)
    load_s = time.perf_counter() - start

    def rss(models: Path) -> int:
        out = subprocess.run([sys.executable, "-c", WORKER_RSS, str(models)], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout
        return int(out.split()[-1]) // 1024

    return {"model_file_kb": file.stat().st_size // 1024, "load_ms": round(load_s * 1000),
            "worker_rss_mb_with_model": rss(folder), "worker_rss_mb_without": rss(folder / "none")}


def main(path: Path) -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    citizen = read_csv(path, ["title", "body"], "label")
    team = shipped()
    report = {
        "citizen_messages": {"messages": len(citizen), "labels": len(citizen.counts()),
                             "cross_validation": cross_validate(citizen),
                             "hash_held_out": {k: v for k, v in train(citizen).meta["held_out"].items()
                                               if k in ("examples", "macro_f1", "accuracy")},
                             **speed(citizen)},
        "team_corpus": {"messages": len(team), "labels": len(team.counts()),
                        "cross_validation": cross_validate(team), **speed(team)},
        "shipped_model": loading(train(team)),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT)
