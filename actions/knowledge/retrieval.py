"""Rank approved, fresh articles for what the customer wrote.

Two views of the customer's words, blended:

- Text similarity: TF-IDF cosine (scikit-learn), each over words and
  character n-grams (robust to typos), against the article itself (title,
  short answer, body, without the sentences that send the reader to another
  article) and against the article's ``questions``, the ways customers ask for
  it, written by the designers; the best-matching question counts most, the
  runner-up adds to it. It says how close the words come to an article, so it
  also decides when they match no article at all.
- The question model: multinomial naive Bayes trained on the same questions
  (and titles), the probability that the words were asked of this article
  rather than another. It learns which words tell neighbouring articles apart
  ("never came" the missing reset email, "forgot" the reset itself), which
  the nearest question alone does not; the intent NLU predicted is its prior.

The combined score is ``(1 - question_model) * similarity + question_model *
probability``, plus a bonus for articles whose ``topics`` include the
predicted intent, weighted by its confidence. Scores land in
[0, 1 + intent_weight], so thresholds mean the same thing whatever the size
of the knowledge base.

Words are matched after a light spelling correction against the articles'
own (edited) vocabulary: a customer's "cancle" finds "cancel", and the
misspelt questions designers wrote on purpose find correctly spelt queries.

Prediction cost stays low at 10,000 articles because word matrices are stored
feature-major (CSC): a query only touches the columns of the n-grams it
contains, not every article. Character n-grams, whose posting lists are long,
only re-rank the candidates the words found, and the question model only
chooses between the closest of those.

The words: actions/knowledge/text.py; the vectors and the question model:
actions/knowledge/vectors.py; a query's TF-IDF weights: core/tfidf.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from actions.knowledge.articles import Article
from actions.knowledge.text import Speller, WordAnalyzer, article_text, query_text
from actions.knowledge.vectors import TEMPERATURE, InvertedView, QuestionModel
from core import clock
from core.tfidf import SingleTextTfidf


class Outcome(str, Enum):
    CONFIDENT = "confident"
    AMBIGUOUS = "ambiguous"
    NOTHING = "nothing"


@dataclass(frozen=True)
class Thresholds:
    confident: float = 0.5  # top score at or above: answer with the article
    margin: float = 0.15  # ...and at least this far ahead of the runner-up
    ambiguous: float = 0.25  # top score at or above (but not confident): offer titles
    intent_weight: float = 0.3  # bonus for articles serving the predicted intent
    article_weight: float = 0.5  # article text vs. its best-matching question
    min_lexical: float = 0.2  # below this text similarity the words match no article at all
    max_choices: int = 3
    second_question: float = 0.5  # how much an article's second-best question adds to its best
    question_model: float = 0.6  # the question model's probability vs. text similarity
    intent_evidence: float = 1.0  # log-odds the question model gives articles serving the predicted intent


@dataclass(frozen=True)
class Hit:
    article: Article
    score: float
    lexical: float = 0.0


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    hits: Tuple[Hit, ...]

    @property
    def best(self) -> Optional[Article]:
        return self.hits[0].article if self.hits else None


# Articles re-ranked with character n-grams; all of them in a knowledge base this small
# (46 articles). Re-ranking only 10 finds the same best article (tests/actions/knowledge),
# and at 10,000 articles 50 instead of 200 keeps a query's p95 under 5 ms (make bench).
CANDIDATES = 50
# Of those, the closest ones the question model chooses between; the rest get no probability.
MODEL_CANDIDATES = 50


class KnowledgeIndex:
    """An immutable index over a set of articles; build a new one after a sync."""

    def __init__(self, articles: Sequence[Article], thresholds: Optional[Thresholds] = None) -> None:
        self.articles = list(articles)
        self.by_id = {article.id: article for article in self.articles}
        self.thresholds = thresholds or Thresholds()
        # For each intent, which articles serve it: the intent prior without a loop per query.
        self._serves: Dict[str, np.ndarray] = {}
        for position, article in enumerate(self.articles):
            for topic in article.topics:
                self._serves.setdefault(topic, np.zeros(len(self.articles), dtype=np.float32))[position] = 1.0
        if not self.articles:
            return
        texts = [article_text(a) for a in self.articles]
        questions = [q for a in self.articles for q in a.questions]
        words = TfidfVectorizer(analyzer=WordAnalyzer(Speller(texts)), sublinear_tf=True, dtype=np.float32)
        # N-grams found in most texts ("the", " an") say little and would make every
        # query touch every row; dropping them keeps ranking fast at 10,000 articles.
        chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, max_df=0.3, dtype=np.float32)
        # fit_transform also gives the fitted texts' rows: analysing them twice was most of the build time.
        fitted_words = words.fit_transform(texts + questions).tocsr()
        fitted_chars = chars.fit_transform(texts + questions).tocsr()
        self._words, self._chars = SingleTextTfidf(words), SingleTextTfidf(chars)
        question_words, question_chars = fitted_words[len(texts) :], fitted_chars[len(texts) :]
        # Words find candidates over the whole index (short posting lists); character
        # n-grams, robust to typos but with long posting lists, re-rank only the candidates.
        self._article_words = InvertedView(fitted_words[: len(texts)])
        self._question_words = InvertedView(question_words)
        # Character n-grams of whole bodies would dominate; the title and short answer say
        # what an article is about, and the words view covers the body.
        self._article_chars = chars.transform([f"{a.title} {a.short_answer}" for a in self.articles]).tocsr()
        self._question_chars = question_chars.tocsr()
        counts = np.array([len(a.questions) for a in self.articles], dtype=np.int64)
        self._question_starts = np.cumsum(counts) - counts  # questions are stored article by article
        self._question_counts = counts
        # The question model learns from the questions and from each title, the shortest
        # way to ask for an article (and the only one an article without questions has).
        titles = [a.title for a in self.articles]
        owners = np.concatenate([np.repeat(np.arange(len(self.articles)), counts), np.arange(len(self.articles))])
        self._word_model = QuestionModel(sp.vstack([question_words, words.transform(titles)]), owners, len(self.articles))
        self._word_evidence = InvertedView(self._word_model.evidence)
        self._char_model = QuestionModel(sp.vstack([question_chars, chars.transform(titles)]), owners, len(self.articles))

    def _best_question(self, per_question: np.ndarray, articles: np.ndarray) -> np.ndarray:
        """For each of ``articles``, its best question score (0 without questions); a segment max."""
        counts = self._question_counts[articles]
        best = np.zeros(len(articles), dtype=np.float32)
        has = counts > 0
        if has.any():
            best[has] = np.maximum.reduceat(per_question, (np.cumsum(counts) - counts)[has])
        return best

    def _question_score(self, per_question: np.ndarray, articles: np.ndarray) -> np.ndarray:
        """For each of ``articles``: its best question's score, raised by its runner-up's.

        Two questions that match say more than one lucky match: best + w * second * (1 - best)
        stays in [best, 1], so the runner-up only ever adds (thresholds keep their meaning).
        """
        w = self.thresholds.second_question
        counts = self._question_counts[articles]
        has = counts > 0
        best = np.zeros(len(articles), dtype=np.float32)
        second = np.zeros(len(articles), dtype=np.float32)
        if has.any():
            starts = (np.cumsum(counts) - counts)[has]
            top = np.maximum.reduceat(per_question, starts)
            is_top = per_question == np.repeat(top, counts[has])
            ties = np.add.reduceat(is_top.astype(np.int32), starts) > 1
            runner_up = np.maximum.reduceat(np.where(is_top, -np.inf, per_question), starts)
            best[has] = top
            second[has] = np.where(ties, top, np.maximum(runner_up, 0.0))
        return best + w * second * (1.0 - best)

    def _question_rows(self, articles: np.ndarray) -> np.ndarray:
        counts = self._question_counts[articles]
        return np.repeat(self._question_starts[articles] - (np.cumsum(counts) - counts), counts) + np.arange(counts.sum())

    def scores(self, text: str, intent: Optional[str] = None, intent_confidence: float = 0.0) -> Tuple[np.ndarray, np.ndarray]:
        """(combined score, text similarity) of every article.

        Text similarity mixes the article (title, short answer, body) and its
        best-matching questions, each the mean of word and character cosine.
        The combined score blends it with the question model's probability
        (the predicted intent raising its prior) and adds the intent bonus.
        Articles outside the candidates keep their word-only similarity and no
        probability, which ranks them below any candidate with a character match.
        """
        t = self.thresholds
        n = len(self.articles)
        serves = self._serves.get(intent) if intent else None
        prior = np.zeros(n, dtype=np.float32) if serves is None else float(intent_confidence) * serves
        if not n or not text:
            # No words (a topic button): the intent alone says which articles to offer.
            return t.intent_weight * prior, np.zeros(n, dtype=np.float32)

        weight = t.article_weight
        query_words = self._words.transform(text)
        word_article = self._article_words.similarity(*query_words)
        word_question = self._question_words.similarity(*query_words)
        every_article = np.arange(n)
        coarse = 0.5 * (weight * word_article + (1 - weight) * self._best_question(word_question, every_article))
        if n <= CANDIDATES:
            candidates = every_article
        else:
            candidates = np.argpartition(-(coarse + t.intent_weight * prior), CANDIDATES - 1)[:CANDIDATES]

        features, weights = self._chars.transform(text)
        dense_query = np.zeros(self._article_chars.shape[1], dtype=np.float32)
        dense_query[features] = weights
        rows = self._question_rows(candidates)
        per_question = 0.5 * (word_question[rows] + self._question_chars[rows] @ dense_query)
        article = 0.5 * (word_article[candidates] + self._article_chars[candidates] @ dense_query)
        lexical = coarse
        lexical[candidates] = weight * article + (1 - weight) * self._question_score(per_question, candidates)

        if len(candidates) > MODEL_CANDIDATES:
            closest = lexical[candidates] + t.intent_weight * prior[candidates]
            candidates = candidates[np.argpartition(-closest, MODEL_CANDIDATES - 1)[:MODEL_CANDIDATES]]
        word_evidence = self._word_evidence.similarity(*query_words)[candidates]
        log_likelihood = self._word_model.log_likelihood(word_evidence, float(query_words[1].sum()), candidates)
        char_evidence = self._char_model.evidence[candidates] @ dense_query
        log_likelihood += self._char_model.log_likelihood(char_evidence, float(weights.sum()), candidates)
        # Posterior over the candidates (a softmax); the intent shifts the prior, softly, so a
        # wrongly predicted intent can still be outvoted by the words.
        logits = TEMPERATURE * log_likelihood + t.intent_evidence * prior[candidates]
        probability = np.zeros(n, dtype=np.float32)
        probability[candidates] = np.exp(logits - logits.max())
        probability /= probability.sum()
        combined = (1 - t.question_model) * lexical + t.question_model * probability
        return combined + t.intent_weight * prior, lexical

    def search(
        self,
        text: str,
        intent: Optional[str] = None,
        intent_confidence: float = 0.0,
        entities: Iterable[str] = (),
        today: Optional[date] = None,
        limit: int = 5,
    ) -> Result:
        """Rank servable articles and decide the outcome (confident, ambiguous, nothing)."""
        today = today or clock.today()
        words = query_text(text, entities)
        combined, lexical = self.scores(words, intent, intent_confidence)
        hits: List[Hit] = []
        for index in self._ranked(combined, limit):
            article = self.articles[index]
            # Stale and unapproved articles may be in the index; they are never served.
            if article.is_servable(today):
                hits.append(Hit(article, float(combined[index]), float(lexical[index])))
                if len(hits) == limit:
                    break
        return Result(self.outcome(hits, has_words=bool(words)), tuple(hits))

    @staticmethod
    def _ranked(scores: np.ndarray, limit: int) -> Iterable[int]:
        """Indices by descending score; a partial sort first, since only the top few matter."""
        head = min(len(scores), 8 * limit)
        if head < len(scores):
            top = np.argpartition(-scores, head - 1)[:head]
            yield from top[np.argsort(-scores[top], kind="stable")]
            # Rarely needed: the head held too many unservable articles.
            rest = np.setdiff1d(np.argsort(-scores, kind="stable"), top, assume_unique=True)
            yield from rest[np.argsort(-scores[rest], kind="stable")]
        else:
            yield from np.argsort(-scores, kind="stable")

    def outcome(self, hits: Sequence[Hit], has_words: bool = True) -> Outcome:
        t = self.thresholds
        if not hits or hits[0].score < t.ambiguous:
            return Outcome.NOTHING
        if not has_words:
            # A topic button with no words of the customer's: offer that topic's articles.
            return Outcome.AMBIGUOUS
        if max(hit.lexical for hit in hits) < t.min_lexical:
            # The intent alone is not evidence that any article answers these words.
            return Outcome.NOTHING
        runner_up = hits[1].score if len(hits) > 1 else 0.0
        if hits[0].score >= t.confident and hits[0].score - runner_up >= t.margin:
            return Outcome.CONFIDENT
        return Outcome.AMBIGUOUS

    def choices(self, result: Result) -> List[Article]:
        """Articles to offer when the outcome is ambiguous: close to the best one."""
        floor = max(self.thresholds.ambiguous, result.hits[0].score - 2 * self.thresholds.margin) if result.hits else 0
        return [hit.article for hit in result.hits[: self.thresholds.max_choices] if hit.score >= floor]
