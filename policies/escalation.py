"""EscalationPolicy: hand off early and on purpose, with one reason the tracker records.

Rasa has one global fallback threshold and no per-intent rules; support teams
need risk tiers, phrase overrides, frustration, customer tiers and a limit on
failed attempts. The rules live in ``data/escalation.yml``
(policies/escalation_rules.py), are validated at training time against the
domain, and are persisted in the model, so a deployed model behaves exactly as
it was trained.

When it escalates, the policy predicts ``action_handoff`` with confidence 1
(its priority is above RulePolicy's) and, only if it wins, sets the slots
``handoff_reason``, ``handoff_priority``, ``queue`` and ``handoff_explanation``
before the action runs. Prediction is pure: regular expressions, a VADER
lexicon lookup and arithmetic on the (sliced) tracker; no I/O.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from policies.escalation_rules import Decision, Rules, Turn, decide, load_rules, parse_rules, sentiment

HANDOFF_ACTION = "action_handoff"
RULES_FILE = "rules.json"
# Actions that count a failed attempt; after them the policy checks the limit.
FAILURE_ACTIONS = {"action_not_helpful", "action_clarify", "action_answer_from_kb"}
REQUIRED_SLOTS = ("handoff_reason", "handoff_priority", "queue", "handoff_explanation", "failed_attempts")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True)
class EscalationPolicy(Policy):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # Above RulePolicy (4): an escalation overrides the rule that would answer.
            "priority": 5,
            # The designers' rules, relative to the project root.
            "rules_file": "data/escalation.yml",
        }

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        rules: Optional[Rules] = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(config, model_storage, resource, execution_context, **kwargs)
        self.rules = rules

    def train(self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        """Validate the rules against the domain and persist them with the model."""
        missing = [slot for slot in REQUIRED_SLOTS if slot not in domain.as_dict().get("slots", {})]
        if HANDOFF_ACTION not in domain.action_names_or_texts or missing:
            raise ValueError(f"EscalationPolicy needs the action '{HANDOFF_ACTION}' and the slots {missing} in domain.yml")
        self.rules = load_rules(Path(self.config["rules_file"]), set(domain.intents))
        with self._model_storage.write_to(self._resource) as directory:
            (Path(directory) / RULES_FILE).write_text(json.dumps(self.rules.source))
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> EscalationPolicy:
        with model_storage.read_from(resource) as directory:
            raw = json.loads((Path(directory) / RULES_FILE).read_text())
        # Intents were checked at training time against the domain this model carries.
        known = set(raw.get("intents", {})) | {i for t in (raw.get("tiers") or {}).values() for i in t["handoff_intents"]}
        return cls(config, model_storage, resource, execution_context, rules=parse_rules(raw, known, config["rules_file"]))

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Optional[Dict[Text, Any]] = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        if self.rules is None or tracker.latest_action_name == HANDOFF_ACTION:
            return self._prediction(probabilities)
        decision = decide(self.rules, turn_of(tracker))
        if decision is None:
            return self._prediction(probabilities)
        probabilities[domain.index_for_action(HANDOFF_ACTION)] = 1.0
        return self._prediction(probabilities, optional_events=decision_events(decision))


def decision_events(decision: Decision) -> List[SlotSet]:
    return [
        SlotSet("handoff_reason", decision.reason),
        SlotSet("handoff_priority", decision.priority),
        SlotSet("queue", decision.queue),
        SlotSet("handoff_explanation", decision.explanation),
    ]


def turn_of(tracker: DialogueStateTracker) -> Turn:
    """The facts the decision needs, read backwards from the end of the tracker.

    Only the latest two user turns matter, so the walk stops there and the
    cost does not grow with the conversation (no full-history replay).
    """
    latest: Optional[UserUttered] = None
    previous: Optional[UserUttered] = None
    failure_slot = failure_action = False
    tier: Optional[str] = None
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            tier = tier or metadata_tier(event)
            if latest is None:
                latest = event
            else:
                previous = event
                break
        elif latest is None:
            failure_slot = failure_slot or (isinstance(event, SlotSet) and event.key == "failed_attempts")
            failure_action = failure_action or (isinstance(event, ActionExecuted) and event.action_name in FAILURE_ACTIONS)
    if latest is None:
        return Turn(at_user_message=tracker.latest_action_name == "action_listen")

    text = latest.text or ""
    intent = latest.intent.get("name")
    ranking = [(r.get("name"), float(r.get("confidence") or 0.0)) for r in latest.parse_data.get("intent_ranking") or []]
    if intent == "nlu_fallback":
        ranking = [r for r in ranking if r[0] != "nlu_fallback"]
    return Turn(
        text=text,
        intent=intent,
        confidence=float(latest.intent.get("confidence") or 0.0),
        ranking=ranking,
        tier=tier,
        at_user_message=tracker.latest_action_name == "action_listen",
        failed_attempts=int(tracker.get_slot("failed_attempts") or 0),
        failure_recorded_this_turn=failure_slot and failure_action,
        previous_intent=previous.intent.get("name") if previous else None,
        sentiment=sentiment(text) if text and not text.startswith("/") else 0.0,
        requested_queue=next((e.get("value") for e in latest.entities or [] if e.get("entity") == "queue"), None),
    )


def metadata_tier(event: UserUttered) -> Optional[str]:
    """The customer tier the channel reported with this message, if any."""
    tier = (event.metadata or {}).get("customer_tier")
    return tier.lower() if isinstance(tier, str) and tier else None
