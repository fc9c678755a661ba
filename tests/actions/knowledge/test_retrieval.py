"""Ranking, outcomes and freshness on the real knowledge base and on small fixtures."""

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest

from actions.knowledge.articles import known_intents, validate_directory
from actions.knowledge.evaluation import evaluate, load_cases
from actions.knowledge.retrieval import KnowledgeIndex, Outcome, Thresholds, query_text
from scripts.stack import ROOT

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def articles():
    found, problems = validate_directory(ROOT / "data" / "kb", known_intents(ROOT / "domain.yml"))
    assert problems == []
    return found


@pytest.fixture(scope="module")
def index(articles):
    return KnowledgeIndex(articles, Thresholds())


def test_query_encoder_matches_sklearn(index):
    for encoder in (index._words, index._chars):
        for text in ["where is my refund for the boots", "pasword resett", "zzz"]:
            features, weights = encoder.encode(text)
            expected = encoder.vectorizer.transform([text])
            dense = np.zeros(expected.shape[1], dtype=np.float32)
            dense[features] = weights
            np.testing.assert_allclose(dense, expected.toarray().ravel(), atol=1e-5)


def test_candidate_reranking_matches_exhaustive_ranking(articles, monkeypatch):
    import actions.knowledge.retrieval as retrieval

    exhaustive = KnowledgeIndex(articles)
    monkeypatch.setattr(retrieval, "CANDIDATES", 10)
    reranked = KnowledgeIndex(articles)
    for case in load_cases(ROOT / "tests" / "kb" / "retrieval_eval.yml")[:40]:
        best = exhaustive.search(case.query, case.intent, 0.9, today=TODAY).best
        assert reranked.search(case.query, case.intent, 0.9, today=TODAY).best == best


def test_confident_answer(index):
    result = index.search("how long does a refund take to show up on my paypal", "refund_status", 0.95, today=TODAY)

    assert result.outcome is Outcome.CONFIDENT
    assert result.best.id == "refund-times-by-payment-method"


def test_no_words_offers_the_intents_articles(index):
    result = index.search("/order_status", "order_status", 1.0, today=TODAY)

    assert result.outcome is Outcome.AMBIGUOUS
    assert all("order_status" in article.topics for article in index.choices(result))
    assert 2 <= len(index.choices(result)) <= 3


def test_words_that_match_nothing_get_an_honest_nothing(index):
    result = index.search("qwxz vbnm plorf", "order_status", 0.9, today=TODAY)

    assert result.outcome is Outcome.NOTHING


def test_stale_and_unapproved_articles_are_never_served(articles):
    target = next(a for a in articles if a.id == "refund-times-by-payment-method")
    stale = replace(target, review_by=TODAY - timedelta(days=1), last_reviewed=TODAY - timedelta(days=200))
    others = [a for a in articles if a.id != target.id]
    query = target.title
    for variant in (stale, replace(target, status="draft"), replace(target, status="retired")):
        result = KnowledgeIndex(others + [variant]).search(query, "refund_status", 0.9, today=TODAY)
        assert target.id not in [hit.article.id for hit in result.hits]


def test_payload_text_is_not_ranked():
    assert query_text('/order_status{"article_id":"x"}') == ""
    assert query_text("where is it", ["AC-123456"]) == "where is it AC-123456"


def test_retrieval_quality_floor(index):
    """Held-out phrasings with their labelled intents; `make eval` reports it with NLU's own intents."""
    scores = evaluate(index, load_cases(ROOT / "tests" / "kb" / "retrieval_eval.yml"), today=TODAY)

    assert scores.cases >= 150
    assert scores.hit_at_3 >= 0.95
    assert scores.hit_at_1 >= 0.85


def test_eval_cases_expect_approved_articles(articles):
    approved = {a.id for a in articles if a.status == "approved"}
    cases = load_cases(Path(ROOT / "tests" / "kb" / "retrieval_eval.yml"))
    assert {c.expected for c in cases} <= approved
    assert approved <= {c.expected for c in cases}, "every approved article is evaluated"
