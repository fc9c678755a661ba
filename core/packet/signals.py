"""How the customer feels and what they said that made it urgent, with the escalation policy's own measures.

The agent should see the same signals the policy acted on, so sentiment is
the policy's VADER compound score and urgent sentences are the ones that
match a risk keyword of ``data/risks.yml`` or a frustration signal of
``data/escalation.yml`` (the sentence a risk was found in by meaning is the
packet's ``risk.evidence``).
Mildly negative wording alone ("payment failed" scores -0.51) is not urgent:
a sentence whose only signal is negative sentiment must be strongly negative
(``STRONGLY_NEGATIVE``). Button clicks carry no words and are skipped, as the
policy skips them.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Sequence

from core.escalation.rules import Rules
from core.escalation.signals import frustration_signals, sentiment
from core.packet.conversation import CustomerTurn

WORSENING, IMPROVING, STEADY = "worsening", "improving", "steady"
# The latest message must differ this much from the average of the earlier
# ones to count as a change of mood; VADER moves ~0.3-0.5 between a neutral
# and a clearly unhappy sentence.
TREND_DELTA = 0.25
# A sentence with its closing punctuation ("WHERE IS IT!!!" keeps its "!!!").
# "I am furious" scores about -0.77; "payment failed" -0.51.
STRONGLY_NEGATIVE = -0.7
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")


def trend(scores: Sequence[float]) -> str:
    """The latest score against the mean of the earlier ones; one message has no trend."""
    if len(scores) < 2:
        return STEADY
    earlier = sum(scores[:-1]) / (len(scores) - 1)
    change = scores[-1] - earlier
    if change <= -TREND_DELTA:
        return WORSENING
    if change >= TREND_DELTA:
        return IMPROVING
    return STEADY


def sentiment_of(turns: Sequence[CustomerTurn]) -> Dict[str, Any]:
    scores = [round(sentiment(t.text), 4) for t in turns if t.typed]
    return {"scores": scores, "trend": trend(scores), "latest": scores[-1] if scores else None}


def _urgent(rules: Rules, text: str) -> bool:
    if any(risk.keyword_in(text) for risk in rules.catalogue.risks):
        return True
    compound = sentiment(text)
    signals = frustration_signals(rules.frustration, text, compound)
    return any(name != "negative sentiment" for name in signals) or compound <= STRONGLY_NEGATIVE


def urgent_sentences(rules: Rules, turns: Sequence[CustomerTurn]) -> List[str]:
    """The customer's sentences, verbatim, that match a risk keyword or a frustration signal (not yet redacted).

    Patterns may span sentences ("orders ... I never placed"): when the whole
    message matches but no single sentence does, the whole message is kept.
    """
    found: List[str] = []
    for turn in turns:
        if not turn.typed:
            continue
        sentences = [s.strip() for s in _SENTENCE.findall(turn.text) if s.strip()]
        matched = [s for s in sentences if _urgent(rules, s)]
        if not matched and _urgent(rules, turn.text):
            matched = [turn.text.strip()]
        for sentence in matched:
            if sentence not in found:
                found.append(sentence)
    return found
