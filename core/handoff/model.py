"""What a handoff is, wherever it is stored or delivered: its statuses, records, outbox items and errors.

Lifecycle of a handoff: ``queued`` (waiting for a person) -> ``assigned`` (an agent
claimed it) -> ``resolved`` / ``returned_to_bot`` / ``abandoned``. At most one
handoff per conversation is active (queued or assigned) at a time.

The outbox item kinds and their payloads are the live-chat connectors' contract
(connectors/handoff/livechat.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, Mapping, Optional

STATUSES = ("queued", "assigned", "resolved", "returned_to_bot", "abandoned")
ACTIVE = ("queued", "assigned")
CLOSED = ("resolved", "returned_to_bot", "abandoned")
PRIORITY_ORDER = {"P1": 1, "P2": 2, "P3": 3}
MESSAGE_KINDS = ("customer", "agent", "note", "system")
OUTBOX_KINDS = ("handoff", "customer_message", "closed")


class UnknownHandoff(LookupError):
    """No handoff with that id (or remote reference): inbound routes answer 404."""


class InvalidTransition(ValueError):
    """The handoff's status does not allow this (claiming a resolved handoff): 409."""


@dataclass(frozen=True)
class Handoff:
    id: str
    conversation_id: str
    channel: Optional[str]
    status: str
    reason: str
    priority: str
    queue: str
    packet: Dict[str, Any]
    remote: Dict[str, Any]
    agent_id: Optional[str]
    agent_name: Optional[str]
    after_hours: bool
    follow_up_email: Optional[str]
    told_position: Optional[int]
    satisfaction: Optional[str]
    created_at: datetime
    assigned_at: Optional[datetime]
    closed_at: Optional[datetime]

    @property
    def active(self) -> bool:
        return self.status in ACTIVE


@dataclass(frozen=True)
class Message:
    id: int
    handoff_id: str
    kind: str
    author: Optional[str]
    text: str
    created_at: datetime


@dataclass(frozen=True)
class OutboxItem:
    """One delivery to the live-chat tool, leased from the outbox; ``idempotency_key`` is stable across retries."""

    id: int
    handoff_id: str
    conversation_id: str
    kind: str
    payload: Mapping[str, Any]
    idempotency_key: str
    attempts: int = 0
    # Remote references of this handoff from earlier deliveries (any item kind).
    remote: Mapping[str, Any] = field(default_factory=dict)
