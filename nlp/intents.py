"""What a resident's chat message asks for: a small model over the team's labelled utterances.

TF-IDF over character 1–3-grams (they carry negation, 不同意 against 同意, and survive typos) and jieba
words (nlp.words, with the renovation dictionary), then a linear SVM with sigmoid-calibrated
probabilities (as the complaint classifier); the probability of the best intent is the confidence.
A logistic regression scored the same on the held-out part but fits ten times slower (lbfgs over 17
labels), and the model is fitted in each process. It ships as a CSV (corpus/utterances.csv), not as
a pickle (tied to one scikit-learn version), and is trained from it on first use in a fraction of a
second, deterministically.
Messages are normalised first (nlp.intent_rules.normalise), in training and in prediction alike.
No Flask and no database here.
"""
import csv
import hashlib
import io
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse
from scipy.special import expit
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from nlp.intent_rules import normalise
from nlp.words import cut

INTENTS = ("bind", "unbind", "list_votes", "agree", "disagree", "abstain", "my_votes", "progress", "complaint",
           "complaint_status", "rate", "demand", "notices", "survey", "web_link", "help", "other")
SHIPPED = Path(__file__).parent / "corpus" / "utterances.csv"
# The intent is in the first sentences; a long story about a leak is a complaint by its first 120 characters.
MAX_CHARS = 120
# One utterance in five is held out for the benchmark, chosen by a hash of its text (stable across edits
# of other rows, and the same on every machine).
HELD_OUT_BUCKETS = 5


@dataclass(frozen=True)
class Utterance:
    text: str
    intent: str
    origin: str  # "hand" (written as residents say it), "template" (composed by corpus/make_utterances.py)
    # or "routing-corpus" (a problem statement taken from corpus/complaints.csv)


@dataclass(frozen=True)
class Guess:
    intent: str
    confidence: float  # the model's probability of that intent, in [0, 1]


def read_utterances(path: Path = SHIPPED) -> list[Utterance]:
    """The labelled utterances of a CSV with columns text, intent (and optionally origin); refuses
    unknown intents and empty texts, naming the line."""
    rows = csv.DictReader(io.StringIO(Path(path).read_text(encoding="utf-8-sig"), newline=""))
    utterances, problems = [], []
    for line, row in enumerate(rows, start=2):
        text, intent = (row.get("text") or "").strip(), (row.get("intent") or "").strip()
        if intent not in INTENTS:
            problems.append(f"line {line}: unknown intent {intent!r}")
        elif not normalise(text):
            problems.append(f"line {line}: no text")
        else:
            utterances.append(Utterance(text, intent, (row.get("origin") or "hand").strip()))
    if problems:
        raise ValueError(f"{Path(path).name}: " + "; ".join(problems[:10]))
    return utterances


def is_held_out(text: str) -> bool:
    """Whether an utterance belongs to the held-out fifth (by a hash of its normal form, so that the
    same sentence typed in full-width or with a 。 lands on the same side)."""
    digest = hashlib.sha256(normalise(text).encode("utf-8")).digest()
    return digest[0] % HELD_OUT_BUCKETS == 0


def split(utterances: list[Utterance]) -> tuple[list[Utterance], list[Utterance]]:
    """(training part, held-out part)."""
    return [u for u in utterances if not is_held_out(u.text)], [u for u in utterances if is_held_out(u.text)]


def _clip(text: str) -> str:
    return normalise(text)[:MAX_CHARS]


# Words that turn the next word round. jieba cuts 我不同意 as 我/不/同意 and 投不同意 as 投不/同意, so the
# bare word 同意 would stand for agreeing in both; the word after a negator becomes 不+word instead.
_NEGATORS = {"不", "别", "没", "没有", "不要", "不想", "不愿", "不愿意", "不用", "不必", "甭", "莫", "勿", "未", "不太", "不大"}


def _words(text: str) -> list[str]:
    words: list[str] = []
    negated = False
    for word in cut(text):
        glued = len(word) > 1 and word.endswith("不") and word not in ("不", "要不", "还不")
        stem = word[:-1] if glued else word
        words.append("不" + stem if negated and stem not in _NEGATORS else stem)
        negated = word in _NEGATORS or glued
    return words


class IntentModel:
    """Fitted vectorizers and a calibrated linear SVM; predicts an intent and its probability."""

    def __init__(self, vectorizers: list[TfidfVectorizer], model: CalibratedClassifierCV):
        self.vectorizers = vectorizers
        self.model = model
        self.intents = [str(label) for label in model.classes_]
        # The calibrated model's numbers, taken out once: scikit-learn's predict_proba checks its input
        # on every call, which costs more than the arithmetic (as in nlp/model.py; tests/unit/test_intents.py
        # holds these against predict_proba itself).
        folds = model.calibrated_classifiers_
        self._coef = np.stack([fold.estimator.coef_ for fold in folds])  # folds × intents × features
        self._intercept = np.stack([fold.estimator.intercept_ for fold in folds])
        self._slope = np.array([[c.a_ for c in fold.calibrators] for fold in folds])
        self._offset = np.array([[c.b_ for c in fold.calibrators] for fold in folds])

    def features(self, texts: list[str]):
        """TF-IDF rows (texts × features) of the texts' normal forms."""
        clipped = [_clip(text) for text in texts]
        return sparse.hstack([v.transform(clipped) for v in self.vectorizers], format="csr")

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """Calibrated probabilities (texts × self.intents), as CalibratedClassifierCV computes them: per
        fold, a sigmoid of each intent's SVM score, normalised; then the folds' mean."""
        features = self.features(texts)
        scores = np.stack([features @ coef.T for coef in self._coef]) + self._intercept[:, None, :]
        per_intent = expit(-(self._slope[:, None, :] * scores + self._offset[:, None, :]))
        totals = per_intent.sum(axis=2, keepdims=True)
        uniform = np.full_like(per_intent, 1 / per_intent.shape[2])
        return np.divide(per_intent, totals, out=uniform, where=totals > 0).mean(axis=0)

    def predict_many(self, texts: list[str]) -> list[Guess]:
        """The likeliest intent of each text, with its probability."""
        if not texts:
            return []
        probabilities = self.probabilities(texts)
        best = probabilities.argmax(axis=1)
        return [Guess(self.intents[i], round(float(row[i]), 4)) for i, row in zip(best, probabilities)]

    def predict(self, text: str) -> Guess:
        """The likeliest intent of one text, with its probability."""
        return self.predict_many([text])[0]


def fit(utterances: list[Utterance]) -> IntentModel:
    """A model trained on these utterances; the same utterances, in any order, give the same model."""
    # The calibration folds are cut in order; an order by hash mixes the hand-written sentences and the
    # compositions into each fold (the file lists them apart) and makes the model independent of row order.
    utterances = sorted(utterances, key=lambda u: (hashlib.sha256(u.text.encode("utf-8")).digest(), u.intent))
    texts = [_clip(u.text) for u in utterances]
    labels = [u.intent for u in utterances]
    vectorizers = [
        TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, lowercase=False),
        TfidfVectorizer(tokenizer=_words, token_pattern=None, lowercase=False, sublinear_tf=True),
    ]
    features = sparse.hstack([v.fit_transform(texts) for v in vectorizers], format="csr")
    # Three calibration folds (unshuffled, so deterministic): every intent needs three utterances at least.
    svm = LinearSVC(C=1.0, class_weight="balanced", random_state=0)
    model = CalibratedClassifierCV(svm, cv=3, method="sigmoid")
    model.fit(features, labels)
    return IntentModel(vectorizers, model)


_default: IntentModel | None = None
_lock = threading.Lock()


def default_model() -> IntentModel:
    """The model trained on the whole shipped set, built once per process (thread-safe)."""
    global _default
    if _default is None:
        with _lock:
            if _default is None:
                _default = fit(read_utterances())
    return _default
