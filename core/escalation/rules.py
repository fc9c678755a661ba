"""The escalation rules (data/escalation.yml) as typed values, and the names the decision shares with its readers.

Built by :mod:`core.escalation.loading`; read by the decision (:mod:`core.escalation.decide`)
in the escalation policy only: the action server works from the decision the policy records
(:mod:`core.escalation.record`), never from the rules.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Mapping, Optional, Tuple

from core.escalation.risk_catalogue import Catalogue
from core.yaml_schema import RulesFileError

# The reasons escalation.yml itself defines; each risk of the catalogue (data/risks.yml) adds its own.
BASE_REASONS = (
    "customer_request",
    "repeated_failure",
    "frustration",
    "low_confidence_high_risk",
    "vip",
    "policy_boundary",
)
HUMAN_REQUEST_INTENT = "request_human"
# After an `assist` intent, these replies are not "the details": the customer is
# reading the answer (more, solved, thanks) or the failure count handles it.
NOT_DETAILS_INTENTS = {"tell_me_more", "problem_solved", "not_helpful", "thanks", "goodbye", "greet"}
# The bot counts as unsure on nlu_fallback (FallbackClassifier, 0.69 in config.yml) or below this
# confidence; a reading of an unsure message must reach it to be taken as what the customer meant
# (chat after a clarification, a complaint whose details follow).
UNSURE_BELOW = 0.45
# ... and then a high-risk reading this likely is enough to bring in a person.
RISKY_READING_AT_LEAST = 0.25
# ... unless a small-talk reading is about as likely (within this): then the
# message is as likely "thanks bye" as a report of a problem.
AS_LIKELY_WITHIN = 0.1
FALLBACK_INTENT = "nlu_fallback"
OFF_TOPIC_INTENT = "out_of_scope"
CLARIFY_ACTION = "action_clarify"
# Readings that say nothing about what the customer needs help with.
SMALL_TALK_INTENTS = {"greet", "goodbye", "restart", "thanks", "affirm", "deny", "bot_challenge", "chitchat", "out_of_scope"}
# Readings of a customer who is chatting (thanking, agreeing, praising, joking), not asking for help:
# an unsure message read this way is not a failed attempt.
CHAT_INTENTS = {"greet", "goodbye", "thanks", "affirm", "bot_challenge", "chitchat", "feedback"}
# Intents about the conversation itself rather than a support topic.
CONVERSATION_INTENTS = SMALL_TALK_INTENTS | {
    HUMAN_REQUEST_INTENT,
    "tell_me_more",
    "problem_solved",
    "not_helpful",
    FALLBACK_INTENT,
}


EscalationRulesError = RulesFileError


@dataclass(frozen=True)
class IntentRule:
    risk: str
    min_confidence: float
    automation: str
    reason: Optional[str] = None
    queue: Optional[str] = None

    @property
    def handoff_reason(self) -> str:
        """The reason code of an `assist` or `human` intent's handoff, which the loader requires."""
        if self.reason is None:
            raise EscalationRulesError("escalation rules", "reason", f"automation '{self.automation}' needs a reason code")
        return self.reason


@dataclass(frozen=True)
class Tier:
    frustration_threshold: float
    failed_attempt_limit: int
    priority: str
    handoff_intents: frozenset


@dataclass(frozen=True)
class Frustration:
    threshold: float
    negative_below: float
    negative_weight: float
    caps_min_letters: int
    caps_weight: float
    exclamation_run: int
    exclamation_weight: float
    swear_words: frozenset
    swear_weight: float
    repeated_patterns: Tuple[re.Pattern, ...]
    repeated_weight: float


@dataclass(frozen=True)
class FailureCounts:
    """What the policy counts as failed attempts besides what the actions record.

    The actions record a clarification that fails after a rephrase, "that didn't
    help" and nothing found in the knowledge base. The policy also sees, from
    the conversation, what no single action can: each weight is how many
    failed attempts the event counts as (0 turns it off).
    """

    not_helpful: int = 0  # "that's not it" right after an answer, even when NLU is unsure of it
    came_back: int = 0  # right after an answer: the same intent again, or a `came_back_patterns` phrase
    reopened: int = 0  # ... right after the customer said it was solved: the answer did not hold
    unclear_twice: int = 0  # the reply to a clarifying question is unclear as well
    unintelligible: int = 0  # a message that resembles nothing the bot knows (policies/risk_detector.py)
    off_topic: int = 0  # a request the shop's bot cannot help with (out_of_scope)
    came_back_patterns: Tuple[re.Pattern, ...] = ()


@dataclass(frozen=True)
class ReasonRule:
    priority: str
    queue: str
    explanation: str


@dataclass(frozen=True)
class Rules:
    defaults: IntentRule
    intents: Mapping[str, IntentRule]
    catalogue: Catalogue
    frustration: Frustration
    tiers: Mapping[str, Tier]
    failed_attempt_limit: int
    reasons: Mapping[str, ReasonRule]
    source: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    failures: FailureCounts = FailureCounts()

    def for_intent(self, intent: Optional[str]) -> IntentRule:
        return self.intents.get(intent or "", self.defaults)

    def failed_attempt_limit_for(self, tier: Optional[str]) -> int:
        """Failed attempts before a person takes over: the customer tier's limit, else the rules' own."""
        own = self.tiers.get(tier or "")
        return own.failed_attempt_limit if own is not None else self.failed_attempt_limit

    @property
    def queues(self) -> Tuple[str, ...]:
        """The teams of the risk catalogue (data/risks.yml): a handoff's queue is one of them."""
        return tuple(self.catalogue.teams)

    @cached_property
    def fingerprint(self) -> str:
        """sha256 of the rules as a model saves them: which rules a recorded decision was taken with."""
        return hashlib.sha256(json.dumps(self.source, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()
