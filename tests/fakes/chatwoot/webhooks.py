"""Webhook events as Chatwoot sends them (https://www.chatwoot.com/docs/product/others/webhook-events).

``message_created_event``, ``conversation_status_changed_event`` and
``conversation_updated_event`` build payloads; ``signed_webhook`` signs them like Chatwoot
(``X-Chatwoot-Signature: sha256=<hmac of "{timestamp}.{body}">``, ``X-Chatwoot-Timestamp``,
``X-Chatwoot-Delivery``), or ``forged``, ``stale`` (replayed) or ``unsigned``.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional, Tuple

from connectors.signing import timestamped_signature
from core import clock as product_clock


@dataclass
class SignedWebhook:
    body: bytes
    headers: Dict[str, str]


def _conversation_payload(conversation_id: int, status: str, inbox_id: int, assignee: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    meta: Dict[str, Any] = {
        "sender": {"id": 12, "name": "Customer cus_0123456789abcdef", "identifier": "cus_0123456789abcdef", "type": "contact"}
    }
    if assignee:
        meta["assignee"] = assignee
    return {
        "additional_attributes": {},
        "can_reply": True,
        "channel": "Channel::Api",
        "contact_inbox": {"id": 12, "contact_id": 12, "inbox_id": inbox_id, "source_id": "c5a4e0d6-1b5f-4a3c-9c51-2b0e3c7d9f10"},
        "id": conversation_id,
        "inbox_id": inbox_id,
        "messages": [],
        "labels": [],
        "meta": meta,
        "status": status,
        "custom_attributes": {},
        "snoozed_until": None,
        "unread_count": 0,
        "agent_last_seen_at": 0,
        "contact_last_seen_at": 0,
        "timestamp": 1700000000,
        "created_at": 1700000000,
        "updated_at": 1700000000.5,
    }


def agent(agent_id: int = 3, name: str = "Ana Lima") -> Dict[str, Any]:
    """A human agent as webhooks show one (``sender`` of a message, ``meta.assignee``)."""
    return {
        "id": agent_id,
        "name": name,
        "available_name": name,
        "avatar_url": "",
        "type": "user",
        "availability_status": "online",
    }


def message_created_event(
    conversation_id: int,
    content: Optional[str],
    *,
    message_id: int = 118,
    message_type: str = "outgoing",
    private: bool = False,
    sender: Optional[Dict[str, Any]] = None,
    inbox_id: int = 7,
    source_id: Optional[str] = None,
    content_attributes: Optional[Dict[str, Any]] = None,
    status: str = "open",
    **extra: Any,
) -> Dict[str, Any]:
    """A ``message_created`` payload (``Message#webhook_data`` + ``event``); sender defaults to a human agent."""
    return {
        "account": {"id": 1, "name": "Acme Inc"},
        "additional_attributes": {},
        "content_attributes": content_attributes or {},
        "content_type": "text",
        "content": content,
        "conversation": _conversation_payload(conversation_id, status, inbox_id, None),
        "created_at": "2024-05-01T09:05:00.000Z",
        "id": message_id,
        "inbox": {"id": inbox_id, "name": "Tandem handoffs"},
        "message_type": message_type,
        "private": private,
        "sender": agent() if sender is None else sender,
        "source_id": source_id,
        "event": "message_created",
        **extra,
    }


def conversation_status_changed_event(
    conversation_id: int, status: str, *, assignee: Optional[Dict[str, Any]] = None, inbox_id: int = 7
) -> Dict[str, Any]:
    payload = _conversation_payload(conversation_id, status, inbox_id, assignee)
    payload.update(
        event="conversation_status_changed", changed_attributes=[{"status": {"previous_value": "open", "current_value": status}}]
    )
    return payload


def conversation_updated_event(
    conversation_id: int,
    changes: Dict[str, Tuple[Any, Any]],
    *,
    status: str = "open",
    assignee: Optional[Dict[str, Any]] = None,
    inbox_id: int = 7,
) -> Dict[str, Any]:
    """``changes``: attribute → (previous, current), sent as ``changed_attributes``."""
    payload = _conversation_payload(conversation_id, status, inbox_id, assignee)
    payload.update(
        event="conversation_updated",
        changed_attributes=[{name: {"previous_value": old, "current_value": new}} for name, (old, new) in changes.items()],
    )
    return payload


def signed_webhook(
    secret: str,
    payload: Any,
    *,
    forged: bool = False,
    stale: bool = False,
    unsigned: bool = False,
    bare_hex: bool = False,
    timestamp: Optional[int] = None,
    delivery_id: Optional[str] = None,
    raw: Optional[bytes] = None,
    clock: Callable[[], float] = product_clock.timestamp,
) -> SignedWebhook:
    """A webhook request as Chatwoot sends it; ``forged`` signs with another secret, ``stale``
    is ten minutes old (a replay), ``bare_hex`` omits the ``sha256=`` prefix (older versions)."""
    body = raw if raw is not None else json.dumps(payload).encode()
    ts = str(int(timestamp if timestamp is not None else clock() - (600 if stale else 0)))
    signature = timestamped_signature("not-the-secret" if forged else secret, ts, body)
    headers = {"Content-Type": "application/json", "X-Chatwoot-Delivery": delivery_id or str(uuid.uuid4())}
    if not unsigned:
        headers["X-Chatwoot-Timestamp"] = ts
        headers["X-Chatwoot-Signature"] = signature[len("sha256=") :] if bare_hex else signature
    return SignedWebhook(body, headers)
