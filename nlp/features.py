"""What the classifier reads in a message: its characters and character pairs, and the known words in it.

Plain Python, no jieba and no scikit-learn: a web worker turns a message into features with dictionary
look-ups only. jieba is used once, at training (nlp/training.py), to find the words of the training
messages; a worker then looks for those words anywhere in a message instead of cutting it, which is
five times faster than jieba and keeps jieba's 60 MB dictionary out of every worker.
"""
import re
from itertools import repeat

import numpy as np

# The topic of a message is in its first sentences; a long letter's tail mostly adds noise (and time).
MAX_CHARS = 200
# Longer words are rare, and their parts are words too (老旧小区改造: 老旧小区, 改造); cross-validation
# scored 4 and 6 alike, and every extra length costs a look-up per character.
LONGEST_WORD = 4

# The opening of a message (its title, when it has one) says most about its topic: its first HEAD_CHARS
# characters are read twice, after the first MAX_CHARS - HEAD_CHARS of the text, so a message costs what 200
# characters did. Cross-validation: +0.003 macro-F1 on the citizen messages, none on MSGABench (benchmarks/README.md).
HEAD_CHARS = 30
# Between the text and its opening again: no pair of two of the text's characters spans the two.
SEPARATOR = "\x00"

# Punctuation, symbols and spaces carry little and take room among the characters read; a number (a date, a house
# number, an amount, a phone number) says "a number", not which one: every run of digits reads as one 0. Cross-validation,
# near-duplicate-aware over five shuffles: +0.0016 macro-F1 on the citizen messages, +0.008 on MSGABench; small, in the
# same direction on both sets, and nearly free at prediction (benchmarks/README.md).
CLEAN = True

_SPACE = re.compile(r"\s+")
_NOT_WORD = re.compile(r"\W+")  # spaces included
_DIGITS = re.compile(r"\d+")


def normalise(text: str) -> str:
    """The part of a message the features look at: lower-cased, without any space, the first MAX_CHARS.

    Spaces carry nothing in Chinese; removing them also makes messages given as space-separated jieba
    words (citizen-messages-train-segmented.csv) read like the others.
    """
    return _SPACE.sub("", text.lower())[:MAX_CHARS]


def clean(text: str) -> str:
    """A lower-cased text without spaces, punctuation or symbols, and with each run of digits as one 0."""
    return _DIGITS.sub("0", _NOT_WORD.sub("", text.lower()))


def read(text: str, max_chars: int = MAX_CHARS, head: int = HEAD_CHARS, cleaned: bool = CLEAN) -> str:
    """What the features are taken from: the normalised text (cleaned: `clean`'s) first max_chars - head characters,
    SEPARATOR, and its first head characters again (head 0: the normalised text, as models trained before
    HEAD_CHARS read; cleaned False: spaces removed only, as models trained before CLEAN read)."""
    text = clean(text) if cleaned else _SPACE.sub("", text.lower())
    return text[:max_chars - head] + SEPARATOR + text[:head] if head else text[:max_chars]


def char_grams(text: str) -> list[str]:
    """Every character and every pair of neighbouring characters of a normalised text."""
    return [*text, *substrings(text, 2)]


def substrings(text: str, length: int) -> list[str]:
    """Every run of `length` characters of a text."""
    return [text[i:i + length] for i in range(len(text) - length + 1)]


def known_words(text: str, words) -> list[str]:
    """Every occurrence of a known word (two to LONGEST_WORD characters) in a normalised text, overlaps
    included: 加装电梯 gives 加装电梯, 加装 and 电梯, whatever jieba would have cut."""
    return [word for length in range(2, LONGEST_WORD + 1) for word in substrings(text, length) if word in words]


def columns(grams: list[str], index: dict) -> tuple[np.ndarray, np.ndarray]:
    """(columns, counts) of the known features among grams (`index`: feature → column); unknown ones are
    dropped. The look-ups run in C (map), not in a Python loop: this is most of a prediction's time."""
    found = np.fromiter(map(index.get, grams, repeat(-1)), dtype=np.int64, count=len(grams))
    return np.unique(found[found >= 0], return_counts=True)


def tfidf_row(blocks, idf: np.ndarray, dtype=np.float32) -> tuple[np.ndarray, np.ndarray]:
    """(columns, values) of a TF-IDF row from blocks of (columns, counts), one block per analyzer: sublinear
    counts times IDF, each block scaled to unit length, as scikit-learn's TfidfVectorizer(sublinear_tf=True)
    does per vectorizer. Shared by the complaint classifier (nlp.model) and the chat's intents."""
    all_columns, all_values = [], []
    for block, counted in blocks:
        if not len(block):
            continue
        weights = (1 + np.log(counted.astype(dtype))) * idf[block]
        weights /= np.sqrt(weights @ weights)
        all_columns.append(block)
        all_values.append(weights)
    if not all_columns:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=dtype)
    return np.concatenate(all_columns), np.concatenate(all_values)
