"""EscalationPolicy: hand off early and on purpose, with one reason the tracker records.

Rasa has one global fallback threshold and no per-intent rules; support teams
need risk tiers, phrase overrides, frustration, customer tiers and a limit on
failed attempts. The rules live in ``data/escalation.yml``
(core/escalation/), are validated at training time against the
domain, and are persisted in the model, so a deployed model behaves exactly as
it was trained.

When it escalates, the policy predicts ``action_handoff`` with confidence 1
(its priority is above RulePolicy's) and, only if it wins, sets the slots
``handoff_reason``, ``handoff_priority``, ``queue`` and ``handoff_explanation``
before the action runs; for a risk of the catalogue (data/risks.yml) also
``handoff_risk``: the risk, its team, why, and the customer's sentence that
showed it (found by policies/risk_detector.py in the NLU pipeline). With them,
``handoff_decision``: the whole decision with the customer's tier, the failed
attempts and their limit, the customer's urgent sentences and the rules'
fingerprint (core/escalation/record.py), from which the action server builds the
packet without reading the rules. Before every other action it records in
``handoff_at_next_failure`` whether one more failed attempt would hand off, so
the action that records one knows to stay silent. Prediction is pure: regular
expressions, a VADER lexicon lookup and arithmetic on the (sliced) tracker; no
I/O. Only at a handoff does it read the whole conversation (the urgent sentences).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Optional, Text, Tuple

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActiveLoop,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker
from rasa_sdk import Tracker as ActionServerTracker

from core.escalation.decide import decide, hands_off_at_next_failure
from core.escalation.loading import load_rules, parse_rules
from core.escalation.record import DECISION_SLOT, NEXT_FAILURE_SLOT, decision_record
from core.escalation.risk_catalogue import RISKS_KEY, UNINTELLIGIBLE_KEY
from core.escalation.rules import FALLBACK_INTENT, Rules
from core.escalation.signals import sentiment, urgent_sentences
from core.escalation.turn import Decision, Exchange, Turn
from core.packet.conversation import read_conversation

HANDOFF_ACTION = "action_handoff"
# Set by an action that needs a person ({"reason", "evidence"}); the policy decides, with its rules.
REQUEST_SLOT = "escalation_request"
RULES_FILE = "rules.json"
# Actions that count a failed attempt; after them the policy checks the limit.
FAILURE_ACTIONS = {"action_not_helpful", "action_clarify", "action_answer_from_kb"}
REQUIRED_SLOTS = (
    "handoff_reason",
    "handoff_priority",
    "queue",
    "handoff_explanation",
    "failed_attempts",
    "handoff_risk",
    DECISION_SLOT,
    NEXT_FAILURE_SLOT,
)
# Customer messages before the latest that the decision looks at: failed attempts
# "in a row" and "right after an answer" need a few, and a bound keeps the cost
# flat however long the conversation gets.
EARLIER_MESSAGES = 5


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
        return cls(config, model_storage, resource, execution_context, rules=parse_rules(raw, None, config["rules_file"]))

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
        turn = turn_of(tracker, frozenset(domain.form_names))
        decision = decide(self.rules, turn)
        if decision is None:
            # Whichever policy wins, the action that may run next learns whether a failure hands off.
            at_next_failure = hands_off_at_next_failure(self.rules, turn)
            unchanged = bool(tracker.get_slot(NEXT_FAILURE_SLOT)) == at_next_failure
            return self._prediction(probabilities, events=[] if unchanged else [SlotSet(NEXT_FAILURE_SLOT, at_next_failure)])
        probabilities[domain.index_for_action(HANDOFF_ACTION)] = 1.0
        record = decision_record(
            decision,
            tier=turn.tier,
            failed_attempts=decision.failed_attempts if decision.failed_attempts is not None else turn.failed_attempts,
            failed_attempt_limit=self.rules.failed_attempt_limit_for(turn.tier),
            urgent_words=urgent_sentences(self.rules, customer_texts(tracker)),
            rules_fingerprint=self.rules.fingerprint,
        )
        return self._prediction(probabilities, optional_events=decision_events(decision, record))


def customer_texts(tracker: DialogueStateTracker) -> List[str]:
    """The customer's typed messages as the action server reads the conversation (core/packet/conversation.py),
    so the urgent sentences the decision records are those of the conversation the packet shows."""
    events = [event.as_dict() for event in tracker.events]
    conversation = read_conversation(ActionServerTracker.from_dict({"sender_id": tracker.sender_id, "events": events}))
    return [turn.text for turn in conversation.typed_turns()]


def decision_events(decision: Decision, record: Dict[str, Any]) -> List[SlotSet]:
    events = [
        SlotSet("handoff_reason", decision.reason),
        SlotSet("handoff_priority", decision.priority),
        SlotSet("queue", decision.queue),
        SlotSet("handoff_explanation", decision.explanation),
    ]
    # Every handoff sets it, so a risk of an earlier handoff never shows on a later one.
    events.append(SlotSet("handoff_risk", dict(decision.risk) if decision.risk else None))
    events.append(SlotSet(DECISION_SLOT, record))
    if decision.failed_attempts is not None:
        # Failed attempts the conversation showed but no action recorded: the slot says the count that led here.
        events.append(SlotSet("failed_attempts", float(decision.failed_attempts)))
    return events


def readings_of(message: UserUttered) -> List[Tuple[str, float]]:
    """NLU's ranking of a message, without nlu_fallback."""
    ranking = [(r.get("name"), float(r.get("confidence") or 0.0)) for r in message.parse_data.get("intent_ranking") or []]
    return [r for r in ranking if r[0] != FALLBACK_INTENT]


def turn_of(tracker: DialogueStateTracker, forms: FrozenSet[str] = frozenset()) -> Turn:
    """The facts the decision needs, read backwards from the end of the tracker.

    Only the latest few user messages matter (EARLIER_MESSAGES before the
    latest, within this session), so the walk stops there and the cost does
    not grow with the conversation (no full-history replay). ``forms``: the
    domain's forms, whose questions a message may answer.
    """
    # Newest first: message, actions, failed_attempts values, whether it answered a form's question.
    messages: List[Tuple[UserUttered, List[str], List[Any], bool]] = []
    actions: List[str] = []
    counts: List[Any] = []
    rejected = started = False  # a form turned the message down / the message started a form
    latest_rejected = False
    requested: Optional[Dict[str, Any]] = None
    tier: Optional[str] = None
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            if len(messages) < 2:
                tier = tier or metadata_tier(event)
            answered = not rejected and not started and any(action in forms for action in actions)
            latest_rejected = latest_rejected if messages else rejected
            messages.append((event, actions[::-1], counts[::-1], answered))
            actions, counts, rejected, started = [], [], False, False
            if len(messages) > EARLIER_MESSAGES:
                break
        elif isinstance(event, ActionExecuted):
            if event.action_name and event.action_name != "action_listen":
                actions.append(event.action_name)
        elif isinstance(event, SlotSet) and event.key == "failed_attempts":
            counts.append(event.value)
        elif isinstance(event, SlotSet) and event.key == REQUEST_SLOT and not messages and requested is None:
            requested = event.value if isinstance(event.value, dict) else None
        elif isinstance(event, ActionExecutionRejected) and event.action_name in forms:
            rejected = True
        elif isinstance(event, ActiveLoop) and event.name in forms:
            started = True
        elif isinstance(event, (SessionStarted, Restarted)):
            break
    if not messages:
        return Turn(at_user_message=tracker.latest_action_name == "action_listen", requested=requested)

    latest, latest_actions, latest_counts, _ = messages[0]
    earlier = tuple(
        Exchange(
            text=message.text or "",
            intent=message.intent.get("name"),
            confidence=float(message.intent.get("confidence") or 0.0),
            readings=tuple(readings_of(message)[:2]),
            actions=tuple(bot_actions),
            recorded=sum(1 for value in values if value),
            reset=any(not value for value in values),
            unintelligible=bool(message.parse_data.get(UNINTELLIGIBLE_KEY)),
            answered_form=answered,
        )
        for message, bot_actions, values, answered in reversed(messages[1:])
    )
    text = latest.text or ""
    intent = latest.intent.get("name")
    ranking = [(r.get("name"), float(r.get("confidence") or 0.0)) for r in latest.parse_data.get("intent_ranking") or []]
    if intent == FALLBACK_INTENT:
        ranking = [r for r in ranking if r[0] != FALLBACK_INTENT]
    recorded = sum(1 for value in latest_counts if value)
    return Turn(
        text=text,
        intent=intent,
        confidence=float(latest.intent.get("confidence") or 0.0),
        ranking=ranking,
        tier=tier,
        at_user_message=tracker.latest_action_name == "action_listen",
        failed_attempts=int(tracker.get_slot("failed_attempts") or 0),
        failure_recorded_this_turn=recorded > 0 and any(a in FAILURE_ACTIONS for a in latest_actions),
        previous_intent=earlier[-1].intent if earlier else None,
        sentiment=sentiment(text) if text and not text.startswith("/") else 0.0,
        requested_queue=next((e.get("value") for e in latest.entities or [] if e.get("entity") == "queue"), None),
        earlier=earlier,
        recorded_this_turn=recorded,
        risks=tuple(r for r in latest.parse_data.get(RISKS_KEY) or [] if isinstance(r, dict)),
        unintelligible=bool(latest.parse_data.get(UNINTELLIGIBLE_KEY)),
        # Asked before this message, and not turned down since (then it is read as any other).
        answering_form=(
            tracker.active_loop_name in forms and tracker.get_slot("requested_slot") is not None and not latest_rejected
        ),
        requested=requested,
    )


def metadata_tier(event: UserUttered) -> Optional[str]:
    """The customer tier the channel reported with this message, if any."""
    tier = (event.metadata or {}).get("customer_tier")
    return tier.lower() if isinstance(tier, str) and tier else None
