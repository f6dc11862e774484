"""Training, scoring and retraining classifiers.

scikit-learn and jieba are imported here, inside the functions, and only by the processes that train:
a web worker that only predicts never loads them (nlp/model.py).

Every model is fitted on the same deterministic part of its data and scored on the rest: a message
goes to the held-out part by a hash of its text, so it stays there in every later retraining, and a
candidate and the current model are always compared on messages neither has seen.
"""
import hashlib
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import partial

import numpy as np

from nlp.corpus import Corpus, CorpusError
from nlp import features
from nlp.features import char_grams, known_words, read
from nlp.model import Classifier

HELD_OUT_SHARE = 4  # one message in four
# Calibration fits on three folds, so each label needs at least three training messages.
MIN_PER_LABEL = 3
# The linear SVM's regularisation, chosen by cross-validation on the citizen messages (benchmarks/README.md).
SVM_C = 0.5
# A word or character pair seen in one training message only is more often a name than a topic.
MIN_MESSAGES = 2


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


def vocabulary(texts: list[str]) -> set[str]:
    """The words a model will look for: jieba's words (with the renovation dictionary) of two to
    features.LONGEST_WORD characters found in at least MIN_MESSAGES of the normalised texts, and every word of
    the renovation dictionary (a message to a street office should find them even if training did not)."""
    from nlp.words import USER_DICT, tokenizer

    jieba = tokenizer()
    # Without HMM jieba finds no new words, which would be names in one message anyway; a third faster.
    seen = Counter(word for text in texts for word in set(jieba.lcut(text, HMM=False))
                   if 2 <= len(word) <= features.LONGEST_WORD and not word.isspace())
    words = {word for word, n in seen.items() if n >= MIN_MESSAGES}
    for line in USER_DICT.read_text(encoding="utf-8").splitlines():
        word = line.split()[0].lower() if line.strip() else ""
        if 2 <= len(word) <= features.LONGEST_WORD:
            words.add(word)
    return words


def reading(text: str) -> str:
    """features.read with the settings of this run (features' constants, which benchmarks may change)."""
    return read(text, features.MAX_CHARS, features.HEAD_CHARS, features.CLEAN)


@dataclass
class Fitted:
    """The scikit-learn objects of a training run, before they are turned into a Classifier."""
    chars: object  # TfidfVectorizer over characters and character pairs
    words: object  # TfidfVectorizer over known words
    model: object  # CalibratedClassifierCV(LinearSVC)

    def transform(self, texts: list[str]):
        from scipy import sparse

        normalised = [reading(text) for text in texts]
        return sparse.hstack([self.chars.transform(normalised), self.words.transform(normalised)], format="csr")


def fit_estimators(texts: list[str], labels: list[str]) -> Fitted:
    """TF-IDF over characters, character pairs and known words, and a linear SVM (balanced class weights:
    small labels count as much as large ones) with sigmoid-calibrated probabilities. One SVM fitted on all
    the texts, calibrated on three-fold cross-validated scores (ensemble=False: one set of coefficients to
    keep in memory instead of three)."""
    from scipy import sparse
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    normalised = [reading(text) for text in texts]
    words = vocabulary(normalised)
    chars = TfidfVectorizer(analyzer=char_grams, sublinear_tf=True, min_df=MIN_MESSAGES)
    known = TfidfVectorizer(analyzer=partial(known_words, words=frozenset(words)),
                            sublinear_tf=True, vocabulary=sorted(words))
    features = sparse.hstack([chars.fit_transform(normalised), known.fit_transform(normalised)], format="csr")
    model = CalibratedClassifierCV(LinearSVC(C=SVM_C, class_weight="balanced"), cv=MIN_PER_LABEL,
                                   method="sigmoid", ensemble=False)
    model.fit(features, labels)
    return Fitted(chars, known, model)


def compile_parts(fitted: Fitted) -> dict:
    """The look-up tables and arrays nlp.model.Classifier predicts with (no scikit-learn objects)."""
    (calibrated,) = fitted.model.calibrated_classifiers_
    svm = calibrated.estimator
    chars = {str(gram): int(column) for gram, column in fitted.chars.vocabulary_.items()}
    offset = len(chars)
    words = {str(word): offset + int(column) for word, column in fitted.words.vocabulary_.items()}
    coef = svm.coef_.T.astype(np.float32)  # columns × labels: a message's columns pick rows
    return {"labels": [str(label) for label in fitted.model.classes_], "chars": chars, "words": words,
            "idf": np.concatenate([fitted.chars.idf_, fitted.words.idf_]).astype(np.float32),
            "coef": np.ascontiguousarray(coef), "intercept": svm.intercept_.astype(np.float64),
            "slope": np.array([c.a_ for c in calibrated.calibrators], dtype=np.float64),
            "offset": np.array([c.b_ for c in calibrated.calibrators], dtype=np.float64),
            # how a message was read (features.read): a worker must read it the same way
            "max_chars": features.MAX_CHARS, "head": features.HEAD_CHARS,
            "clean": features.CLEAN}


def routing(classifier: Classifier, corpus: Corpus, threshold: float, probabilities=None) -> dict:
    """What routing at `threshold` would do with the corpus: the share of messages whose best label's
    probability reaches it (sent straight to that department: coverage) and the share of those that are
    right (precision); the rest wait for a person."""
    if probabilities is None:
        probabilities = classifier.probabilities(list(corpus.texts))
    best = probabilities.argmax(axis=1)
    sure = probabilities[np.arange(len(best)), best] >= threshold
    right = np.array([classifier.labels[i] == label for i, label in zip(best, corpus.labels)])
    routed = int(sure.sum())
    return {"threshold": threshold, "coverage": round(routed / len(corpus), 4),
            "precision": round(float(right[sure].mean()), 4) if routed else None, "routed": routed}


def evaluate(classifier: Classifier, corpus: Corpus, strict: bool = True, threshold: float | None = None) -> dict:
    """Accuracy, macro-F1, per-label F1 and the confusion matrix of the classifier on the corpus; with a
    threshold, also the coverage and precision of routing at it (`routing`).

    strict: refuse labels the classifier does not know (an evaluation file of another labelling).
    """
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

    unknown = sorted(set(corpus.labels) - set(classifier.labels))
    if strict and unknown:
        raise CorpusError(f"labels the model does not know: {', '.join(unknown)}; "
                          f"it knows: {', '.join(classifier.labels)}")
    if not len(corpus):
        raise CorpusError("nothing to evaluate on")
    probabilities = classifier.probabilities(list(corpus.texts))
    predicted = [classifier.labels[i] for i in probabilities.argmax(axis=1)]
    labels = sorted(set(corpus.labels) | set(predicted))
    per_label = f1_score(corpus.labels, predicted, labels=labels, average=None, zero_division=0)
    scores = {
        "examples": len(corpus),
        "accuracy": round(float(accuracy_score(corpus.labels, predicted)), 4),
        "macro_f1": round(float(f1_score(corpus.labels, predicted, labels=sorted(set(corpus.labels)),
                                         average="macro", zero_division=0)), 4),
        "per_label_f1": {label: round(float(score), 4) for label, score in zip(labels, per_label)},
        "confusion": {"labels": labels,
                      "matrix": confusion_matrix(corpus.labels, predicted, labels=labels).tolist()},
    }
    if threshold is not None:
        scores["routing"] = routing(classifier, corpus, threshold, probabilities)
    return scores


def check_trainable(corpus: Corpus) -> None:
    """Refuse a corpus a classifier cannot be fitted on: fewer than three labels, or a label with fewer than
    MIN_PER_LABEL messages. Read by street staff in the console as well as by the CLI's operator: in Chinese."""
    thin = {label: n for label, n in corpus.counts().items() if n < MIN_PER_LABEL}
    if thin:
        listed = "、".join(f"{label}（{n} 条）" for label, n in list(thin.items())[:5])
        more = f"等 {len(thin)} 个类别" if len(thin) > 5 else ""
        raise CorpusError(f"每个类别至少要有 {MIN_PER_LABEL} 条训练数据，这些类别太少：{listed}{more}"
                          + ("。是不是选错了部门列？" if len(thin) > len(corpus.counts()) / 2 else ""))
    if len(corpus.counts()) < 3:
        raise CorpusError(f"至少要有三个类别才能训练分类模型，这份数据只有 {len(corpus.counts())} 个。")


def fit(corpus: Corpus, source: str = "") -> Classifier:
    """A classifier fitted on all of `corpus` (no scores); refuses labels with too few messages."""
    import sklearn

    check_trainable(corpus)
    parts = compile_parts(fit_estimators(list(corpus.texts), list(corpus.labels)))
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
    return Classifier(parts, meta)


def train(corpus: Corpus, source: str = "", threshold: float | None = None, refit: bool = False) -> Classifier:
    """Fit on the training part, score on the held-out part (with routing at `threshold`, if given); the
    scores go into the model's metadata.

    refit: then fit again on all of the corpus and return that model, with the first model's held-out scores
    as the estimate of its own (the quarter more data is worth +0.006 macro-F1 on the citizen messages and +0.02
    on MSGABench in cross-validation: benchmarks/README.md). For a model that is used as it is (`flask nlp
    train`); not for one that a later candidate is compared with on the held-out part (install-default,
    retrain): having learnt those messages, it would win that comparison unfairly.
    """
    training, holdout = split(corpus)
    classifier = fit(training, source)
    scores = evaluate(classifier, holdout, strict=False, threshold=threshold) if len(holdout) else None
    if refit and len(holdout):
        classifier = fit(corpus, source)
    classifier.meta["data_digest"] = corpus.digest
    classifier.meta["held_out"] = scores
    # What the held-out scores describe: this model, or (refitted) the same pipeline fitted on the training part.
    classifier.meta["fitted_on"] = "all" if refit and len(holdout) else "training part"
    if classifier.meta["fitted_on"] == "all":
        classifier.meta["held_out_note"] = (f"scores of the same pipeline fitted on the training part "
                                            f"({len(training)} messages); this model was then fitted on all "
                                            f"{len(corpus)}, held-out ones included")
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


def retrain(base: Corpus, corrections: Corpus, current: Classifier | None,
            threshold: float | None = None) -> Retraining:
    """Train a candidate on the base corpus plus workers' corrections; promote it only if it scores
    no worse (macro-F1) than the current model on the held-out part of both, and never over a model that
    shares no label with it (their scores cannot be compared)."""
    combined = base + corrections
    candidate = train(combined, source=f"原有数据加人工改派 {len(corrections)} 条", threshold=threshold)
    _, holdout = split(combined)
    candidate_scores = candidate.meta["held_out"]
    current_scores = (evaluate(current, holdout, strict=False, threshold=threshold)
                      if current is not None else None)
    if current_scores is not None and current.meta.get("fitted_on") == "all":
        # A model refitted on all its data (`flask nlp train`) may have learnt these held-out messages.
        current_scores["optimistic"] = True
    # A current model with none of these labels scores 0 here, which says nothing about it: a person decides.
    comparable = current is None or bool(set(current.labels) & set(candidate.labels))
    promote = comparable and (current_scores is None or candidate_scores["macro_f1"] >= current_scores["macro_f1"])
    if not comparable:
        current_scores["comparable"] = False
    candidate.meta["compared_with"] = {"version": current.version if current else None, "scores": current_scores}
    return Retraining(candidate, candidate_scores, current_scores, promote)
