"""Training the chat's intent model: scikit-learn and jieba in, plain look-up tables out (nlp.intents).

Only the processes that train import this module (`flask nlp install-default`, the test session, the
benchmarks); a web worker loads the built tables (nlp.intents.TABLES) and predicts with numpy only.

jieba (nlp.words, with the renovation dictionary) finds the words of the training utterances once; the
features, in training and in prediction alike, are then the occurrences of those words found by
look-up (nlp.intents.known_words), so a worker needs neither jieba nor its dictionary. A logistic
regression scored the same on the held-out part but fits ten times slower (lbfgs over 17 labels).
"""
import hashlib
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np

from nlp.intents import (NEGATORS, TABLES, IntentModel, IntentTablesError, Utterance, char_grams, clip, known_words,
                         read_utterances, sources_digest)

# Longer words are rare and their parts are words too; as nlp.features.LONGEST_WORD.
LONGEST_WORD = 4


def vocabulary(texts: list[str]) -> set[str]:
    """The words a model looks for: jieba's words (with the renovation dictionary) of two to LONGEST_WORD
    characters in the clipped texts, a 不 glued to their end dropped (jieba cuts 投不同意 as 投不/同意)."""
    from nlp.words import cut

    words = set()
    for text in texts:
        for word in cut(text):
            if len(word) > 1 and word.endswith("不") and word not in NEGATORS:
                word = word[:-1]
            if 2 <= len(word) <= LONGEST_WORD:
                words.add(word)
    return words


@dataclass
class Fitted:
    """The scikit-learn objects of a training run, before they are turned into tables."""
    chars: object  # TfidfVectorizer over character 1–3-grams
    words: object  # TfidfVectorizer over known words
    model: object  # CalibratedClassifierCV(LinearSVC)
    vocabulary: frozenset

    def transform(self, texts: list[str]):
        from scipy import sparse

        clipped = [clip(text) for text in texts]
        return sparse.hstack([self.chars.transform(clipped), self.words.transform(clipped)], format="csr")


def fit_estimators(utterances: list[Utterance]) -> Fitted:
    """TF-IDF over character 1–3-grams and known words, and a linear SVM (balanced class weights) with
    sigmoid-calibrated probabilities on three folds; the same utterances, in any order, give the same model."""
    from scipy import sparse
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    # The calibration folds are cut in order; an order by hash mixes the hand-written sentences and the
    # compositions into each fold (the file lists them apart) and makes the model independent of row order.
    utterances = sorted(utterances, key=lambda u: (hashlib.sha256(u.text.encode("utf-8")).digest(), u.intent))
    texts = [clip(u.text) for u in utterances]
    words = frozenset(vocabulary(texts))
    chars = TfidfVectorizer(analyzer=char_grams, sublinear_tf=True)
    known = TfidfVectorizer(analyzer=partial(known_words, words=words, longest=LONGEST_WORD), sublinear_tf=True)
    features = sparse.hstack([chars.fit_transform(texts), known.fit_transform(texts)], format="csr")
    # Three calibration folds (unshuffled, so deterministic): every intent needs three utterances at least.
    model = CalibratedClassifierCV(LinearSVC(C=1.0, class_weight="balanced", random_state=0), cv=3, method="sigmoid")
    model.fit(features, [u.intent for u in utterances])
    return Fitted(chars, known, model, words)


def compile_tables(fitted: Fitted, built_from: str = "") -> dict:
    """The arrays nlp.intents.IntentModel predicts with (no scikit-learn objects)."""
    folds = fitted.model.calibrated_classifiers_

    def in_column_order(vectorizer) -> np.ndarray:
        features = np.empty(len(vectorizer.vocabulary_), dtype=object)
        for feature, column in vectorizer.vocabulary_.items():
            features[column] = feature
        return features.astype(str)

    coef = np.concatenate([fold.estimator.coef_ for fold in folds]).T  # columns × (folds · intents)
    return {
        "intents": np.array([str(label) for label in fitted.model.classes_]),
        "chars": in_column_order(fitted.chars), "words": in_column_order(fitted.words),
        "vocabulary": np.array(sorted(fitted.vocabulary)),
        "idf": np.concatenate([fitted.chars.idf_, fitted.words.idf_]).astype(np.float32),
        "coef": np.ascontiguousarray(coef, dtype=np.float32),
        "intercept": np.stack([fold.estimator.intercept_ for fold in folds]),
        "slope": np.array([[c.a_ for c in fold.calibrators] for fold in folds]),
        "offset": np.array([[c.b_ for c in fold.calibrators] for fold in folds]),
        "digest": np.array(built_from),
    }


def fit(utterances: list[Utterance], built_from: str = "") -> IntentModel:
    """A model trained on these utterances (built_from: the digest of the sources they come from)."""
    return IntentModel(compile_tables(fit_estimators(utterances), built_from))


def build(out: Path = TABLES) -> IntentModel:
    """Train on the whole shipped set and write the tables the workers load."""
    built_from = sources_digest()
    model = fit(read_utterances(), built_from)
    model.save(out)
    return model


def ensure(out: Path = TABLES) -> bool:
    """Build the tables unless they are there and up to date; whether they were built."""
    try:
        if IntentModel.load(out).digest == sources_digest():
            return False
    except IntentTablesError:
        pass
    build(out)
    return True


if __name__ == "__main__":  # `make install` (and nlp.intents.default_model): build them when missing or outdated
    import sys

    target = Path(sys.argv[1]) if len(sys.argv) > 1 else TABLES
    print(f"{target.name}: {'built' if ensure(target) else 'up to date'}")
