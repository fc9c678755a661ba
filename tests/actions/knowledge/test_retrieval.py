"""Ranking, outcomes and freshness on the real knowledge base and on small fixtures."""

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from sklearn.naive_bayes import MultinomialNB

from actions.knowledge.articles import known_intents, validate_directory
from actions.knowledge.evaluation import evaluate, load_cases
from actions.knowledge.retrieval import KnowledgeIndex, Outcome, Thresholds
from actions.knowledge.text import Speller, own_words, query_text
from actions.knowledge.vectors import SMOOTHING
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


def test_query_tfidf_matches_sklearn(index):
    for encoder in (index._words, index._chars):
        for text in ["where is my refund for the boots", "pasword resett", "zzz"]:
            features, weights = encoder.transform(text)
            expected = encoder.vectorizer.transform([text])
            dense = np.zeros(expected.shape[1], dtype=np.float32)
            dense[features] = weights
            np.testing.assert_allclose(dense, expected.toarray().ravel(), atol=1e-5)


def test_question_model_is_scikit_learns_multinomial_naive_bayes(articles, index):
    questions = [q for a in articles for q in a.questions] + [a.title for a in articles]
    owners = [i for i, a in enumerate(articles) for _ in a.questions] + list(range(len(articles)))
    for encoder, model in ((index._words, index._word_model), (index._chars, index._char_model)):
        rows = encoder.vectorizer.transform(questions)
        expected = MultinomialNB(alpha=SMOOTHING, fit_prior=False).fit(rows, owners)
        for text in ["where is my refund for the boots", "pasword resett", "i never got the reset email"]:
            query = encoder.vectorizer.transform([text])
            ours = model.log_likelihood((model.evidence @ query.T).toarray().ravel(), query.sum(), np.arange(len(articles)))
            log_posterior = ours - np.logaddexp.reduce(ours)
            np.testing.assert_allclose(log_posterior, expected.predict_log_proba(query)[0], rtol=1e-4, atol=1e-3)


def test_scores_stay_on_the_threshold_scale(index):
    # Similarity and the question model's probability are blended, not added: thresholds keep their meaning.
    for text, intent in [("where is my refund", "refund_status"), ("pasword resett", None), ("zzz", "order_status")]:
        combined, lexical = index.scores(text, intent, 1.0)
        assert np.all(combined >= 0) and np.all(combined <= 1 + index.thresholds.intent_weight + 1e-6)
        assert np.all(lexical <= 1 + 1e-6)


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
    assert scores.hit_at_1 >= 0.90


def test_development_set_quality_floor(index):
    """The phrasings retrieval is tuned on (tests/kb/retrieval_dev.yml); the held-out set above checks it generalises."""
    cases = load_cases(ROOT / "tests" / "kb" / "retrieval_dev.yml")
    intents = {case.query: case.intent for case in cases}
    # As scripts/bench/retrieval.py asks: the labelled intent at a confidence NLU typically reaches.
    scores = evaluate(index, cases, predict=lambda query: (intents[query], 0.9), today=TODAY)

    assert scores.cases >= 150
    assert {case.expected for case in cases} == {a.id for a in index.articles if a.status == "approved"}
    assert scores.hit_at_3 >= 0.97
    assert scores.hit_at_1 >= 0.93


def test_the_question_model_tells_neighbouring_articles_apart(index):
    # Both articles are about resetting a password; the words about a mail that never came decide.
    result = index.search("no mail with the link to reset my password", "login_problem", 0.9, today=TODAY)

    assert result.best.id == "reset-email-not-arriving"


def test_eval_cases_expect_approved_articles(articles):
    approved = {a.id for a in articles if a.status == "approved"}
    cases = load_cases(Path(ROOT / "tests" / "kb" / "retrieval_eval.yml"))
    assert {c.expected for c in cases} <= approved
    assert approved <= {c.expected for c in cases}, "every approved article is evaluated"


def test_sentences_pointing_to_another_article_are_not_this_articles_words():
    body = (
        "1. Start the return ([step by step](kb:how-to-send-a-return)).\n"
        "Damaged item? Choose 'Damaged or faulty' instead: see [damaged items](kb:damaged-or-faulty-item). "
        "Lost the label? Print it again."
    )

    assert own_words(body) == "1. Start the return (step by step).\nLost the label? Print it again."


def test_spelling_is_corrected_to_the_articles_own_words():
    speller = Speller(["Change or cancel an order", "Reset your password", "Error code ERR_5003"])

    assert speller.correct("cancle") == "cancel"  # swapped letters
    assert speller.correct("pasword") == "password"  # a letter missing
    assert speller.correct("ordr") == "order"
    assert speller.correct("cancel") == "cancel"
    for untouched in ("zzzzz", "err_5004", "482913", "rst"):  # unknown, codes, numbers, too short to guess
        assert speller.correct(untouched) == untouched


def test_a_misspelt_question_finds_a_correctly_spelt_query(articles):
    # The designers' questions for this article spell it "cancle" on purpose; the word view now links them.
    result = KnowledgeIndex(articles).search("how do i cancel my order", "order_change", 0.9, today=TODAY)

    assert result.best.id == "change-or-cancel-an-order"


def test_a_second_matching_question_only_ever_adds(articles):
    # Thresholds keep their meaning: an article scores at least what its best question alone gives.
    best_only = KnowledgeIndex(articles, Thresholds(second_question=0.0))
    with_second = KnowledgeIndex(articles, Thresholds())
    for case in load_cases(ROOT / "tests" / "kb" / "retrieval_eval.yml")[:30]:
        _, alone = best_only.scores(case.query)
        _, raised = with_second.scores(case.query)
        assert np.all(raised >= alone - 1e-6)
        assert np.all(raised <= 1.0 + 1e-6)


def test_two_matching_questions_say_more_than_one(articles):
    base = next(a for a in articles if a.id == "get-a-refund")
    both = replace(base, id="a", questions=("refund for my boots please", "my boots need refunding"))
    one = replace(base, id="b", questions=("refund for my boots please", "where is my parcel"))

    for order in ([both, one], [one, both]):
        result = KnowledgeIndex(order).search("refund for my boots please", "refund_request", 0.9, today=TODAY)
        assert [hit.article.id for hit in result.hits] == ["a", "b"]


def test_serving_follows_the_product_clock(index, pin_clock):
    """Without a date the index asks core.clock: a day past review_by, that answer is gone."""
    from datetime import datetime, timezone

    question = "how long does a refund take to show up on my paypal"
    article = next(a for a in index.articles if a.id == "refund-times-by-payment-method")
    day = datetime.combine(article.review_by, datetime.min.time(), tzinfo=timezone.utc)

    pin_clock(day)  # the last day it may be served
    assert index.search(question, "refund_status", 0.95).best.id == article.id
    pin_clock(day + timedelta(days=1))
    assert all(hit.article.id != article.id for hit in index.search(question, "refund_status", 0.95).hits)
