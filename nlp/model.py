"""The classifier as a web worker holds it: feature look-up tables and a linear model's numbers.

A Classifier is what training (nlp/training.py) made of a fitted scikit-learn model: the index of
each known character, character pair and word, their IDF weights, the linear SVM's coefficients and
the per-label sigmoids that calibrate its scores, plus metadata (labels, training data digest, date,
held-out scores, version). Predicting needs numpy only: no scikit-learn, scipy or jieba is imported
by a worker (they would take 100 MB of its memory), and a model file does not depend on the
scikit-learn version that trained it. Saved as one joblib file of plain arrays and dicts, atomically.
"""
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import joblib
import numpy as np

from nlp.features import MAX_CHARS, columns, read, substrings, tfidf_row

# 2: look-up tables and arrays (format 1 was a pickled scikit-learn pipeline, tied to its version).
# 3: the same, with how a message is read ("max_chars", "head"): code that reads format 2 only refuses it
# rather than reading the message the old way. Format 2 files are still read (no head, 200 characters).
# 4: the same, with "clean" (features.clean: no punctuation, runs of digits as 0); format 3 files read without it.
FORMAT = 4
READABLE = (2, 3, 4)


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


class Classifier:
    """Look-up tables, a calibrated linear model, and what is known about them.

    parts: "labels" (list), "chars" and "words" (feature → column; word columns follow the character
    ones), "idf" (per column), "coef" (columns × labels), "intercept", "slope" and "offset" (per label), and
    "max_chars", "head" and "clean": how a message is read (features.read; files written before them read 200
    characters, no head and not cleaned, and still do).
    """

    def __init__(self, parts: dict, meta: dict):
        self.parts = parts
        self.meta = meta
        self._labels = [str(label) for label in parts["labels"]]
        self._chars, self._words = parts["chars"], parts["words"]
        # The words were chosen up to the LONGEST_WORD of the training run, whatever it is now.
        self._longest = max(map(len, self._words), default=2)
        # float32 halves the memory; the scores differ from float64's in the 6th decimal.
        self._idf = np.asarray(parts["idf"], dtype=np.float32)
        self._coef = np.ascontiguousarray(parts["coef"], dtype=np.float32)
        self._intercept = np.asarray(parts["intercept"], dtype=np.float64)
        self._slope = np.asarray(parts["slope"], dtype=np.float64)
        self._offset = np.asarray(parts["offset"], dtype=np.float64)
        self._word_of: dict[int, str] | None = None  # built on the first explanation
        self._max_chars, self._head = int(parts.get("max_chars", MAX_CHARS)), int(parts.get("head", 0))
        self._clean = bool(parts.get("clean", False))

    @property
    def labels(self) -> list[str]:
        return list(self._labels)

    @property
    def version(self) -> str:
        return self.meta.get("version", "")

    def predict(self, text: str, k: int = 3) -> Prediction:
        """The k likeliest labels with their probabilities, and the words behind the best one."""
        row = self.features(text)
        probabilities = self.calibrate(self.scores([row]))[0]
        order = np.argsort(-probabilities, kind="stable")[:k]
        suggestions = tuple(Suggestion(self._labels[i], round(float(probabilities[i]), 4)) for i in order)
        return Prediction(suggestions, self._explain(row, int(order[0])))

    def features(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(columns, values) of a message's TF-IDF row: sublinear counts times IDF, each block (characters,
        words) scaled to unit length, as scikit-learn's TfidfVectorizer(sublinear_tf=True) does with the
        analyzers of nlp.features (char_grams, known_words), but with the look-ups done in C."""
        text = read(text, self._max_chars, self._head, self._clean)
        pairs = substrings(text, 2)
        candidates = pairs.copy()  # a word is any run of 2 or more characters that is a known word
        for length in range(3, self._longest + 1):
            candidates += substrings(text, length)
        return tfidf_row((columns([*text, *pairs], self._chars), columns(candidates, self._words)), self._idf)

    def scores(self, rows) -> np.ndarray:
        """The linear model's score of each label (messages × labels) for feature rows."""
        out = np.empty((len(rows), len(self._labels)))
        for i, (columns, values) in enumerate(rows):
            out[i] = values @ self._coef[columns] if len(columns) else 0
        return out + self._intercept

    def calibrate(self, scores: np.ndarray) -> np.ndarray:
        """Probabilities from scores, as CalibratedClassifierCV's sigmoid method computes them: a sigmoid of
        each label's score, normalised over the labels (uniform when all are zero)."""
        per_label = 1 / (1 + np.exp(self._slope * scores + self._offset))
        totals = per_label.sum(axis=1, keepdims=True)
        uniform = np.full_like(per_label, 1 / per_label.shape[1])
        return np.divide(per_label, totals, out=uniform, where=totals > 0)

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """Calibrated probabilities (messages × labels, in the order of `labels`)."""
        return self.calibrate(self.scores([self.features(text) for text in texts]))

    def top_labels(self, texts: list[str]) -> list[str]:
        """The best label for each text, in one batch."""
        return [self._labels[i] for i in self.probabilities(texts).argmax(axis=1)]

    def _explain(self, row, label_index: int, limit: int = 5) -> tuple[str, ...]:
        if self._word_of is None:
            self._word_of = {column: word for word, column in self._words.items()}
        columns, values = row
        weighed = values * self._coef[columns, label_index]
        words = []
        for position in np.argsort(-weighed, kind="stable"):
            word = self._word_of.get(int(columns[position]))
            if weighed[position] <= 0 or len(words) == limit:
                break
            if word is not None and not any(word in longer for longer in words):
                words.append(word)
        return tuple(words)

    def save(self, path: Path) -> None:
        """Write the model file atomically: a reader sees the old file or the new one, never half of one."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".model-", suffix=".tmp")
        os.close(handle)
        try:
            joblib.dump({"format": FORMAT, "meta": self.meta, "parts": self.parts}, temporary, compress=3)
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
        if not isinstance(stored, dict) or stored.get("format") not in READABLE:
            raise ModelFileError(f"{path} is not a model file of format {' or '.join(map(str, READABLE))} "
                                 f"(train it again)")
        try:
            return cls(stored["parts"], stored["meta"])
        except (KeyError, TypeError, ValueError) as error:
            raise ModelFileError(f"{path} is not a complete model file: {error}") from None
