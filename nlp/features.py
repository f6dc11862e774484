"""What the classifier reads in a message: its characters and character pairs, and the known words in it.

Plain Python, no jieba and no scikit-learn: a web worker turns a message into features with dictionary
look-ups only. jieba is used once, at training (nlp/training.py), to find the words of the training
messages; a worker then looks for those words anywhere in a message instead of cutting it, which is
five times faster than jieba and keeps jieba's 60 MB dictionary out of every worker.
"""
import re
from collections import Counter

# The topic of a message is in its first sentences; a long letter's tail mostly adds noise (and time).
MAX_CHARS = 200
# Longer words are rare, and their parts are words too (加装电梯: 加装, 电梯).
LONGEST_WORD = 6

_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """The part of a message the features look at: lower-cased, without any space, the first MAX_CHARS.

    Spaces carry nothing in Chinese; removing them also makes messages given as space-separated jieba
    words (citizen-messages-train-segmented.csv) read like the others.
    """
    return _SPACE.sub("", text.lower())[:MAX_CHARS]


def char_grams(text: str) -> list[str]:
    """Every character and every pair of neighbouring characters of a normalised text."""
    return [*text, *(text[i:i + 2] for i in range(len(text) - 1))]


def known_words(text: str, words, prefixes) -> list[str]:
    """Every occurrence of a known word (two characters or more) in a normalised text, overlaps included.

    `prefixes`: the first two characters of every known word, to skip most positions after one look-up.
    Overlaps are kept on purpose: 加装电梯 gives 加装电梯, 加装 and 电梯, whatever jieba would have cut.
    """
    found = []
    end = len(text)
    for i in range(end - 1):
        if text[i:i + 2] not in prefixes:
            continue
        for j in range(i + 2, min(i + LONGEST_WORD, end) + 1):
            if text[i:j] in words:
                found.append(text[i:j])
    return found


def prefixes_of(words) -> frozenset:
    """The first two characters of each word, for known_words."""
    return frozenset(word[:2] for word in words)


def counts(grams: list[str], index: dict) -> Counter:
    """How often each known feature (its column in `index`) occurs among grams; unknown ones are dropped."""
    counted = Counter(grams)
    out = Counter()
    for gram, n in counted.items():
        column = index.get(gram)
        if column is not None:
            out[column] = n
    return out
