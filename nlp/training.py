"""Training, scoring and retraining classifiers.

Every model is fitted on the same deterministic part of its data and scored on the rest: a message
goes to the held-out part by a hash of its text, so it stays there in every later retraining, and a
candidate and the current model are always compared on messages neither has seen.
"""
import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone

import sklearn
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

from nlp.corpus import Corpus, CorpusError
from nlp.model import MIN_PER_LABEL, Classifier, build_pipeline

HELD_OUT_SHARE = 4  # one message in four


def held_out(text: str) -> bool:
    """Whether a message belongs to the held-out part (the same answer on every run)."""
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:8], 16) % HELD_OUT_SHARE == 0


def split(corpus: Corpus) -> tuple[Corpus, Corpus]:
    """(training part, held-out part)."""
    parts = ([], [], [], [])
    for text, label in zip(corpus.texts, corpus.labels):
        offset = 2 if held_out(text) else 0
        parts[offset].append(text)
        parts[offset + 1].append(label)
    return Corpus(tuple(parts[0]), tuple(parts[1])), Corpus(tuple(parts[2]), tuple(parts[3]))


def evaluate(classifier: Classifier, corpus: Corpus, strict: bool = True) -> dict:
    """Accuracy, macro-F1, per-label F1 and the confusion matrix of the classifier on the corpus.

    strict: refuse labels the classifier does not know (an evaluation file of another labelling).
    """
    unknown = sorted(set(corpus.labels) - set(classifier.labels))
    if strict and unknown:
        raise CorpusError(f"labels the model does not know: {', '.join(unknown)}; "
                          f"it knows: {', '.join(classifier.labels)}")
    if not len(corpus):
        raise CorpusError("nothing to evaluate on")
    predicted = classifier.top_labels(list(corpus.texts))
    labels = sorted(set(corpus.labels) | set(predicted))
    per_label = f1_score(corpus.labels, predicted, labels=labels, average=None, zero_division=0)
    return {
        "examples": len(corpus),
        "accuracy": round(float(accuracy_score(corpus.labels, predicted)), 4),
        "macro_f1": round(float(f1_score(corpus.labels, predicted, labels=sorted(set(corpus.labels)),
                                         average="macro", zero_division=0)), 4),
        "per_label_f1": {label: round(float(score), 4) for label, score in zip(labels, per_label)},
        "confusion": {"labels": labels,
                      "matrix": confusion_matrix(corpus.labels, predicted, labels=labels).tolist()},
    }


def fit(corpus: Corpus, source: str = "") -> Classifier:
    """A classifier fitted on all of `corpus` (no scores); refuses labels with too few messages."""
    thin = {label: n for label, n in corpus.counts().items() if n < MIN_PER_LABEL}
    if thin:
        raise CorpusError(f"each label needs at least {MIN_PER_LABEL} training messages; too few for: "
                          + ", ".join(f"{label} ({n})" for label, n in thin.items()))
    if len(corpus.counts()) < 3:
        raise CorpusError("a classifier needs at least three labels")
    pipeline = build_pipeline().fit(list(corpus.texts), list(corpus.labels))
    now = datetime.now(timezone.utc)
    meta = {
        "version": f"{now:%Y%m%d-%H%M%S}-{corpus.digest[:8]}",
        "trained_at": now.isoformat(timespec="seconds"),
        "labels": sorted(corpus.counts()),
        "training_examples": len(corpus),
        "training_digest": corpus.digest,
        "source": source,
        "scikit_learn": sklearn.__version__,
    }
    return Classifier(pipeline, meta)


def train(corpus: Corpus, source: str = "") -> Classifier:
    """Fit on the training part, score on the held-out part; the scores go into the model's metadata."""
    training, holdout = split(corpus)
    classifier = fit(training, source)
    classifier.meta["data_digest"] = corpus.digest
    classifier.meta["held_out"] = evaluate(classifier, holdout, strict=False) if len(holdout) else None
    return classifier


@dataclass(frozen=True)
class Retraining:
    candidate: Classifier
    candidate_scores: dict
    current_scores: dict | None  # None when there was no current model
    promote: bool

    def summary(self) -> dict:
        return {"candidate": self.candidate.version, "candidate_scores": self.candidate_scores,
                "current_scores": self.current_scores, "promote": self.promote}


def retrain(base: Corpus, corrections: Corpus, current: Classifier | None) -> Retraining:
    """Train a candidate on the base corpus plus workers' corrections; promote it only if it scores
    no worse (macro-F1) than the current model on the held-out part of both."""
    combined = base + corrections
    candidate = train(combined, source=f"base+{len(corrections)} corrections")
    _, holdout = split(combined)
    candidate_scores = candidate.meta["held_out"]
    current_scores = evaluate(current, holdout, strict=False) if current is not None else None
    promote = current_scores is None or candidate_scores["macro_f1"] >= current_scores["macro_f1"]
    candidate.meta["compared_with"] = {"version": current.version if current else None, "scores": current_scores}
    return Retraining(candidate, candidate_scores, current_scores, promote)
