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

from typing import TYPE_CHECKING, Dict, Optional, Tuple

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
        # Counts by column (None: an n-gram the vocabulary lacks), in first-seen order. A plain
        # dict over map() measured faster than both Counter (slow to build for a few words)
        # and a test per n-gram (slow for a message's hundred character n-grams).
        counts: Dict[Optional[int], int] = {}
        count = counts.get
        for column in map(self._vocabulary.get, self._analyze(text)):
            counts[column] = count(column, 0) + 1
        counts.pop(None, None)
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=self._dtype)
        columns = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = np.fromiter(counts.values(), dtype=self._dtype, count=len(counts))
        weights = (1.0 + np.log(tf)) * self._idf[columns]
        weights /= np.sqrt(weights @ weights)
        return columns, weights
