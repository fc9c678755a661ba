"""Hand the conversation to a person, with everything they need, and take it back.

The escalation policy (policies/escalation.py) decides, and records its decision in the
slot ``handoff_decision`` (core/escalation/record.py) with ``handoff_reason``,
``handoff_priority``, ``queue`` and ``handoff_explanation``, before ``action_handoff``
runs. This action works from that record alone and never reads the escalation rules,
so what it queues agrees with the decision even after data/escalation.yml was edited
without retraining. A handoff that reaches this action without a decision (a
designer's rule or story) is a customer request, to the team the customer picked.

``action_handoff`` builds the handoff packet (core/packet/), stores the handoff
and its delivery in one transaction (core/handoff/store.py: the Rasa server's
dispatcher delivers it to the live-chat tool), tells the customer why and how long
the wait is, honestly (queue position and expected wait, or when the team is back),
and pauses the conversation: from then on the relay in the channel layer carries
the customer's messages to the person.

``action_handback`` runs when the person hands the conversation back (the relay
executes it); ``action_record_satisfaction`` stores the customer's rating.

The domain must hold ``utter_handoff`` (and optionally ``utter_handoff_<reason>``),
``utter_handoff_wait``, ``utter_handoff_open_no_agent``, ``utter_handoff_closed_<today|tomorrow|later|unknown>``,
``utter_offer_email_followup``, ``utter_handoff_unavailable``, ``utter_handback``,
``utter_ask_satisfaction`` and ``utter_thanks_for_rating``.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from functools import lru_cache
from typing import Any, Dict, List, Mapping, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, ConversationPaused, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.attempts import reset_failures
from core import clock
from core.escalation.record import DECISION_SLOT
from core.escalation.risk_catalogue import FALLBACK_TEAM
from core.handoff.model import PRIORITY_ORDER
from core.handoff.settings import settings as handoff_settings
from core.handoff.store import HandoffStore
from core.handoff.waiting import agents_available, estimate, wait_estimate, waiting_response
from core.inputs import CLIENT_KEY
from core.packet import PacketError, build_packet, validate_packet

logger = logging.getLogger(__name__)

DEFAULT_REASON = "customer_request"
SATISFACTION_VALUES = ("good", "okay", "bad")


def decision_this_turn(tracker: Tracker) -> Optional[Mapping[str, Any]]:
    """The decision the escalation policy recorded after the customer's latest message, if any."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return None
        if event.get("event") == "slot" and event.get("name") == DECISION_SLOT:
            value = event.get("value")
            return value if isinstance(value, dict) and value.get("reason") else None
    return None


@lru_cache(maxsize=1)
def handoff_store():
    """The handoff store shared with the Rasa server (created on first use, never at import)."""
    return HandoffStore(handoff_settings().store_url)


def position_if_queued(store: Any, priority: str) -> int:
    """Where a new handoff of ``priority`` lands: behind every queued one at least as urgent."""
    rank = PRIORITY_ORDER.get(priority, 3)
    return 1 + sum(1 for h in store.queue() if h.status == "queued" and PRIORITY_ORDER.get(h.priority, 3) <= rank)


class ActionHandoff(Action):
    def name(self) -> Text:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        events: List[EventType] = []
        decision = decision_this_turn(tracker)
        if decision is None:
            # The packet checks the team's form; the policy, when it decides, checks it is one of the catalogue's.
            queue = next(tracker.get_latest_entity_values("queue"), None) or FALLBACK_TEAM
            decision = {"reason": DEFAULT_REASON, "queue": queue}
            events = [SlotSet("handoff_reason", DEFAULT_REASON), SlotSet("queue", queue)]
        tracker.slots[DECISION_SLOT] = decision  # what the packet is built from
        reason = str(decision["reason"])

        config = handoff_settings()
        store = handoff_store()
        now = clock.now()
        try:
            existing = store.active_for(tracker.sender_id)
            if existing is None and over_limit(store, config, tracker, now):
                # Not paused: the bot keeps helping, and the earlier requests stay in the queue.
                logger.warning("handoff: conversation %s is over its handoff limit", tracker.sender_id)
                dispatcher.utter_message(response="utter_handoff_limit")
                return events
            position = position_if_queued(store, str(decision.get("priority") or "P3"))
            wait = estimate(
                config.hours,
                config.waiting,
                position,
                agents_available(store, config, now),
                store.recent_handle_minutes(config.waiting.handle_time_sample),
                now,
            )
            handoff = existing or self._create(tracker, store, config, now, wait)
        except SQLAlchemyError:
            # Nothing was queued: say so, and keep the bot answering rather than pausing into silence.
            logger.exception("handoff: the handoff store is unavailable (conversation %s)", tracker.sender_id)
            dispatcher.utter_message(response="utter_handoff_unavailable")
            return events

        # The response the action that asked for a person named, else the reason's own, else the general one.
        responses = domain.get("responses", {})
        response = next(
            (name for name in (decision.get("reply"), f"utter_handoff_{reason}") if name and name in responses), "utter_handoff"
        )
        dispatcher.utter_message(response=response)
        if existing is None or existing.status == "queued":
            wait_response, values = waiting_response(wait if existing is None else estimate_for(store, config, existing.id, now))
            dispatcher.utter_message(response=wait_response, **values)
            if not wait.live:
                dispatcher.utter_message(response="utter_offer_email_followup")
        # A form the customer was answering (an order number) ends: the person takes it from here.
        if (tracker.active_loop or {}).get("name"):
            events += [ActiveLoop(None), SlotSet("requested_slot", None)]
        return [*events, SlotSet("handoff_id", handoff.id), ConversationPaused()]

    @staticmethod
    def _create(tracker: Tracker, store: Any, config: Any, now: datetime, wait: Any) -> Any:
        handoff_id = uuid.uuid4().hex
        packet: Dict[str, Any] = build_packet(
            tracker,
            handoff_id=handoff_id,
            now=now,
            pseudonym_key=config.pseudonym_key,
            queue_position=wait.position,
            expected_wait_minutes=wait.minutes,
        )
        try:
            validate_packet(packet)
        except PacketError as error:  # a packet with a flaw still beats no handoff: send it, and say so in the log
            logger.error("handoff %s: the packet does not match its schema: %s", handoff_id, error)
        return store.create(
            tracker.sender_id,
            tracker.get_latest_input_channel(),
            packet,
            after_hours=not wait.open_now,
            told_position=wait.position,
            handoff_id=handoff_id,
            client_key=client_key(tracker),
        )


def client_key(tracker: Tracker) -> Any:
    """The pseudonym of the network address the channel saw (set server-side, never by the client)."""
    value = ((tracker.latest_message or {}).get("metadata") or {}).get(CLIENT_KEY)
    return value if isinstance(value, str) and value else None


def over_limit(store: Any, config: Any, tracker: Tracker, now: datetime) -> bool:
    """Whether this client or conversation has started too many handoffs in the last hour."""
    limits, naive = config.limits, now.replace(tzinfo=None)
    if store.recent_handoffs(conversation_id=tracker.sender_id, within_seconds=3600, now=naive) >= (
        limits.handoffs_per_conversation_per_hour
    ):
        return True
    key = client_key(tracker)
    return key is not None and store.recent_handoffs(client_key=key, within_seconds=3600, now=naive) >= (
        limits.handoffs_per_client_per_hour
    )


def estimate_for(store: Any, config: Any, handoff_id: str, now: datetime) -> Any:
    return wait_estimate(store, config, handoff_id, now)


class ActionHandback(Action):
    """The person handed the conversation back: pick up with the context, ask for a rating."""

    def name(self) -> Text:
        return "action_handback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        agent = self._agent_name(tracker)
        if agent:
            dispatcher.utter_message(response="utter_handback_named", agent_name=agent)
        else:
            dispatcher.utter_message(response="utter_handback")
        dispatcher.utter_message(response="utter_ask_satisfaction")
        return [*reset_failures(), SlotSet("satisfaction_pending", True)]

    @staticmethod
    def _agent_name(tracker: Tracker) -> Optional[str]:
        """The name of the person who had the conversation, from the handoff store; None when unknown."""
        handoff_id = tracker.get_slot("handoff_id")
        if not handoff_id:
            return None
        try:
            return handoff_store().get(handoff_id).agent_name or None
        except Exception:  # the store is down or the handoff gone: the words without a name still hold
            logger.warning("handback: no agent name for handoff %s", handoff_id)
            return None


class ActionRecordSatisfaction(Action):
    def name(self) -> Text:
        return "action_record_satisfaction"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        rating = next(tracker.get_latest_entity_values("satisfaction"), None)
        if rating not in SATISFACTION_VALUES:
            dispatcher.utter_message(response="utter_ask_satisfaction")
            return []
        handoff_id = tracker.get_slot("handoff_id")
        if handoff_id:
            try:
                handoff_store().set_fields(handoff_id, satisfaction=rating)
            except Exception:  # the rating is still in the tracker
                logger.exception("handoff %s: could not store the satisfaction rating", handoff_id)
        dispatcher.utter_message(response="utter_thanks_for_rating")
        return [SlotSet("satisfaction", rating), SlotSet("satisfaction_pending", False)]
