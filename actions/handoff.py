"""Hand the conversation to a person, recording why in the tracker.

This is the foundation's handoff: it records ``handoff_reason`` and the
``queue`` and tells the customer. The escalation policy and the live-agent
connectors build on these slots.
"""

from __future__ import annotations

from typing import List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.attempts import REPEATED_FAILURE

SECURITY_INTENTS = {"account_takeover", "unauthorized_charge"}


def handoff_reason(tracker: Tracker) -> str:
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    if intent in SECURITY_INTENTS:
        return "security_risk"
    if intent == "request_human":
        return "customer_request"
    if tracker.get_slot("handoff_reason") == REPEATED_FAILURE:
        return REPEATED_FAILURE
    return "customer_request"


def handoff_queue(tracker: Tracker, reason: str) -> Optional[str]:
    if reason == "security_risk":
        return "security"
    return next(tracker.get_latest_entity_values("queue"), None) or "general"


class ActionHandoff(Action):
    def name(self) -> str:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        reason = handoff_reason(tracker)
        response = "utter_handoff_repeated_failure" if reason == REPEATED_FAILURE else "utter_handoff"
        dispatcher.utter_message(response=response)
        return [SlotSet("handoff_reason", reason), SlotSet("queue", handoff_queue(tracker, reason))]
