"""What the Chatwoot tests share: one handoff, its outbox items, and a client of the inbound channel."""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Tuple

from connectors.handoff.livechat import OutboxItem
from tests.connectors.inbound import Inbound
from tests.fakes.chatwoot import FakeChatwoot, SignedWebhook, signed_webhook

CUSTOMER = "cus_0123456789abcdef"
HANDOFF = "h-7f3a"
SECRET = "chatwoot-webhook-secret-for-tests"
PACKET: Dict[str, Any] = {
    "schema": "tandem.handoff/1",
    "handoff_id": HANDOFF,
    "customer": {"id": CUSTOMER, "tier": "vip", "locale": "en", "page_url": None},
    "priority": "P2",
    "queue": "billing",
    "reason": {"code": "customer_request", "explanation": "The customer asked for a person."},
}


def item(
    kind: str = "handoff",
    payload: Optional[Mapping[str, Any]] = None,
    remote: Optional[Mapping[str, Any]] = None,
    attempts: int = 0,
    key: Optional[str] = None,
    item_id: int = 1,
) -> OutboxItem:
    if payload is None:
        payload = {"packet": PACKET, "queue_position": 2} if kind == "handoff" else {}
    return OutboxItem(
        id=item_id,
        handoff_id=HANDOFF,
        conversation_id="rasa-sender-1",
        kind=kind,
        payload=payload,
        idempotency_key=key or f"{HANDOFF}:{kind}:{item_id}",
        attempts=attempts,
        remote=remote or {},
    )


def retry(previous: OutboxItem) -> OutboxItem:
    return OutboxItem(**{**previous.__dict__, "attempts": previous.attempts + 1})


def assert_one_of_everything(fake: FakeChatwoot) -> int:
    """Exactly one contact, conversation, private note and an open status; returns the conversation id."""
    assert len(fake.contact_by_identifier(CUSTOMER)) == 1
    assert len(fake.conversations) == 1
    (conversation_id,) = fake.conversations
    assert len(fake.notes(conversation_id)) == 1
    assert fake.conversations[conversation_id]["status"] == "open"
    return conversation_id


class ChatwootInbound(Inbound):
    """Chatwoot's webhook deliveries to ``ChatwootAgentInput``, signed with ``SECRET``."""

    channel = "chatwoot"

    async def send(self, request: SignedWebhook) -> Tuple[int, Dict[str, Any]]:
        return await self.post(request.body, request.headers)

    async def event(self, payload: Any, **signing: Any) -> Tuple[int, Dict[str, Any]]:
        return await self.send(signed_webhook(SECRET, payload, **signing))
