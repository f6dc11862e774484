"""What a resident's chat message asks for: a small model over the team's labelled utterances.

TF-IDF over character 1–3-grams (they carry negation, 不同意 against 同意, and survive typos) and jieba
words (nlp.words, with the renovation dictionary), then a multinomial logistic regression, whose
probability of the best intent is the confidence. The model ships as a CSV (corpus/utterances.csv),
not as a pickle, and is trained from it on first use in about half a second, deterministically.
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
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

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
    origin: str  # "hand" (written as residents say it) or "template" (composed by corpus/make_utterances.py)


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


def _words(text: str) -> list[str]:
    return cut(text)


class IntentModel:
    """Fitted vectorizers and a logistic regression; predicts an intent and its probability."""

    def __init__(self, vectorizers: list[TfidfVectorizer], model: LogisticRegression):
        self.vectorizers = vectorizers
        self.model = model
        self.intents = [str(label) for label in model.classes_]

    def _features(self, texts: list[str]):
        clipped = [_clip(text) for text in texts]
        return sparse.hstack([v.transform(clipped) for v in self.vectorizers], format="csr")

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """Probabilities (texts × self.intents)."""
        scores = self._features(texts) @ self.model.coef_.T + self.model.intercept_
        scores -= scores.max(axis=1, keepdims=True)  # the softmax of LogisticRegression, without its checks
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)

    def predict_many(self, texts: list[str]) -> list[Guess]:
        """The likeliest intent of each text, with its probability."""
        probabilities = self.probabilities(texts)
        best = probabilities.argmax(axis=1)
        return [Guess(self.intents[i], round(float(row[i]), 4)) for i, row in zip(best, probabilities)]

    def predict(self, text: str) -> Guess:
        """The likeliest intent of one text, with its probability."""
        return self.predict_many([text])[0]


def fit(utterances: list[Utterance]) -> IntentModel:
    """A model trained on these utterances; the same utterances give the same model."""
    texts = [_clip(u.text) for u in utterances]
    labels = [u.intent for u in utterances]
    vectorizers = [
        TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, lowercase=False),
        TfidfVectorizer(tokenizer=_words, token_pattern=None, lowercase=False, sublinear_tf=True),
    ]
    features = sparse.hstack([v.fit_transform(texts) for v in vectorizers], format="csr")
    model = LogisticRegression(C=20.0, max_iter=2000, class_weight="balanced")
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
