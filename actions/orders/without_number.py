"""``action_order_without_number``: the customer has no order number at hand, so the question that
started the lookup is answered from the knowledge base instead (where to find the number, how to
track an order when signed in)."""

from __future__ import annotations

from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.dialogue import message_that_started
from actions.knowledge_base import answer

FORM = "order_form"


class ActionOrderWithoutNumber(Action):
    def name(self) -> Text:
        return "action_order_without_number"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        question = message_that_started(tracker, FORM) or tracker.latest_message
        return [SlotSet("order_number", None), *answer(dispatcher, tracker, domain, question)]
