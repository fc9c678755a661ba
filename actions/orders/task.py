"""``action_order_task``: with the order proven, do what the customer asked (its status, for now)."""

from __future__ import annotations

import logging
from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.orders.facts import status_reply
from actions.orders.form import LOCKED, UNAVAILABLE, VERIFIED
from actions.orders.shop_client import shop_backend
from core import clock
from shop.errors import ShopUnavailable

logger = logging.getLogger(__name__)


class ActionOrderTask(Action):
    def name(self) -> Text:
        return "action_order_task"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        lookup = tracker.get_slot("order_lookup")
        if lookup == LOCKED:
            dispatcher.utter_message(response="utter_order_locked")
            return []
        number = tracker.get_slot("order_verified")
        if lookup == UNAVAILABLE or not number:
            dispatcher.utter_message(response="utter_order_unavailable")
            return [SlotSet("order_lookup", None)]  # the next ask tries the shop again
        try:
            order = shop_backend().find_order(number)
        except ShopUnavailable:
            logger.warning("orders: the shop backend is unavailable (conversation %s)", tracker.sender_id)
            order = None
        if order is None:
            dispatcher.utter_message(response="utter_order_unavailable")
            return [SlotSet("order_lookup", None)]
        response, facts = status_reply(order, clock.today())
        dispatcher.utter_message(response=response, **facts)
        return [SlotSet("reply_facts", facts), SlotSet("order_lookup", VERIFIED)]
