"""The contract between Tandem's handoff core and a live-chat tool.

A live-chat connector (the built-in desk, Chatwoot, Slack for agents, a signed
webhook) does two things:

- **outbound**: ``deliver(item)`` sends one outbox item to the tool. The
  dispatcher (connectors/handoff/dispatcher.py) calls it at least once per
  item, from a worker thread, retrying with backoff while it raises
  ``DeliveryError(retryable=True)``. ``item.idempotency_key`` is stable across
  retries and restarts: send it where the tool accepts one, and make every
  step resumable (``item.remote`` holds what earlier attempts returned, for
  example a Chatwoot conversation id), so a retry never creates a second
  conversation or note. Return a dict of remote references to remember
  (merged into the handoff's ``remote``), or ``None``.
- **inbound** (optional): an input channel in the same module whose blueprint
  receives the tool's webhooks, verifies them (connectors/signing.py), and
  reports what agents did through the ``AgentActions`` it gets from
  ``connectors.handoff.runtime.agent_actions(request.app)``.

Outbox item kinds:

- ``handoff``: payload ``{"packet": <handoff packet>, "queue_position": int|None}``;
  the tool must show the packet to agents.
- ``customer_message``: payload ``{"text": str, "sent_at": iso8601}``; a message
  the customer wrote after the handoff, to show in the agent's conversation.
- ``closed``: payload ``{"status": "resolved"|"returned_to_bot"|"abandoned"}``;
  the conversation ended on Tandem's side (for example the agent used the desk).
"""

from __future__ import annotations

import abc
from typing import Any, Dict, Optional, Tuple

# What a handoff and an outbox item are belongs to core; connectors take them from here, with the rest of the contract.
from core.handoff.model import OUTBOX_KINDS, InvalidTransition, OutboxItem, UnknownHandoff

__all__ = [
    "OUTBOX_KINDS",
    "AgentActions",
    "DeliveryError",
    "InvalidTransition",
    "LiveChatConnector",
    "OutboxItem",
    "UnknownHandoff",
    "parse_timeout",
]


class DeliveryError(Exception):
    """The tool did not take the item. ``retryable`` is False for errors a retry cannot fix
    (bad credentials, a payload the tool rejects as invalid): the item is then parked
    as failed for an operator instead of being retried forever."""

    def __init__(self, message: str, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


class LiveChatConnector(abc.ABC):
    """Outbound side of a live-chat tool. Implementations are created from the
    ``livechat`` section of endpoints.yml by ``connectors.handoff.tools.connector_for``."""

    #: the value of ``livechat.type`` in endpoints.yml
    type_name: str = ""

    @abc.abstractmethod
    def deliver(self, item: OutboxItem) -> Optional[Dict[str, Any]]:
        """Send one item; raise ``DeliveryError`` when the tool did not take it."""


def parse_timeout(value: Any, default: Tuple[float, float]) -> Tuple[float, float]:
    """``livechat.timeout`` of an HTTP tool: seconds to read (connect keeps ``default``'s)
    or ``[connect, read]``, each in (0, 300]; ``default`` when unset."""
    if value is None:
        return default

    def seconds(v: Any) -> float:
        if isinstance(v, bool) or not isinstance(v, (int, float, str)):
            raise ValueError
        number = float(v)
        if not 0 < number <= 300:
            raise ValueError
        return number

    try:
        if isinstance(value, (list, tuple)):
            if len(value) != 2:
                raise ValueError
            return (seconds(value[0]), seconds(value[1]))
        return (default[0], seconds(value))
    except ValueError:
        raise ValueError(f"livechat.timeout: expected seconds (0-300) or [connect, read] seconds, got {value!r}") from None


class AgentActions(abc.ABC):
    """What an agent can do, whatever tool they use. Implemented by the relay
    (connectors/handoff/relay.py) in the Rasa server; every call is recorded in the
    handoff store and in the Rasa tracker, and reaches the customer on their channel.
    All methods raise ``UnknownHandoff`` or ``InvalidTransition``."""

    @abc.abstractmethod
    async def find(self, connector: str, key: str, value: Any) -> str:
        """The handoff id whose ``remote[key]`` equals ``value`` for ``connector``."""

    @abc.abstractmethod
    async def claim(self, handoff_id: str, agent_id: str, agent_name: str) -> None:
        """The agent takes the conversation (status ``assigned``); the customer is told who joined."""

    @abc.abstractmethod
    async def agent_message(self, handoff_id: str, text: str, agent_id: str, agent_name: str) -> None:
        """An agent's reply, shown to the customer as coming from that person."""

    @abc.abstractmethod
    async def note(self, handoff_id: str, text: str, agent_id: str, agent_name: str) -> None:
        """An internal note: stored with the handoff, never shown to the customer."""

    @abc.abstractmethod
    async def close(self, handoff_id: str, status: str, agent_id: str, agent_name: str) -> None:
        """End the handoff: ``resolved`` or ``returned_to_bot`` (the bot resumes and asks
        for satisfaction in both cases) or ``abandoned``."""

    @abc.abstractmethod
    async def already_processed(self, source: str, event_id: str) -> bool:
        """Record an inbound event id; True when it was seen before (a retried webhook)."""

    @abc.abstractmethod
    async def forget(self, source: str, event_id: str) -> None:
        """Un-record an event whose handling failed, so the tool's retry is applied, not dropped."""
