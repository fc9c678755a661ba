"""Tests of the handoff packet (core/packet/), on trackers as the escalation policy leaves them."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, Mapping, Optional, Sequence

from actions.knowledge.articles import known_intents
from core.escalation.loading import load_rules
from core.escalation.record import decision_record
from core.escalation.rules import Rules
from core.escalation.signals import urgent_sentences
from core.escalation.turn import Decision
from scripts.stack import ROOT


@lru_cache(maxsize=1)
def project_rules() -> Rules:
    return load_rules(ROOT / "data" / "escalation.yml", known_intents(ROOT / "domain.yml"))


def recorded(
    reason: str,
    priority: str,
    queue: str,
    explanation: str,
    typed: Sequence[str] = (),
    risk: Optional[Mapping[str, Any]] = None,
    tier: Optional[str] = None,
) -> Dict[str, Any]:
    """The ``handoff_decision`` slot as the escalation policy sets it with the project's rules, its urgent
    sentences taken from the customer's ``typed`` messages."""
    rules = project_rules()
    return decision_record(
        Decision(reason, priority, queue, explanation, risk=risk),
        tier=tier,
        failed_attempts=0,
        failed_attempt_limit=rules.failed_attempt_limit_for(tier),
        urgent_words=urgent_sentences(rules, typed),
        rules_fingerprint=rules.fingerprint,
    )
