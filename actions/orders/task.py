"""``action_order_task``: with the order proven, do what the customer asked: its status, its refund, or
(after a yes: ``action_order_confirm``) cancelling it. The order system may refuse or be down; each
case has its own honest reply."""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.orders.facts import order_facts, status_reply
from actions.orders.form import LOCKED, UNAVAILABLE, VERIFIED
from actions.orders.shop_client import shop_backend
from core import clock
from shop.errors import NotAllowed, OrderNotFound, ShopUnavailable
from shop.orders import Order, OrderState, RefundState

logger = logging.getLogger(__name__)
CANCEL = "cancel"


def _verified_order(dispatcher: CollectingDispatcher, tracker: Tracker) -> Tuple[Optional[Order], List[EventType]]:
    """The order the customer proved is theirs, or None after telling them why there is none."""
    lookup = tracker.get_slot("order_lookup")
    if lookup == LOCKED:
        dispatcher.utter_message(response="utter_order_locked")
        return None, []
    number = tracker.get_slot("order_verified")
    order = None
    if lookup != UNAVAILABLE and number:
        try:
            order = shop_backend().find_order(number)
        except ShopUnavailable:
            logger.warning("orders: the shop backend is unavailable (conversation %s)", tracker.sender_id)
    if order is None:
        dispatcher.utter_message(response="utter_order_unavailable")
        return None, [SlotSet("order_lookup", None)]  # the next ask tries the shop again
    return order, []


def _reply(dispatcher: CollectingDispatcher, response: str, facts: Dict[str, Any]) -> List[EventType]:
    dispatcher.utter_message(response=response, **facts)
    return [SlotSet("reply_facts", facts), SlotSet("order_lookup", VERIFIED)]


def refund_reply(order: Order) -> str:
    if not order.refunds:
        return "utter_refund_none"
    return "utter_refund_issued" if order.refunds[-1].state is RefundState.ISSUED else "utter_refund_pending"


class ActionOrderTask(Action):
    def name(self) -> Text:
        return "action_order_task"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        order, events = _verified_order(dispatcher, tracker)
        if order is None:
            return events
        task = tracker.get_slot("order_task")
        if task == "refund":
            return _reply(dispatcher, refund_reply(order), order_facts(order))
        if task == CANCEL and order.can_cancel:
            return [*_reply(dispatcher, "utter_confirm_cancel", order_facts(order)), SlotSet("order_pending", CANCEL)]
        if task == CANCEL and order.state is not OrderState.CANCELLED:
            return _reply(dispatcher, "utter_cannot_cancel_dispatched", order_facts(order))
        return _reply(dispatcher, *status_reply(order, clock.today()))


class ActionOrderConfirm(Action):
    """A yes to the change ``action_order_task`` offered; a yes to nothing just moves on."""

    def name(self) -> Text:
        return "action_order_confirm"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        if tracker.get_slot("order_pending") != CANCEL or not tracker.get_slot("order_verified"):
            dispatcher.utter_message(response="utter_anything_else")
            return []
        done = [SlotSet("order_pending", None)]
        try:
            order = shop_backend().cancel_order(tracker.get_slot("order_verified"))
        except NotAllowed:
            # Shipped since the customer was asked: say so rather than pretend.
            facts = tracker.get_slot("reply_facts") or {}
            return [*done, *_reply(dispatcher, "utter_cannot_cancel_dispatched", facts)]
        except (ShopUnavailable, OrderNotFound):
            logger.warning("orders: cancelling failed, the shop is unavailable (conversation %s)", tracker.sender_id)
            dispatcher.utter_message(response="utter_order_unavailable")
            return done
        return [*done, *_reply(dispatcher, "utter_order_cancel_done", order_facts(order))]


class ActionOrderDecline(Action):
    def name(self) -> Text:
        return "action_order_decline"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        if tracker.get_slot("order_pending"):
            dispatcher.utter_message(response="utter_order_kept", **(tracker.get_slot("reply_facts") or {}))
            return [SlotSet("order_pending", None)]
        dispatcher.utter_message(response="utter_anything_else")
        return []
