"""Outbound: ``ChatwootConnector.deliver`` leaves exactly one contact, conversation, private
note and ``open`` status per handoff, even when a delivery fails midway and is retried;
then the customer's messages and the closing follow the handoff into its conversation."""

from __future__ import annotations

import json
import logging
from typing import Any, Dict, Mapping

import pytest

from connectors.chatwoot import ChatwootConnector
from connectors.chatwoot.connector import render_note
from connectors.handoff.livechat import DeliveryError, OutboxItem
from tests.connectors.chatwoot.harness import CUSTOMER, HANDOFF, PACKET, assert_one_of_everything, item, retry
from tests.fakes.chatwoot import FakeChatwoot

# --- outbound: handoff -----------------------------------------------------------------------


def test_a_handoff_creates_one_contact_one_conversation_one_private_note_and_opens_it(
    fake: FakeChatwoot, connector: ChatwootConnector
) -> None:
    refs = connector.deliver(item())

    conversation_id = assert_one_of_everything(fake)
    (contact,) = fake.contact_by_identifier(CUSTOMER)
    assert contact["name"] == f"Customer {CUSTOMER}"
    conversation = fake.conversations[conversation_id]
    assert conversation["inbox_id"] == fake.inbox_id and conversation["contact_id"] == contact["id"]
    assert conversation["custom_attributes"] == {"tandem_handoff_id": HANDOFF}
    (note,) = fake.notes(conversation_id)
    assert note["private"] is True and note["message_type"] == 1  # outgoing private note
    assert note["source_id"] == f"tandem:{HANDOFF}:handoff:1"
    assert note["content_attributes"]["tandem_key"] == f"{HANDOFF}:handoff:1"
    assert refs == {
        "account_id": 1,
        "inbox_id": fake.inbox_id,
        "contact_id": contact["id"],
        "conversation_id": conversation_id,
        "note_posted": True,
        "note_message_id": note["id"],
        "opened": True,
    }


def test_the_conversation_stays_pending_until_the_packet_is_posted(fake: FakeChatwoot, connector: ChatwootConnector) -> None:
    connector.deliver(item())

    routes = [r.route for r in fake.calls()]
    assert routes.index("conversations.create") < routes.index("messages.create") < routes.index("conversations.toggle")
    (create,) = fake.calls("conversations.create")
    assert create.body["status"] == "pending" and create.body["source_id"]
    assert fake.status_changes(1) == ["open"]


def test_the_note_is_the_rendered_packet(
    fake: FakeChatwoot, connector: ChatwootConnector, monkeypatch: pytest.MonkeyPatch
) -> None:
    import core.packet

    monkeypatch.setattr(
        core.packet, "render_text", lambda packet: f"**Handoff {packet['priority']}** for {packet['customer']['id']}"
    )

    connector.deliver(item())

    assert fake.notes(1)[0]["content"] == f"**Handoff P2** for {CUSTOMER}"


def test_a_packet_that_does_not_render_is_posted_as_json(monkeypatch: pytest.MonkeyPatch) -> None:
    import core.packet

    def broken(packet: Mapping[str, Any]) -> str:
        raise KeyError("summary")

    monkeypatch.setattr(core.packet, "render_text", broken)

    note = render_note(PACKET, HANDOFF)

    assert note.startswith("**Handoff packet**") and note.endswith("```")
    assert json.loads(note.split("```json\n", 1)[1].rsplit("\n```", 1)[0]) == PACKET


def test_an_existing_contact_is_reused_and_linked_to_the_inbox(fake: FakeChatwoot, connector: ChatwootConnector) -> None:
    fake.add_contact(CUSTOMER + "ff", "Someone else", fake.inbox_id)  # the search also matches substrings
    existing = fake.add_contact(CUSTOMER, "Customer from an earlier handoff", inbox_id=8)

    refs = connector.deliver(item())

    assert refs is not None and refs["contact_id"] == existing["id"]
    assert len(fake.calls("contacts.create")) == 0 and len(fake.calls("contact_inboxes.create")) == 1
    assert fake.conversations[refs["conversation_id"]]["contact_id"] == existing["id"]


def test_a_conversation_already_made_for_this_handoff_is_reused(fake: FakeChatwoot, connector: ChatwootConnector) -> None:
    contact = fake.add_contact(CUSTOMER, "Customer", fake.inbox_id)
    fake.add_conversation(contact["id"], {"tandem_handoff_id": "an-older-handoff"}, status="resolved")
    made = fake.add_conversation(contact["id"], {"tandem_handoff_id": HANDOFF}, status="pending")

    refs = connector.deliver(item())

    assert refs is not None and refs["conversation_id"] == made
    assert fake.calls("conversations.create") == []
    assert len(fake.notes(made)) == 1 and fake.conversations[made]["status"] == "open"


@pytest.mark.parametrize(
    ("route", "kind"),
    [
        ("contacts.search", "http_503"),
        ("contacts.create", "lost"),
        ("contacts.conversations", "disconnect"),
        ("conversations.create", "lost"),
        ("conversations.create", "http_500"),
        ("messages.create", "http_503"),
        ("messages.create", "lost"),
        ("conversations.toggle", "ratelimited"),
        ("conversations.toggle", "lost"),
    ],
)
@pytest.mark.parametrize("restarted", [False, True], ids=["same-process", "after-restart"])
def test_a_retry_after_a_failure_midway_creates_no_duplicates(
    fake: FakeChatwoot, connector: ChatwootConnector, route: str, kind: str, restarted: bool
) -> None:
    """``lost``: Chatwoot did the work but the answer never arrived, the hardest case."""
    fake.fail(route, kind)
    first = item()
    with pytest.raises(DeliveryError) as error:
        connector.deliver(first)
    assert error.value.retryable

    if restarted:  # nothing remembered in memory: only what Chatwoot holds can prevent duplicates
        connector = ChatwootConnector.from_config(fake.config())
    refs = connector.deliver(retry(first))

    conversation_id = assert_one_of_everything(fake)
    assert refs is not None and refs["conversation_id"] == conversation_id


def test_a_retry_in_the_same_process_skips_the_steps_already_done(fake: FakeChatwoot, connector: ChatwootConnector) -> None:
    fake.fail("conversations.toggle", "http_503")
    first = item()
    with pytest.raises(DeliveryError):
        connector.deliver(first)
    before = len(fake.requests)

    connector.deliver(retry(first))

    assert [r.route for r in fake.requests[before:]] == ["conversations.toggle"]


def test_two_handoffs_of_one_customer_share_the_contact_not_the_conversation(
    fake: FakeChatwoot, connector: ChatwootConnector
) -> None:
    first = connector.deliver(item())
    second = connector.deliver(
        OutboxItem(**{**item().__dict__, "handoff_id": "h-second", "idempotency_key": "h-second:handoff:9", "id": 9})
    )

    assert first and second and first["contact_id"] == second["contact_id"]
    assert first["conversation_id"] != second["conversation_id"]
    assert len(fake.contacts) == 1


@pytest.mark.parametrize(
    "payload",
    [{}, {"packet": None}, {"packet": {"customer": {}}}, {"packet": {"customer": {"id": ""}}}],
    ids=["no-packet", "null-packet", "no-customer-id", "empty-customer-id"],
)
def test_a_packet_without_customer_id_is_not_retried(connector: ChatwootConnector, payload: Dict[str, Any]) -> None:
    with pytest.raises(DeliveryError) as error:
        connector.deliver(item(payload=payload))
    assert not error.value.retryable


def test_an_unknown_item_kind_is_not_retried(connector: ChatwootConnector) -> None:
    with pytest.raises(DeliveryError) as error:
        connector.deliver(item("typing", {}))
    assert not error.value.retryable


# --- outbound: customer messages and closing ---------------------------------------------------


def test_a_customer_message_is_posted_as_incoming_to_the_handoffs_conversation(
    fake: FakeChatwoot, connector: ChatwootConnector, delivered: Dict[str, Any]
) -> None:
    other = fake.add_conversation(delivered["contact_id"], {"tandem_handoff_id": "another"})

    connector.deliver(
        item(
            "customer_message",
            {"text": "Order AC-482913 still not here", "sent_at": "2024-05-01T09:06:00Z"},
            delivered,
            item_id=2,
        )
    )

    conversation_id = delivered["conversation_id"]
    (message,) = fake.incoming(conversation_id)
    assert message["content"] == "Order AC-482913 still not here" and message["private"] is False
    assert message["source_id"] == f"tandem:{HANDOFF}:customer_message:2"
    assert fake.incoming(other) == []


def test_a_customer_message_whose_answer_was_lost_is_posted_once(
    fake: FakeChatwoot, connector: ChatwootConnector, delivered: Dict[str, Any]
) -> None:
    fake.fail("messages.create", "lost")
    first = item("customer_message", {"text": "hello?", "sent_at": "2024-05-01T09:06:00Z"}, delivered, item_id=2)
    with pytest.raises(DeliveryError) as error:
        connector.deliver(first)
    assert error.value.retryable

    connector.deliver(retry(first))

    assert [m["content"] for m in fake.incoming(delivered["conversation_id"])] == ["hello?"]


def test_a_customer_message_before_the_conversation_exists_is_retried(connector: ChatwootConnector) -> None:
    with pytest.raises(DeliveryError) as error:
        connector.deliver(item("customer_message", {"text": "hi", "sent_at": "2024-05-01T09:06:00Z"}))
    assert error.value.retryable


def test_closing_resolves_the_conversation(fake: FakeChatwoot, connector: ChatwootConnector, delivered: Dict[str, Any]) -> None:
    connector.deliver(item("closed", {"status": "resolved"}, delivered, item_id=3))

    conversation_id = delivered["conversation_id"]
    assert fake.conversations[conversation_id]["status"] == "resolved"
    assert fake.status_changes(conversation_id) == ["open", "resolved"]


def test_closing_an_already_resolved_conversation_changes_nothing(
    fake: FakeChatwoot, connector: ChatwootConnector, delivered: Dict[str, Any]
) -> None:
    fake.conversations[delivered["conversation_id"]]["status"] = "resolved"  # the agent resolved it in Chatwoot

    connector.deliver(item("closed", {"status": "returned_to_bot"}, delivered, item_id=3))

    assert fake.status_changes(delivered["conversation_id"]) == ["open"]


def test_closing_a_deleted_conversation_is_not_retried(connector: ChatwootConnector) -> None:
    with pytest.raises(DeliveryError) as error:
        connector.deliver(item("closed", {"status": "resolved"}, {"conversation_id": 999}))
    assert not error.value.retryable and "999" in str(error.value)


def test_closing_a_handoff_that_never_reached_chatwoot_is_a_no_op(fake: FakeChatwoot, connector: ChatwootConnector) -> None:
    assert connector.deliver(item("closed", {"status": "abandoned"})) is None
    assert fake.requests == []


def test_no_log_line_holds_a_token_or_a_message(
    fake: FakeChatwoot, connector: ChatwootConnector, delivered: Dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    fake.fail("messages.create", "http_422")
    with caplog.at_level(logging.DEBUG), pytest.raises(DeliveryError) as error:
        connector.deliver(item("customer_message", {"text": "my secret text", "sent_at": "x"}, delivered, item_id=2))

    for text in (caplog.text, str(error.value)):
        assert fake.token not in text and "my secret text" not in text
