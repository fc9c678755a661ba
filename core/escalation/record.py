"""The escalation decision as the tracker records it: all the action server needs, so it never reads the rules.

The escalation policy (policies/escalation.py) decides with the rules saved in its model, and
records the decision in the slot ``handoff_decision`` with every handoff: reason, priority, queue,
explanation, risk, the customer's tier, the failed attempts and the limit they were held to, the
customer's urgent sentences, and the rules' fingerprint. ``action_handoff`` builds the packet from
that record alone, so the packet, its queue and its priority agree with the decision even when
data/escalation.yml was edited after training: one source of truth, the model's rules.

Before each action the policy also records ``handoff_at_next_failure``: whether one more failed
attempt recorded now brings in a person, so the action that records it stays silent instead of
apologising just before the handoff. The limit and the tier are read, and the count checked, once.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Sequence

from core.escalation.turn import Decision

DECISION_SLOT = "handoff_decision"
NEXT_FAILURE_SLOT = "handoff_at_next_failure"


def decision_record(
    decision: Decision,
    *,
    tier: Optional[str],
    failed_attempts: int,
    failed_attempt_limit: int,
    urgent_words: Sequence[str],
    rules_fingerprint: str,
) -> Dict[str, Any]:
    """The JSON the policy puts in the ``handoff_decision`` slot (the packet reads it: core/packet/build.py)."""
    return {
        "reason": decision.reason,
        "priority": decision.priority,
        "queue": decision.queue,
        "explanation": decision.explanation,
        "risk": dict(decision.risk) if decision.risk else None,
        "tier": tier,
        "failed_attempts": failed_attempts,
        "failed_attempt_limit": failed_attempt_limit,
        "urgent_words": list(urgent_words),
        "rules": rules_fingerprint,
        "reply": decision.reply,
    }
