"""The customer's mood as the escalation rules measure it: sentiment, the frustration signals and urgent sentences.

Shared by the decision and the handoff packet, so the agent sees the signals the policy acted on.
"""

from __future__ import annotations

import re
from typing import Dict, List, Sequence

from core.escalation.rules import Frustration, Rules
from core.sentiment import polarity

# Mildly negative wording alone ("payment failed" scores -0.51) is not urgent: a sentence whose only
# signal is negative sentiment must be strongly negative ("I am furious" scores about -0.77).
STRONGLY_NEGATIVE = -0.7
# A sentence with its closing punctuation ("WHERE IS IT!!!" keeps its "!!!").
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")


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


def _urgent(rules: Rules, text: str) -> bool:
    if any(risk.keyword_in(text) for risk in rules.catalogue.risks):
        return True
    compound = sentiment(text)
    signals = frustration_signals(rules.frustration, text, compound)
    return any(name != "negative sentiment" for name in signals) or compound <= STRONGLY_NEGATIVE


def urgent_sentences(rules: Rules, texts: Sequence[str]) -> List[str]:
    """The sentences of the customer's typed messages, verbatim, that match a risk keyword or a frustration signal.

    The policy records them with its decision and the packet shows them (``urgent_words``; the sentence
    a risk was found in by meaning is the packet's ``risk.evidence``). Patterns may span sentences
    ("orders ... I never placed"): when the whole message matches but no single sentence does, the
    whole message is kept. Not redacted: the packet redacts what it copies.
    """
    found: List[str] = []
    for text in texts:
        sentences = [s.strip() for s in _SENTENCE.findall(text) if s.strip()]
        matched = [s for s in sentences if _urgent(rules, s)]
        if not matched and _urgent(rules, text):
            matched = [text.strip()]
        for sentence in matched:
            if sentence not in found:
                found.append(sentence)
    return found
