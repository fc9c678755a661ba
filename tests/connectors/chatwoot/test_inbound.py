"""Inbound: ``ChatwootAgentInput`` on a real Sanic server, mounted the way Rasa mounts
channels, fed signed webhook events as Chatwoot sends them."""

from __future__ import annotations

from typing import Any, Dict, Optional

import pytest

from connectors.chatwoot import ChatwootAgentInput, ChatwootConnector
from connectors.chatwoot.inbound import Ignored, read_event
from tests.connectors.chatwoot.harness import HANDOFF, SECRET, ChatwootInbound, item
from tests.connectors.inbound import serving
from tests.fakes import RecordingActions
from tests.fakes.chatwoot import (
    FakeChatwoot,
    agent,
    conversation_status_changed_event,
    conversation_updated_event,
    message_created_event,
    signed_webhook,
)


async def test_an_agents_reply_reaches_the_customer_with_the_agents_name(inbound: ChatwootInbound) -> None:
    status, body = await inbound.event(message_created_event(42, "Hi, I'm Ana. Let me check that order."))

    assert (status, body["status"]) == (200, "ok")
    assert inbound.actions.calls == [("agent_message", HANDOFF, "Hi, I'm Ana. Let me check that order.", "3", "Ana Lima")]


async def test_an_attachment_is_passed_on_as_its_link(inbound: ChatwootInbound) -> None:
    await inbound.event(
        message_created_event(42, "Label:", attachments=[{"file_type": "image", "data_url": "https://cw.example/l.png"}])
    )

    assert inbound.actions.calls[0][2] == "Label:\nhttps://cw.example/l.png"


async def test_a_private_note_is_recorded_as_a_note(inbound: ChatwootInbound) -> None:
    await inbound.event(message_created_event(42, "VIP, refund approved by finance", private=True))

    assert inbound.actions.calls == [("note", HANDOFF, "VIP, refund approved by finance", "3", "Ana Lima")]


async def test_resolving_hands_the_conversation_back_to_the_bot(inbound: ChatwootInbound) -> None:
    status, _ = await inbound.event(conversation_status_changed_event(42, "resolved", assignee=agent(5, "Bo Chen")))

    assert status == 200
    assert inbound.actions.calls == [("close", HANDOFF, "returned_to_bot", "5", "Bo Chen")]


async def test_one_resolve_reported_by_two_events_closes_once(inbound: ChatwootInbound) -> None:
    await inbound.event(conversation_status_changed_event(42, "resolved"))
    status, body = await inbound.event(conversation_updated_event(42, {"status": ("open", "resolved")}, status="resolved"))

    assert (status, body) == (200, {"status": "duplicate"})
    assert [c[0] for c in inbound.actions.calls] == ["close"]


async def test_an_assignment_is_a_claim(inbound: ChatwootInbound) -> None:
    event = conversation_updated_event(42, {"assignee_id": (None, 5)}, assignee=agent(5, "Bo Chen"))

    status, _ = await inbound.event(event)

    assert status == 200 and inbound.actions.calls == [("claim", HANDOFF, "5", "Bo Chen")]


@pytest.mark.parametrize(
    "payload",
    [
        message_created_event(42, "customer words Tandem posted", message_type="incoming", sender={"id": 12, "type": "contact"}),
        message_created_event(42, "packet note", private=True, source_id="tandem:h-7f3a:handoff:1"),
        message_created_event(42, "packet note", private=True, content_attributes={"tandem_key": "h-7f3a:handoff:1"}),
        message_created_event(42, "Hello from the bot", sender={"id": 2, "name": "Triage bot", "type": "agent_bot"}),
        message_created_event(42, "Conversation was resolved by Ana", message_type="activity", sender=None),
        message_created_event(42, "Rate your conversation", message_type="template"),
        message_created_event(42, "automation", sender={}),
        message_created_event(42, "", attachments=[]),
        message_created_event(42, "in another inbox", inbox_id=8),
        conversation_status_changed_event(42, "pending"),
        conversation_updated_event(42, {"labels": ([], ["vip"])}),
        conversation_updated_event(42, {"assignee_id": (5, None)}),
        {"event": "contact_created", "id": 12, "name": "x"},
        {"event": "conversation_typing_on", "conversation": {"id": 42}},
    ],
    ids=[
        "incoming",
        "tandem-source-id",
        "tandem-content-attributes",
        "agent-bot",
        "activity",
        "template",
        "no-sender-type",
        "no-text",
        "other-inbox",
        "pending",
        "labels",
        "unassigned",
        "contact-event",
        "typing",
    ],
)
async def test_what_no_agent_did_is_acknowledged_and_ignored(inbound: ChatwootInbound, payload: Dict[str, Any]) -> None:
    status, body = await inbound.event(payload)

    assert (status, body["status"]) == (200, "ignored") and body["reason"]
    assert inbound.actions.calls == []


async def test_tandems_own_messages_echoed_by_chatwoot_are_ignored(
    fake: FakeChatwoot, connector: ChatwootConnector, delivered: Dict[str, Any], actions: RecordingActions
) -> None:
    """End to end over the marker: the note and customer message the connector posted come back as webhooks."""
    connector.deliver(item("customer_message", {"text": "hello?", "sent_at": "x"}, delivered, item_id=2))
    conversation_id = delivered["conversation_id"]
    actions.link("chatwoot", "conversation_id", conversation_id, HANDOFF)
    async with serving(ChatwootInbound, ChatwootAgentInput(SECRET, actions=actions), actions) as harness:
        for message in fake.messages[conversation_id]:
            kind = {0: "incoming", 1: "outgoing"}[message["message_type"]]
            event = message_created_event(
                conversation_id,
                message["content"],
                message_id=message["id"],
                message_type=kind,
                private=message["private"],
                sender=message["sender"],
                source_id=message["source_id"],
                content_attributes=message["content_attributes"],
            )
            status, body = await harness.event(event)
            assert (status, body["status"]) == (200, "ignored")
    assert actions.calls == []


@pytest.mark.parametrize(
    ("signing", "reason"),
    [
        ({"forged": True}, "signature does not match"),
        ({"stale": True}, "five-minute window"),
        ({"unsigned": True}, "missing"),
    ],
    ids=["forged", "stale", "unsigned"],
)
async def test_unverified_requests_are_refused(inbound: ChatwootInbound, signing: Dict[str, Any], reason: str) -> None:
    status, body = await inbound.event(message_created_event(42, "hi"), **signing)

    assert status == 401 and body["error"] == "invalid_signature" and reason in body["message"]
    assert inbound.actions.calls == []


async def test_a_bare_hex_signature_of_older_versions_is_accepted(inbound: ChatwootInbound) -> None:
    status, _ = await inbound.event(message_created_event(42, "hi"), bare_hex=True)
    assert status == 200 and len(inbound.actions.calls) == 1


async def test_a_retried_delivery_is_processed_once(inbound: ChatwootInbound) -> None:
    request = signed_webhook(SECRET, message_created_event(42, "only once", message_id=501), delivery_id="d-1")

    first = await inbound.send(request)
    again = await inbound.send(request)
    redelivered = await inbound.event(message_created_event(42, "only once", message_id=501), delivery_id="d-2")

    assert first == (200, {"status": "ok", "action": "agent_message", "handoff_id": HANDOFF})
    assert again == redelivered == (200, {"status": "duplicate"})
    assert len(inbound.actions.calls) == 1


@pytest.mark.parametrize(
    ("raw", "payload", "error"),
    [
        (b"{not json", None, "invalid_json"),
        (b"\xff\xfe", None, "invalid_json"),
        (None, ["message_created"], "invalid_json"),
        (None, {"id": 1, "content": "hi"}, "missing_event"),
        (None, {"event": "message_created", "content": "hi", "conversation": {"id": 42}}, "missing_field"),
        (None, {"event": "message_created", "id": 7, "content": "hi"}, "missing_field"),
        (None, {"event": "message_created", "id": 7, "conversation": {"id": "forty-two"}}, "invalid_field"),
        (None, {"event": "conversation_status_changed", "status": "resolved"}, "missing_field"),
    ],
    ids=[
        "broken-json",
        "binary",
        "array",
        "no-event",
        "no-message-id",
        "no-conversation",
        "bad-conversation-id",
        "no-conversation-id",
    ],
)
async def test_malformed_events_get_a_clear_400(inbound: ChatwootInbound, raw: Optional[bytes], payload: Any, error: str) -> None:
    status, body = await inbound.send(signed_webhook(SECRET, payload, raw=raw))

    assert status == 400 and body["error"] == error and body["message"]


async def test_a_conversation_without_handoff_is_404(inbound: ChatwootInbound) -> None:
    status, body = await inbound.event(message_created_event(77, "hello?"))
    assert status == 404 and body["error"] == "unknown_handoff"


async def test_an_action_the_handoff_no_longer_allows_is_409(inbound: ChatwootInbound) -> None:
    inbound.actions.closed.add(HANDOFF)

    status, body = await inbound.event(message_created_event(42, "are you still there?"))

    assert status == 409 and body["error"] == "invalid_transition"


async def test_an_unexpected_failure_is_503_not_500(inbound: ChatwootInbound, caplog: pytest.LogCaptureFixture) -> None:
    inbound.actions.fail_with = RuntimeError("database is locked")

    status, body = await inbound.event(message_created_event(42, "a secret reply text"))

    assert status == 503 and body["error"] == "unavailable"
    assert "a secret reply text" not in caplog.text


async def test_chatwoots_retry_after_a_failure_is_applied_not_called_a_duplicate(inbound: ChatwootInbound) -> None:
    inbound.actions.fail_with = RuntimeError("database is locked")
    event = message_created_event(42, "we shipped it", message_id=777)

    first, _ = await inbound.event(event)
    retried, body = await inbound.event(event)

    assert (first, retried) == (503, 200) and body.get("status") == "ok"
    assert [c[0] for c in inbound.actions.calls] == ["agent_message"]


async def test_without_a_secret_the_route_is_closed(actions: RecordingActions) -> None:
    async with serving(ChatwootInbound, ChatwootAgentInput(None, actions=actions), actions) as harness:
        status, body = await harness.event(message_created_event(42, "hi"), unsigned=True)
    assert status == 404 and body["error"] == "not_configured" and actions.calls == []


async def test_health(inbound: ChatwootInbound) -> None:
    assert await inbound.health() == (200, {"status": "ok", "signed": True})


def test_read_event_is_usable_without_a_server() -> None:
    event = read_event(
        conversation_updated_event(42, {"assignee_id": (None, 5), "status": ("open", "resolved")}, status="resolved")
    )
    ignored = read_event(message_created_event(42, "hi", sender=agent()), inbox_id=99)

    assert not isinstance(event, Ignored) and event.kind == "close"
    assert isinstance(ignored, Ignored) and ignored.reason == "another inbox"
