"""Hand the conversation to a person, saying why in the customer's terms.

The escalation policy (policies/escalation.py) decides and sets
``handoff_reason``, ``handoff_priority``, ``queue`` and ``handoff_explanation``
before this action runs. A handoff that reaches this action some other way
(a designer's rule or story) is a customer request. The message is
``utter_handoff_<reason>`` when the domain has one, else ``utter_handoff``.
"""

from __future__ import annotations

from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

DEFAULT_REASON = "customer_request"


def decided_this_turn(tracker: Tracker) -> bool:
    """Whether the policy set handoff_reason after the customer's latest message."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "slot" and event.get("name") == "handoff_reason":
            return True
    return False


class ActionHandoff(Action):
    def name(self) -> Text:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        events: List[EventType] = []
        reason = tracker.get_slot("handoff_reason") if decided_this_turn(tracker) else None
        if not reason:
            reason = DEFAULT_REASON
            queue = next(tracker.get_latest_entity_values("queue"), None) or "general"
            events = [SlotSet("handoff_reason", reason), SlotSet("queue", queue)]
        response = f"utter_handoff_{reason}"
        dispatcher.utter_message(response=response if response in domain.get("responses", {}) else "utter_handoff")
        return events
