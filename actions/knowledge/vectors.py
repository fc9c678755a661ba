"""Sparse vectors for ranking: rows read feature by feature, and the question model.

A query's own TF-IDF weights come from core/tfidf.py.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


class InvertedView:
    """Rows (articles or questions) stored feature by feature, so a query only reads its own n-grams."""

    def __init__(self, rows) -> None:
        by_feature = rows.T.tocsr()
        self.rows = rows.shape[0]
        self._starts = by_feature.indptr[:-1]
        self._ends = by_feature.indptr[1:]
        self._row_ids = by_feature.indices
        self._values = by_feature.data

    def similarity(self, features: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Dot product of the query with every row: cosine similarity for the L2-normalised TF-IDF rows."""
        if len(features) == 0:
            return np.zeros(self.rows, dtype=np.float32)
        starts, ends = self._starts[features], self._ends[features]
        lengths = ends - starts
        positions = np.repeat(ends - lengths.cumsum(), lengths) + np.arange(lengths.sum())
        contributions = self._values[positions] * np.repeat(weights, lengths)
        return np.bincount(self._row_ids[positions], weights=contributions, minlength=self.rows).astype(np.float32)


# Smoothing of the question model (naive Bayes' alpha), in TF-IDF weight: how much an
# n-gram an article's questions never use still counts for it.
SMOOTHING = 0.1
# Naive Bayes takes every n-gram as independent evidence, but a word, its word pairs and
# its character n-grams say the same thing several times over: scaling the log-likelihoods
# down keeps the probabilities from being all or nothing.
TEMPERATURE = 0.5


class QuestionModel:
    """Naive Bayes evidence of one feature space (words or character n-grams) for each article.

    scikit-learn's MultinomialNB over TF-IDF rows, without its dense
    (articles x features) matrix of log-probabilities, which would not fit in
    memory at 10,000 articles. With N_af the summed weight of n-gram f in
    article a's questions, N_a its total and F the number of features,

        log P(x | a) = sum_f x_f log(1 + N_af / alpha) - sum_f x_f log(N_a + alpha F) + c(x)

    where c(x) is the same for every article and cancels out; the first term
    is a sparse dot product with ``evidence``, stored like the TF-IDF rows.
    """

    def __init__(self, rows: sp.spmatrix, owners: np.ndarray, articles: int) -> None:
        """``rows``: one TF-IDF row per training text; ``owners``: the article of each row."""
        owned = sp.csr_matrix(
            (np.ones(len(owners), dtype=np.float32), (owners, np.arange(len(owners)))), shape=(articles, rows.shape[0])
        )
        counts = (owned @ rows).tocsr()
        self.totals = np.log(np.asarray(counts.sum(axis=1)).ravel() + SMOOTHING * rows.shape[1]).astype(np.float32)
        counts.data = np.log1p(counts.data / SMOOTHING).astype(np.float32)
        self.evidence = counts

    def log_likelihood(self, evidence: np.ndarray, query_weight: float, articles: np.ndarray) -> np.ndarray:
        """log P(query | article) + c for ``articles``, from their ``evidence`` dot products and the query's summed weight."""
        return evidence - query_weight * self.totals[articles]
