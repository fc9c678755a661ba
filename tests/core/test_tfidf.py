"""core/tfidf.py: one text's TF-IDF row, the same numbers as scikit-learn's TfidfVectorizer.transform."""

from __future__ import annotations

import re

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from core.tfidf import SingleTextTfidf, UnsupportedVectorizerError

CORPUS = [
    "where is my order",
    "my parcel hasnt arrived yet, where is it",
    "how do i return a jacket",
    "return return return the shoes",
    "Café crème brûlée, naïve façade",
    "error ERR_5003 when paying",
    "the the the the",
]

QUERIES = [
    "where is my order",
    "WHERE is my parcle?? arrived arrived",
    "return the jacket return",
    "café façade",
    "ERR_5003",
    "x",
    "zzz qqq",  # no known n-gram of words
    "",
    "   ",
    "😀 order",
]


def pair_analyzer(text: str) -> list:
    """A custom analyzer like the knowledge base's: words and word pairs."""
    words = re.findall(r"[^\W_]{2,}", text.lower())
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


VECTORIZERS = {
    "word n-grams": dict(ngram_range=(1, 2)),
    "char_wb n-grams": dict(analyzer="char_wb", ngram_range=(1, 4)),
    "char_wb with max_df": dict(analyzer="char_wb", ngram_range=(3, 5), max_df=0.3),
    "custom analyzer": dict(analyzer=pair_analyzer),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("settings", VECTORIZERS.values(), ids=VECTORIZERS.keys())
def test_one_text_is_transformed_as_scikit_learn_transforms_it(settings, dtype) -> None:
    vectorizer = TfidfVectorizer(sublinear_tf=True, dtype=dtype, **settings).fit(CORPUS)
    single = SingleTextTfidf(vectorizer)
    tolerance = 1e-12 if dtype == np.float64 else 1e-6

    for text in QUERIES:
        columns, weights = single.transform(text)
        expected = vectorizer.transform([text]).toarray().ravel()

        assert weights.dtype == dtype and columns.dtype == np.int64
        assert len(set(columns)) == len(columns)
        ours = np.zeros_like(expected)
        ours[columns] = weights
        np.testing.assert_allclose(ours, expected, rtol=0, atol=tolerance, err_msg=repr(text))
        assert set(columns) == set(np.flatnonzero(expected)), repr(text)


def test_text_without_a_known_n_gram_gives_an_empty_row() -> None:
    vectorizer = TfidfVectorizer(sublinear_tf=True).fit(CORPUS)
    for text in ["", "zzz qqq", "   "]:
        columns, weights = SingleTextTfidf(vectorizer).transform(text)
        assert columns.shape == weights.shape == (0,)
        assert vectorizer.transform([text]).nnz == 0


def test_the_row_has_unit_length() -> None:
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True).fit(CORPUS)
    _, weights = SingleTextTfidf(vectorizer).transform("where is my parcel")
    assert weights @ weights == pytest.approx(1.0)


@pytest.mark.parametrize(
    "setting, value",
    [("sublinear_tf", False), ("use_idf", False), ("norm", "l1"), ("norm", None), ("binary", True)],
)
def test_a_vectorizer_it_would_not_reproduce_is_refused_naming_the_setting(setting, value) -> None:
    vectorizer = TfidfVectorizer(**{"sublinear_tf": True, setting: value}).fit(CORPUS)
    with pytest.raises(UnsupportedVectorizerError, match=setting):
        SingleTextTfidf(vectorizer)
