"""The customer's mood as the escalation rules measure it: sentiment and the frustration signals.

Shared by the decision and the handoff packet, so the agent sees the signals the policy acted on.
"""

from __future__ import annotations

import re
from typing import Dict

from core.escalation.rules import Frustration
from core.sentiment import polarity


def sentiment(text: str) -> float:
    """VADER compound score (-1 very negative .. 1 very positive)."""
    return float(polarity(text)["compound"]) if text else 0.0


def frustration_signals(rules: Frustration, text: str, compound: float) -> Dict[str, float]:
    """Each frustration signal present in ``text`` with its weight."""
    found: Dict[str, float] = {}
    if compound <= rules.negative_below:
        found["negative sentiment"] = rules.negative_weight
    letters = [c for c in text if c.isalpha()]
    if len(letters) >= rules.caps_min_letters and all(c.isupper() for c in letters):
        found["all caps"] = rules.caps_weight
    if "!" * rules.exclamation_run in text:
        found["repeated exclamation marks"] = rules.exclamation_weight
    words = set(re.findall(r"[a-z']+", text.lower()))
    if words & rules.swear_words:
        found["swearing"] = rules.swear_weight
    if any(p.search(text) for p in rules.repeated_patterns):
        found["repeated contact"] = rules.repeated_weight
    return found
