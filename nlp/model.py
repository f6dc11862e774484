"""The classifier: TF-IDF over jieba words and character n-grams, a linear SVM with calibrated probabilities.

A Classifier is the fitted scikit-learn pipeline plus its metadata (labels, training data digest,
date, held-out scores, version). It is saved as one joblib file, written atomically.
"""
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import joblib
import numpy as np
from scipy import sparse
from scipy.special import expit
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from nlp.words import cut

FORMAT = 1
# The topic of a message is in its first sentences; a long letter's tail mostly adds noise (and time).
MAX_CHARS = 200
# Calibration fits on three folds, so each label needs at least three training messages.
MIN_PER_LABEL = 3


class ModelFileError(ValueError):
    """A model file that cannot be used: missing, damaged, or of another format."""


@dataclass(frozen=True)
class Suggestion:
    label: str
    probability: float


@dataclass(frozen=True)
class Prediction:
    suggestions: tuple[Suggestion, ...]  # best first
    words: tuple[str, ...]  # the words of the message that weighed most for the best label

    @property
    def best(self) -> Suggestion:
        return self.suggestions[0]


def clip(text: str) -> str:
    """The part of a message the features look at."""
    return text[:MAX_CHARS].lower()


def build_pipeline() -> Pipeline:
    """An unfitted pipeline: words catch the topic, character pairs catch misspellings and unknown words."""
    features = FeatureUnion([
        ("words", TfidfVectorizer(preprocessor=clip, tokenizer=cut, token_pattern=None, sublinear_tf=True)),
        ("chars", TfidfVectorizer(preprocessor=clip, analyzer="char", ngram_range=(1, 2), sublinear_tf=True)),
    ])
    model = CalibratedClassifierCV(LinearSVC(C=1.0, class_weight="balanced"), cv=MIN_PER_LABEL, method="sigmoid")
    return Pipeline([("features", features), ("model", model)])


class Classifier:
    """A fitted pipeline and what is known about it."""

    def __init__(self, pipeline: Pipeline, meta: dict):
        self.pipeline = pipeline
        self.meta = meta
        self._features = pipeline.named_steps["features"]
        self._names = self._features.get_feature_names_out()
        # The calibrated model's numbers, taken out once: scikit-learn's predict_proba checks its
        # input on every call, which costs more than the arithmetic (5 ms a message instead of 0.1).
        # tests/unit/test_nlp.py holds these against predict_proba itself.
        folds = pipeline.named_steps["model"].calibrated_classifiers_
        self._coef = np.stack([fold.estimator.coef_ for fold in folds])  # folds × labels × features
        self._intercept = np.stack([fold.estimator.intercept_ for fold in folds])
        self._slope = np.array([[c.a_ for c in fold.calibrators] for fold in folds])
        self._offset = np.array([[c.b_ for c in fold.calibrators] for fold in folds])
        # Their mean weights say which words counted.
        self._weights = self._coef.mean(axis=0)

    @property
    def labels(self) -> list[str]:
        return [str(label) for label in self.pipeline.classes_]

    @property
    def version(self) -> str:
        return self.meta.get("version", "")

    def predict(self, text: str, k: int = 3) -> Prediction:
        """The k likeliest labels with their probabilities, and the words behind the best one."""
        features = self.transform([text])
        probabilities = self.probabilities(features)[0]
        order = np.argsort(-probabilities)[:k]
        suggestions = tuple(Suggestion(self.labels[i], round(float(probabilities[i]), 4)) for i in order)
        return Prediction(suggestions, self._words(features, order[0]))

    def transform(self, texts: list[str]):
        """Feature rows for texts (FeatureUnion.transform without its joblib dispatch, a third of the time)."""
        return sparse.hstack([vectorizer.transform(texts) for _, vectorizer in self._features.transformer_list],
                             format="csr")

    def probabilities(self, features) -> np.ndarray:
        """Calibrated probabilities (messages × labels) for feature rows, as CalibratedClassifierCV
        computes them: per fold, a sigmoid of each label's SVM score, normalised; then the folds' mean."""
        if len(self.labels) == 2:
            raise NotImplementedError("two-label models are not used here")  # sklearn treats them apart
        scores = np.stack([features @ coef.T for coef in self._coef]) + self._intercept[:, None, :]
        per_label = expit(-(self._slope[:, None, :] * scores + self._offset[:, None, :]))
        totals = per_label.sum(axis=2, keepdims=True)
        uniform = np.full_like(per_label, 1 / per_label.shape[2])
        normalised = np.divide(per_label, totals, out=uniform, where=totals > 0)
        return normalised.mean(axis=0)

    def top_labels(self, texts: list[str]) -> list[str]:
        """The best label for each text, in one batch."""
        best = self.probabilities(self.transform(texts)).argmax(axis=1)
        return [self.labels[i] for i in best]

    def _words(self, features, label_index: int, limit: int = 5) -> tuple[str, ...]:
        row = features.tocsr()
        weights = self._weights[label_index if len(self._weights) > 1 else 0]
        scored = [(value * weights[column], self._names[column]) for column, value in zip(row.indices, row.data)]
        words = [name.removeprefix("words__") for score, name in sorted(scored, reverse=True)
                 if score > 0 and name.startswith("words__")]
        return tuple(words[:limit])

    def save(self, path: Path) -> None:
        """Write the model file atomically: a reader sees the old file or the new one, never half of one."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".model-", suffix=".tmp")
        os.close(handle)
        try:
            joblib.dump({"format": FORMAT, "meta": self.meta, "pipeline": self.pipeline}, temporary, compress=3)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise

    @classmethod
    def load(cls, path: Path) -> "Classifier":
        """Read a model file written by `save` (only load files you made: joblib files can run code)."""
        try:
            stored = joblib.load(path)
        except FileNotFoundError:
            raise ModelFileError(f"no model file at {path}") from None
        except Exception as error:
            raise ModelFileError(f"{path} is not a readable model file: {error}") from None
        if not isinstance(stored, dict) or stored.get("format") != FORMAT:
            raise ModelFileError(f"{path} is not a model file of format {FORMAT}")
        return cls(stored["pipeline"], stored["meta"])
