"""Cutting resident messages into words with jieba and a dictionary of renovation terms.

One private jieba tokenizer, built on first use: jieba's global one would make our user
dictionary leak into (and depend on) whatever else in the process uses jieba.
"""
import logging
import re
import threading
from pathlib import Path

import jieba

USER_DICT = Path(__file__).with_name("userdict.txt")

_tokenizer = None
_lock = threading.Lock()
# Words worth a feature: a Chinese character, letter or digit somewhere in them.
_WORDLIKE = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")

jieba.setLogLevel(logging.WARNING)  # jieba prints its dictionary loading at INFO


def tokenizer() -> jieba.Tokenizer:
    """The shared tokenizer with the renovation dictionary loaded (thread-safe first load)."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                made = jieba.Tokenizer()
                made.load_userdict(str(USER_DICT))
                _tokenizer = made
    return _tokenizer


def cut(text: str) -> list[str]:
    """The words of a message, lower-cased, without spaces and punctuation."""
    return [word for word in tokenizer().lcut(text.lower()) if _WORDLIKE.search(word)]
