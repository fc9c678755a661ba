"""The relay between a handed-off customer and the person helping them, in the Rasa server.

Rasa pauses a conversation after a handoff (``ConversationPaused``), which stops the
bot's actions but not its channels. So the relay sits in the channel layer:

- customer -> agent: ``customer_message`` takes every message of a conversation with an
  active handoff before it reaches the dialogue: it is written to the Rasa tracker (with
  its NLU parse, so the audit trail stays complete), stored with the handoff, and queued
  in the outbox for the live-chat tool. The bot never answers it.
- agent -> customer: the ``AgentActions`` methods (called by the desk, Chatwoot, Slack or
  webhook routes of *any* Rasa instance) write to the handoff store and to the tracker,
  and send to the customer through the output their channel registered
  (connectors/handoff/runtime.py). Nothing depends on the instance that holds the
  customer's socket: socket.io rooms span instances through the channel's message queue,
  Slack is an HTTP API.
- hand-back: the conversation is resumed and ``action_handback`` runs (it thanks the
  customer and asks the satisfaction question), as if the bot had never left.
- waiting: customers in the queue hear their new position when it changes, and hear
  honestly when the live-chat tool is unreachable and when their request got through.

Every sentence the customer sees comes from domain.yml through Rasa's NLG.
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import datetime
from functools import lru_cache
from typing import Any, Dict, List, Optional

from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel, UserMessage
from rasa.core.policies.policy import PolicyPrediction
from rasa.shared.core.events import ActionExecuted, BotUttered, ConversationResumed, Event, UserUttered

from connectors.handoff import runtime
from connectors.handoff.config import settings
from connectors.handoff.dispatcher import Dispatcher
from connectors.handoff.livechat import AgentActions, InvalidTransition, OutboxItem
from connectors.handoff.tools import connector_for
from core.handoff.model import CLOSED, Handoff
from core.handoff.settings import HandoffSettings
from core.handoff.store import HandoffStore
from core.handoff.waiting import WaitEstimate, wait_estimate, waiting_response
from core.redaction import redact  # cards, CVVs, passwords, codes and IBANs never reach the agent's tool

logger = logging.getLogger(__name__)

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
MAX_RELAYED_CHARS = 4000


class Relay(AgentActions):
    def __init__(self, config: HandoffSettings) -> None:
        self.settings = config
        self.store = HandoffStore(config.store_url)
        self.connector = connector_for(config.livechat)
        self.dispatcher = Dispatcher(
            self.store, self.connector, on_attempt=self._delivery_attempted, lease_seconds=config.lease_seconds
        )
        self.app: Any = None
        self._tasks: List[asyncio.Task] = []

    # --- lifecycle ------------------------------------------------------------------------

    def start(self, app: Any) -> None:
        """Start the outbox dispatcher and the queue updates once per process."""
        if self.app is not None:
            return
        self.app = app
        self._tasks.append(asyncio.ensure_future(self.dispatcher.run_forever()))
        self._tasks.append(asyncio.ensure_future(self._queue_updates_forever()))

    async def stop(self) -> None:
        """Cancel the background work before the server stops (a delivery in flight is retried later)."""
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def rasa_agent(self) -> Any:
        """The Rasa ``Agent`` of this server (for channels that read the tracker)."""
        return self._rasa()

    def _rasa(self) -> Any:
        app = self.app
        if app is None:
            from sanic import Sanic

            app = Sanic.get_app()
        agent = getattr(app.ctx, "agent", None)
        if agent is None:
            raise RuntimeError("the Rasa agent is not loaded yet")
        return agent

    # --- customer -> agent ------------------------------------------------------------------

    async def customer_message(self, message: UserMessage, channel: str) -> bool:
        """Relay ``message`` if its conversation is handed off; False lets the bot handle it."""
        handoff = await asyncio.to_thread(self.store.active_for, message.sender_id)
        if handoff is None:
            return False
        text = (message.text or "")[:MAX_RELAYED_CHARS]
        await self._log_user_message(message)
        await asyncio.to_thread(self.store.add_message, handoff.id, "customer", redact(text), None, True)
        self.dispatcher.wake()
        # Offered whenever nobody could pick the handoff up at once (closed, or open with nobody free).
        if not handoff.follow_up_email and handoff.status == "queued":
            email = EMAIL.search(text)
            if email:
                await asyncio.to_thread(self.store.set_fields, handoff.id, follow_up_email=email.group(0))
                await self.say(handoff.conversation_id, "utter_followup_email_saved", email=email.group(0))
        return True

    async def _log_user_message(self, message: UserMessage) -> None:
        agent = self._rasa()
        parse = await agent.processor.parse_message(message)
        event = UserUttered(
            message.text,
            parse.get("intent"),
            parse.get("entities", []),
            parse,
            input_channel=message.input_channel,
            message_id=message.message_id,
            metadata=message.metadata,
        )
        await self._append(message.sender_id, [event])

    # --- agent -> customer (AgentActions) -----------------------------------------------------

    async def find(self, connector: str, key: str, value: Any) -> str:
        handoff = await asyncio.to_thread(self.store.find_remote, connector, key, value)
        return handoff.id

    async def claim(self, handoff_id: str, agent_id: str, agent_name: str) -> None:
        before = await asyncio.to_thread(self.store.get, handoff_id)
        handoff = await asyncio.to_thread(self.store.assign, handoff_id, agent_id, agent_name)
        if before.status == "queued":
            text = await self.say(handoff.conversation_id, "utter_agent_joined", agent_name=agent_name)
            await self._status(handoff.conversation_id, "connected", text, agent_name)

    async def agent_message(self, handoff_id: str, text: str, agent_id: str, agent_name: str) -> None:
        handoff = await asyncio.to_thread(self.store.get, handoff_id)
        if handoff.status in CLOSED:
            raise InvalidTransition(f"handoff {handoff_id} is {handoff.status}")
        if handoff.status == "queued":  # replying is taking it (Chatwoot agents often just answer)
            await self.claim(handoff_id, agent_id, agent_name)
        await asyncio.to_thread(self.store.add_message, handoff_id, "agent", text, agent_name)
        metadata = {"sender": "agent", "agent_name": agent_name, "agent_id": agent_id}
        event = BotUttered(text, {}, metadata)
        await self._append(handoff.conversation_id, [event])
        await self._send(handoff.conversation_id, {"text": text, "metadata": metadata, "timestamp": event.timestamp})

    async def note(self, handoff_id: str, text: str, agent_id: str, agent_name: str) -> None:
        await asyncio.to_thread(self.store.add_message, handoff_id, "note", text, agent_name)

    async def close(self, handoff_id: str, status: str, agent_id: str, agent_name: str) -> None:
        handoff = await asyncio.to_thread(self.store.close, handoff_id, status)
        self.dispatcher.wake()
        await self._status(handoff.conversation_id, "ended", "", None)
        await self._append(handoff.conversation_id, [ConversationResumed()])
        if status != "abandoned":
            await self._hand_back(handoff)

    async def already_processed(self, source: str, event_id: str) -> bool:
        return not await asyncio.to_thread(self.store.first_time_seen, source, event_id)

    async def forget(self, source: str, event_id: str) -> None:
        await asyncio.to_thread(self.store.forget_event, source, event_id)

    async def _hand_back(self, handoff: Handoff) -> None:
        """The bot picks up where it left off: ``action_handback`` thanks and asks for a rating."""
        agent = self._rasa()
        conversation_id = handoff.conversation_id
        output = await self._output(conversation_id) or CollectingOutputChannel()
        async with agent.lock_store.lock(conversation_id):
            prediction = PolicyPrediction.for_action_name(agent.domain, "action_handback")
            await agent.processor.execute_action(conversation_id, "action_handback", output, agent.nlg, prediction)
        await self._append(conversation_id, [ActionExecuted("action_listen")])

    # --- speaking to the customer ----------------------------------------------------------

    async def say(self, conversation_id: str, response: str, **values: Any) -> str:
        """Send a domain response to the customer and record it; returns its text."""
        agent = self._rasa()
        async with agent.lock_store.lock(conversation_id):
            tracker = await agent.processor.get_tracker(conversation_id)
            channel = tracker.get_latest_input_channel() or ""
            message = await agent.nlg.generate(response, tracker, channel, **values)
            if not message:
                logger.error("relay: the domain has no response %s", response)
                return ""
            data = {k: message[k] for k in ("buttons", "quick_replies", "image", "custom", "attachment") if message.get(k)}
            event = BotUttered(message.get("text"), data, {"utter_action": response})
            tracker.update(event)
            await agent.processor.save_tracker(tracker)
        await self._send(conversation_id, {**message, "metadata": {"utter_action": response}, "timestamp": event.timestamp})
        return str(message.get("text") or "")

    def response_text(self, response: str) -> str:
        """The first variant of a domain response's text (for replies that are not recorded)."""
        variants = self._rasa().domain.responses.get(response) or []
        if not variants or not variants[0].get("text"):
            raise KeyError(f"the domain has no text response {response}")
        return str(variants[0]["text"])

    async def keep_without_answer(self, message: UserMessage) -> None:
        """Record a customer message in the tracker (with its parse) without the bot acting on it."""
        await self._log_user_message(message)

    async def _append(self, conversation_id: str, events: List[Event]) -> None:
        agent = self._rasa()
        async with agent.lock_store.lock(conversation_id):
            tracker = await agent.processor.get_tracker(conversation_id)
            for event in events:
                tracker.update(event)
            await agent.processor.save_tracker(tracker)

    async def _output(self, conversation_id: str) -> Optional[OutputChannel]:
        tracker = await self._rasa().processor.get_tracker(conversation_id)
        latest = tracker.latest_message
        metadata = (latest.metadata if latest is not None else None) or {}
        return runtime.output_for(tracker.get_latest_input_channel(), conversation_id, metadata)

    async def _send(self, conversation_id: str, message: Dict[str, Any]) -> None:
        output = await self._output(conversation_id)
        if output is None:
            # REST customers read new messages from the tracker; nothing is lost.
            return
        try:
            await output.send_response(conversation_id, dict(message))
        except Exception:
            logger.exception("relay: could not deliver a message to conversation %s; it is kept in the tracker", conversation_id)

    async def _status(self, conversation_id: str, state: str, text: str, agent_name: Optional[str]) -> None:
        output = await self._output(conversation_id)
        send_status = getattr(output, "send_handoff_status", None)
        if send_status is not None:
            await send_status(conversation_id, {"state": state, "text": text, "agent_name": agent_name})

    async def current_status(self, conversation_id: str) -> Optional[Dict[str, Any]]:
        """The handoff state a reconnecting customer should see, or None when the bot is answering."""
        handoff = await asyncio.to_thread(self.store.active_for, conversation_id)
        if handoff is None:
            return None
        agent = self._rasa()
        tracker = await agent.processor.get_tracker(conversation_id)
        channel = tracker.get_latest_input_channel() or ""
        if handoff.status == "assigned":
            message = await agent.nlg.generate("utter_agent_joined", tracker, channel, agent_name=handoff.agent_name)
            return {"state": "connected", "text": (message or {}).get("text", ""), "agent_name": handoff.agent_name}
        wait = await self.wait_for(handoff)
        response, values = waiting_response(wait)
        message = await agent.nlg.generate(response, tracker, channel, **values)
        return {"state": "waiting", "text": (message or {}).get("text", ""), "agent_name": None}

    # --- waiting ---------------------------------------------------------------------------

    async def wait_for(self, handoff: Handoff, now: Optional[datetime] = None) -> WaitEstimate:
        return await asyncio.to_thread(wait_estimate, self.store, self.settings, handoff.id, now)

    async def _queue_updates_forever(self) -> None:
        while True:
            await asyncio.sleep(self.settings.waiting.update_every_seconds)
            try:
                await self.update_queue_positions()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("relay: queue update pass failed")

    async def update_queue_positions(self) -> int:
        """Tell each queued customer whose position changed; returns how many were told."""
        told = 0
        for handoff in await asyncio.to_thread(self.store.queue):
            if handoff.status != "queued":
                continue
            wait = await self.wait_for(handoff)
            if not wait.live or wait.position is None or wait.position == handoff.told_position:
                continue
            # Compare-and-set: with several Rasa instances only one tells the customer.
            if not await asyncio.to_thread(self.store.claim_position_update, handoff.id, handoff.told_position, wait.position):
                continue
            text = await self.say(
                handoff.conversation_id, "utter_queue_update", queue_position=wait.position, wait_minutes=wait.minutes
            )
            await self._status(handoff.conversation_id, "waiting", text, None)
            told += 1
        return told

    async def _delivery_attempted(self, item: OutboxItem, delivered: bool, retryable: bool) -> None:
        if item.kind != "handoff":
            return
        if not delivered and item.attempts == 0:
            await self.say(item.conversation_id, "utter_handoff_delayed")
        elif delivered and item.attempts > 0:
            await self.say(item.conversation_id, "utter_handoff_delivered")


@lru_cache(maxsize=1)
def relay() -> Relay:
    return Relay(settings())
