"""What a resident's chat message asks for: a small model over the team's labelled utterances.

TF-IDF over character 1–3-grams (they carry negation, 不同意 against 同意, and survive typos) and known
words, then a linear SVM with sigmoid-calibrated probabilities; the probability of the best intent is
the confidence. Messages are normalised first (nlp.intent_rules.normalise), in training and in
prediction alike.

As with the complaint classifier (nlp/model.py), a web worker predicts with look-up tables and numpy
only: no scikit-learn, scipy or jieba is imported here (they took about 100 MB of every worker). The
tables are built from corpus/utterances.csv by nlp/intent_training.py (scikit-learn and jieba,
deterministic) into TABLES, a git-ignored build file of plain arrays (loaded without pickle): `make
install`, `flask nlp install-default` (`make run`, `make serve-prod`), the test session and the
benchmarks build it whenever it is missing or the sources it names by digest have changed, and so does
`default_model()` itself, in a child process, when it finds none (a fresh checkout used without make).
No Flask and no database here.
"""
import csv
import hashlib
import io
import os
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nlp.features import columns, substrings, tfidf_row
from nlp.intent_rules import normalise

INTENTS = ("bind", "unbind", "list_votes", "agree", "disagree", "abstain", "my_votes", "progress", "complaint",
           "complaint_status", "rate", "demand", "notices", "survey", "web_link", "help", "other")
SHIPPED = Path(__file__).parent / "corpus" / "utterances.csv"
TABLES = Path(__file__).parent / "corpus" / "intent-tables.npz"
# What the tables are built from: a change to any of these makes them outdated.
SOURCES = (SHIPPED, Path(__file__).with_name("userdict.txt"), Path(__file__),
           Path(__file__).with_name("intent_training.py"))
# The intent is in the first sentences; a long story about a leak is a complaint by its first 120 characters.
MAX_CHARS = 120
# One utterance in five is held out for the benchmark, chosen by a hash of its text (stable across edits
# of other rows, and the same on every machine).
HELD_OUT_BUCKETS = 5
# 1: character 1–3-grams and known words with negation, three calibrated SVMs (CalibratedClassifierCV's folds).
FORMAT = 1

# Words that turn the next word round: 我不同意 and 投不同意 must not read as 同意. A known word right
# after one of these is read as 不+word (不同意, 不反对, 不需要), whichever negator it was.
NEGATORS = frozenset({"不", "别", "没", "没有", "不要", "不想", "不愿", "不愿意", "不用", "不必", "甭", "莫", "勿",
                      "未", "不太", "不大"})
_LONGEST_NEGATOR = max(map(len, NEGATORS))


class IntentTablesError(RuntimeError):
    """The intent tables are missing, damaged, or of another format."""


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


def sources_digest() -> str:
    """The SHA-256 of SOURCES: the shipped tables name the sources they were built from."""
    digest = hashlib.sha256()
    for path in SOURCES:
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def is_held_out(text: str) -> bool:
    """Whether an utterance belongs to the held-out fifth (by a hash of its normal form, so that the
    same sentence typed in full-width or with a 。 lands on the same side)."""
    digest = hashlib.sha256(normalise(text).encode("utf-8")).digest()
    return digest[0] % HELD_OUT_BUCKETS == 0


def split(utterances: list[Utterance]) -> tuple[list[Utterance], list[Utterance]]:
    """(training part, held-out part)."""
    return [u for u in utterances if not is_held_out(u.text)], [u for u in utterances if is_held_out(u.text)]


def clip(text: str) -> str:
    """What the features look at: the normal form's first MAX_CHARS characters."""
    return normalise(text)[:MAX_CHARS]


def char_grams(text: str) -> list[str]:
    """Every character, pair and triple of neighbouring characters of a clipped text (spaces included,
    as scikit-learn's char analyzer reads them)."""
    return [*text, *substrings(text, 2), *substrings(text, 3)]


def _negated(text: str, start: int) -> bool:
    before = text[max(0, start - _LONGEST_NEGATOR):start]
    return any(before[-n:] in NEGATORS for n in range(1, len(before) + 1))


def _latin(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _inside_latin(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] cuts a run of letters or digits (ok in broken, 1234 in 12345678): jieba
    keeps such a run as one word."""
    return (start > 0 and _latin(text[start - 1]) and _latin(text[start])) or (
        end < len(text) and _latin(text[end]) and _latin(text[end - 1]))


def longest_words(text: str, words, longest: int) -> list[str]:
    """A text cut into known words by longest match from the left (characters in no known word are
    skipped): 希望早点装电梯 gives 希望, 早点, 装, 电梯 where those are known. For counting the words of
    free text (demand comments) without jieba in the worker."""
    found, start = [], 0
    while start < len(text):
        for length in range(min(longest, len(text) - start), 1, -1):
            if text[start:start + length] in words:
                found.append(text[start:start + length])
                start += length
                break
        else:
            start += 1
    return found


def known_words(text: str, words, longest: int) -> list[str]:
    """Every occurrence of a known word (2 to `longest` characters) in a clipped text, overlaps included
    (but never part of a run of letters or digits), as 不+word right after a negator: 我不同意 gives
    不同意, 投不同意 too, 我同意 gives 同意. It replaces jieba's cutting (which needs its 60 MB
    dictionary) by look-ups of the words jieba found in training."""
    found = []
    for length in range(2, longest + 1):
        for start in range(len(text) - length + 1):
            word = text[start:start + length]
            if word in words and not _inside_latin(text, start, start + length):
                found.append("不" + word if _negated(text, start) else word)
    return found


class IntentModel:
    """Look-up tables and three calibrated linear SVMs; predicts an intent and its probability.

    tables: "intents"; "chars" and "words" (the features, in column order; word columns follow the
    character ones); "vocabulary" (the known words looked for); "idf" (per column); "coef" (columns ×
    folds·intents); "intercept", "slope" and "offset" (folds × intents); "digest" (of the SOURCES it was built
    from, or empty).
    """

    def __init__(self, tables: dict):
        self.tables = tables
        self.intents = [str(intent) for intent in tables["intents"]]
        chars, words = [str(g) for g in tables["chars"]], [str(w) for w in tables["words"]]
        self._chars = dict(zip(chars, range(len(chars))))
        self._words = dict(zip(words, range(len(chars), len(chars) + len(words))))
        self._vocabulary = frozenset(str(w) for w in tables["vocabulary"])
        self._longest = max(map(len, self._vocabulary), default=2)
        self._idf = np.asarray(tables["idf"], dtype=np.float32)
        self._intercept = np.asarray(tables["intercept"], dtype=np.float64)
        self._folds = self._intercept.shape[0]
        self._coef = np.ascontiguousarray(tables["coef"], dtype=np.float32)
        self._slope = np.asarray(tables["slope"], dtype=np.float64)
        self._offset = np.asarray(tables["offset"], dtype=np.float64)

    def words_of(self, text: str) -> list[str]:
        """The known words of a free text, cut by longest match (longest_words), lower-cased."""
        return longest_words(text.lower(), self._vocabulary, self._longest)

    @property
    def digest(self) -> str:
        return str(self.tables["digest"])

    def row(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(columns, values) of a text's TF-IDF row: sublinear counts times IDF, each block (characters,
        words) scaled to unit length, as scikit-learn's TfidfVectorizer(sublinear_tf=True) computes it."""
        clipped = clip(text)
        return tfidf_row((columns(char_grams(clipped), self._chars),
                          columns(known_words(clipped, self._vocabulary, self._longest), self._words)),
                         self._idf, np.float64)

    def scores(self, texts: list[str]) -> np.ndarray:
        """Each fold's SVM scores (folds × texts × intents)."""
        out = np.zeros((len(texts), self._coef.shape[1]))
        for i, text in enumerate(texts):
            found, values = self.row(text)
            if len(found):
                out[i] = values @ self._coef[found]
        return out.reshape(len(texts), self._folds, -1).transpose(1, 0, 2) + self._intercept[:, None, :]

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """Calibrated probabilities (texts × self.intents), as CalibratedClassifierCV computes them: per
        fold, a sigmoid of each intent's SVM score, normalised; then the folds' mean."""
        per_intent = 1 / (1 + np.exp(self._slope[:, None, :] * self.scores(texts) + self._offset[:, None, :]))
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

    def save(self, path: Path) -> None:
        """Write the tables as one compressed .npz of plain arrays (no pickle), atomically: a process
        starting meanwhile reads the old file or the new one."""
        path = Path(path)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".intent-tables-", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                np.savez_compressed(out, format=np.array(FORMAT), **{k: np.asarray(v) for k, v in self.tables.items()})
            os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide it from workers running as another user
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise

    @classmethod
    def load(cls, path: Path = TABLES) -> "IntentModel":
        """Read tables written by `save`; refuses a missing file, another format, or a pickle."""
        try:
            with np.load(path, allow_pickle=False) as stored:
                tables = {name: stored[name] for name in stored.files}
        except FileNotFoundError:
            raise IntentTablesError(f"no intent tables at {path}: build them with `flask nlp install-default`") from None
        except (OSError, ValueError) as error:
            raise IntentTablesError(f"{path} is not a readable intent tables file ({error}): "
                                    "train them again with `flask nlp install-default`") from None
        if tables.pop("format", None) != FORMAT:
            raise IntentTablesError(f"{path} is not of format {FORMAT}: train it again with `flask nlp install-default`")
        try:
            return cls(tables)
        except (KeyError, TypeError, ValueError, IndexError) as error:
            raise IntentTablesError(f"{path} is incomplete ({error}): train it again with `flask nlp install-default`") \
                from None


_default: IntentModel | None = None
_lock = threading.Lock()


def _current() -> IntentModel | None:
    """The tables at TABLES if they were built from the present sources, else None."""
    try:
        model = IntentModel.load(TABLES)
    except IntentTablesError:
        return None
    return model if model.digest == sources_digest() else None


def default_model() -> IntentModel:
    """The model trained on the whole shipped set, loaded from TABLES once per process (thread-safe).

    Tables that are missing, or built from other sources than the present ones, are built first, in a
    child process (`python -m nlp.intent_training`, what `make install` runs): this process never imports
    scikit-learn or jieba. The file is written atomically, so processes building at once only repeat work."""
    global _default
    if _default is None:
        with _lock:
            if _default is None:
                model = _current()
                if model is None:
                    built = subprocess.run([sys.executable, "-m", "nlp.intent_training", str(TABLES)],
                                           capture_output=True, text=True, cwd=Path(__file__).parent.parent)
                    model = _current()
                    if model is None:
                        raise IntentTablesError(f"could not build {TABLES}: {built.stderr.strip()[-500:]}")
                _default = model
    return _default
