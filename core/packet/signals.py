"""How the customer feels, with the escalation policy's own measure (VADER's compound score).

The agent should see the sentiment the policy acted on. What made the conversation urgent
(sentences matching a risk keyword or a frustration signal) is not measured here: the policy
records it with its decision (core/escalation/signals.py), so the packet never needs the rules.
Button clicks carry no words and are skipped, as the policy skips them.
"""

from __future__ import annotations

from typing import Any, Dict, Sequence

from core.escalation.signals import sentiment
from core.packet.conversation import CustomerTurn

WORSENING, IMPROVING, STEADY = "worsening", "improving", "steady"
# The latest message must differ this much from the average of the earlier
# ones to count as a change of mood; VADER moves ~0.3-0.5 between a neutral
# and a clearly unhappy sentence.
TREND_DELTA = 0.25


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
