"""The words retrieval compares: an article's own text, the customer's query, and spelling correction."""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from typing import Dict, Iterable, List, Set

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from actions.knowledge.articles import Article

PAYLOAD = re.compile(r"^/\w+(\{.*\})?$")

KB_LINK = re.compile(r"\[([^\]\n]+)\]\(kb:[^)\s]*\)")
POINTER = re.compile(r"\b(see|instead)\b", re.IGNORECASE)
SENTENCE_BREAK = re.compile(r"(?<=[.?!])\s+")


def own_words(text: str) -> str:
    """``text`` without its pointers to other articles.

    A sentence that links to another article and says "see" (or "instead") is
    about that article, and so is a question right before it ("Damaged item?
    Choose 'Damaged or faulty' instead: see [damaged items](kb:...)"): one fact,
    one place, so its words would only make this article match the other
    one's questions. Other links keep their text.
    """
    lines = []
    for line in text.split("\n"):
        kept: List[str] = []
        for sentence in SENTENCE_BREAK.split(line):
            if KB_LINK.search(sentence) and POINTER.search(sentence):
                if kept and kept[-1].endswith("?"):
                    kept.pop()
                continue
            kept.append(KB_LINK.sub(r"\1", sentence))
        lines.append(" ".join(kept))
    return "\n".join(lines)


def article_text(article: Article) -> str:
    # The title says what the article is about; repeating it weighs it above the body.
    return " ".join([article.title, article.title, own_words(article.short_answer), own_words(article.body)])


def query_text(text: str, entities: Iterable[str] = ()) -> str:
    """Customer words without button payloads, plus extracted entity values."""
    words = "" if PAYLOAD.match(text.strip()) else text
    return " ".join([words, *entities]).strip()


WORD = re.compile(r"[^\W_]{2,}")  # scikit-learn's default tokens, but split at "_" as in "ERR_5003"


def deletions(word: str) -> Set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


class Speller:
    """Corrects a word the articles never use to the one they use that is one edit away.

    Symmetric deletions (as in SymSpell) find the words one insertion,
    deletion, substitution or swap away; the most frequent wins. Short words,
    numbers and codes (order numbers, error codes) are never corrected.
    """

    def __init__(self, texts: Iterable[str]) -> None:
        self.counts = Counter(word for text in texts for word in WORD.findall(text.lower()))
        self._near: Dict[str, List[str]] = {}
        for word in self.counts:
            if self.correctable(word):
                for variant in deletions(word) | {word}:
                    self._near.setdefault(variant, []).append(word)
        # Per index, bounded: a long-running action server sees endless new words.
        self.correct = lru_cache(maxsize=50_000)(self._correct)

    @staticmethod
    def correctable(word: str) -> bool:
        return len(word) >= 4 and word.isalpha()

    def _correct(self, word: str) -> str:
        if word in self.counts or not self.correctable(word):
            return word
        near = set(self._near.get(word, ()))
        for variant in deletions(word):
            near.update(self._near.get(variant, ()))
        return max(sorted(near), key=self.counts.__getitem__) if near else word


class WordAnalyzer:
    """Words and word pairs without stop words, after spelling correction (a scikit-learn analyzer)."""

    def __init__(self, speller: Speller) -> None:
        self.speller = speller

    def __call__(self, text: str) -> List[str]:
        words = [w for w in map(self.speller.correct, WORD.findall(text.lower())) if w not in ENGLISH_STOP_WORDS]
        return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]
