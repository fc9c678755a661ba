"""VADER sentiment, shared by the intent classifier and the escalation policy.

The analyzer reads its lexicon from the vaderSentiment wheel, so it is built on
first use (never at import) and then kept: one per process.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Dict


@lru_cache(maxsize=1)
def analyzer():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def polarity(text: str) -> Dict[str, float]:
    """VADER's scores: neg, neu, pos (shares of the text) and compound (-1 very negative .. 1 very positive)."""
    return analyzer().polarity_scores(text)
