"""A fitted scikit-learn TfidfVectorizer's transform of one short text, without scikit-learn's per-call overhead.

``vectorizer.transform([text])`` spends most of its time validating input and
building a sparse matrix, about a millisecond per call: a fifth of the
knowledge base's latency budget and more than the intent model's whole
prediction. For one message the same numbers come straight from the fitted
vocabulary and idf: n-gram counts, log-scaled (``sublinear_tf``), idf-weighted,
L2-normalised, in the vectorizer's dtype. Used by the intent classifier
(policies/linear_intent.py) and knowledge-base retrieval (actions/knowledge/).
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Tuple

import numpy as np

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer

# The settings this transform reproduces; any other value would give different numbers.
SUPPORTED_SETTINGS = {"sublinear_tf": True, "use_idf": True, "norm": "l2", "binary": False}


class UnsupportedVectorizerError(ValueError):
    """The vectorizer is configured in a way SingleTextTfidf does not reproduce."""


class SingleTextTfidf:
    """``vectorizer.transform([text])`` for one text, as (column indices, weights) of its non-zero entries."""

    def __init__(self, vectorizer: TfidfVectorizer) -> None:
        for setting, supported in SUPPORTED_SETTINGS.items():
            value = getattr(vectorizer, setting)
            if value != supported:
                raise UnsupportedVectorizerError(
                    f"SingleTextTfidf reproduces TfidfVectorizer with {setting}={supported!r}, not {value!r}"
                )
        self.vectorizer = vectorizer
        self._analyze = vectorizer.build_analyzer()
        self._vocabulary = vectorizer.vocabulary_
        self._dtype = np.dtype(vectorizer.dtype)
        self._idf = np.asarray(vectorizer.idf_, dtype=self._dtype)

    def transform(self, text: str) -> Tuple[np.ndarray, np.ndarray]:
        """Column indices (in first-seen order) and L2-normalised weights; both empty when no n-gram is known."""
        # Counting the vocabulary's column of every n-gram (None for unknown ones) in one
        # C-level pass is the fastest way found; Counter keeps first-seen order.
        counts = Counter(map(self._vocabulary.get, self._analyze(text)))
        counts.pop(None, None)
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=self._dtype)
        columns = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=self._dtype, count=len(counts))
        weights = (1.0 + np.log(tf)) * self._idf[columns]
        weights /= np.sqrt(weights @ weights)
        return columns, weights
