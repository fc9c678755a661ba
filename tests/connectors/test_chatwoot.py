"""Chatwoot connector contract, against the local fake of Chatwoot's Application API (tests/fakes/chatwoot.py).

Outbound: ``ChatwootConnector.deliver`` leaves exactly one contact, conversation, private
note and ``open`` status per handoff, even when a delivery fails midway and is retried;
errors are classified for the dispatcher. Inbound: ``ChatwootAgentInput`` is mounted on a
real Sanic server the way Rasa mounts channels and fed signed webhook events.

Chatwoot documentation the shapes come from:

- API reference https://www.chatwoot.com/developers/api/ (OpenAPI source: ``swagger/`` in
  github.com/chatwoot/chatwoot):
  - contacts: search https://developers.chatwoot.com/api-reference/contacts/search-contacts ,
    contact inboxes https://developers.chatwoot.com/api-reference/contacts/create-contact-inbox ,
    create and a contact's conversations: ``swagger/paths/application/contacts/list_create.yml`` and
    ``contacts/conversations.yml`` (responses per ``app/views/api/v1/accounts/contacts/*.json.jbuilder``)
  - conversations: create (``source_id``, ``inbox_id``, ``contact_id``, ``custom_attributes``, ``status``)
    https://developers.chatwoot.com/api-reference/conversations/create-new-conversation ,
    toggle status https://developers.chatwoot.com/api-reference/conversations/toggle-status
  - messages: create (``content``, ``message_type`` incoming/outgoing, ``private``, ``content_attributes``)
    https://developers.chatwoot.com/api-reference/messages/create-new-message ,
    list https://developers.chatwoot.com/api-reference/messages
- API channel and ``source_id``:
  https://www.chatwoot.com/hc/user-guide/articles/1677839703-how-to-create-an-api-channel-inbox
- webhook events and payloads (``message_created``, ``conversation_status_changed``,
  ``conversation_updated`` with ``changed_attributes``): https://www.chatwoot.com/docs/product/others/webhook-events
- webhooks setup https://www.chatwoot.com/hc/user-guide/articles/1677693021-how-to-use-webhooks ;
  signatures (``X-Chatwoot-Signature: sha256=HMAC(secret, "{timestamp}.{body}")``,
  ``X-Chatwoot-Timestamp``; ``X-Chatwoot-Delivery`` per delivery) as verified by connectors/signing.py
"""

from __future__ import annotations

import json
import logging
from typing import Any, AsyncIterator, Dict, Iterator, Mapping, Optional, Tuple

import aiohttp
import pytest
from sanic import Sanic

from connectors.chatwoot import ChatwootAgentInput, ChatwootConnector
from connectors.chatwoot.client import ChatwootClient, ChatwootRejected, ChatwootUnavailable
from connectors.chatwoot.connector import render_note
from connectors.chatwoot.inbound import Ignored, read_event
from connectors.handoff.livechat import DeliveryError, OutboxItem
from tests.fakes import RecordingActions, serve
from tests.fakes.chatwoot import (
    FakeChatwoot,
    SignedWebhook,
    agent,
    conversation_status_changed_event,
    conversation_updated_event,
    message_created_event,
    signed_webhook,
)

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


@pytest.fixture
def fake() -> Iterator[FakeChatwoot]:
    with FakeChatwoot() as api:
        yield api


@pytest.fixture
def connector(fake: FakeChatwoot) -> ChatwootConnector:
    return ChatwootConnector.from_config(fake.config(timeout=[1, 2]))


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


# --- configuration -------------------------------------------------------------------------


def test_from_config_reads_the_livechat_section(fake: FakeChatwoot) -> None:
    connector = ChatwootConnector.from_config(fake.config(account_id="1", inbox_id="7", webhook_secret="s3cret", timeout=5))

    assert (connector.account_id, connector.inbox_id, connector.client.timeout) == (1, 7, (3.05, 5.0))
    assert connector.type_name == "chatwoot"
    assert fake.token not in repr(connector) and "s3cret" not in repr(connector)
    assert "***" in repr(connector) and fake.token not in repr(connector.client)


def test_the_handoff_config_builds_this_connector(fake: FakeChatwoot) -> None:
    from connectors.handoff.tools import connector_for

    assert isinstance(connector_for(fake.config()), ChatwootConnector)


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"url": None}, "url"),
        ({"url": "chatwoot.example"}, "url"),
        ({"account_id": None}, "account_id"),
        ({"account_id": "one"}, "account_id"),
        ({"account_id": 0}, "account_id"),
        ({"inbox_id": None}, "inbox_id"),
        ({"inbox_id": True}, "inbox_id"),
        ({"api_access_token": None}, "api_access_token"),
        ({"api_access_token": "  "}, "api_access_token"),
        ({"api_access_token": 123}, "api_access_token"),
        ({"webhook_secret": 42}, "webhook_secret"),
        ({"timeout": -1}, "timeout"),
        ({"timeout": [1, 2, 3]}, "timeout"),
        ({"type": "slack"}, "type"),
    ],
)
def test_from_config_names_the_bad_key(fake: FakeChatwoot, change: Dict[str, Any], key: str) -> None:
    cfg = {k: v for k, v in {**fake.config(), **change}.items() if v is not None}

    with pytest.raises(ValueError, match=rf"livechat\.{key}\b") as error:
        ChatwootConnector.from_config(cfg)
    assert fake.token not in str(error.value)


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


def test_every_request_carries_the_access_token_header(fake: FakeChatwoot, connector: ChatwootConnector) -> None:
    connector.deliver(item())

    assert fake.requests and all(r.headers.get("api_access_token") == fake.token for r in fake.requests)
    assert all("Authorization" not in r.headers for r in fake.requests)


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


@pytest.mark.parametrize("how", ["http_503", "disconnect", "refused"])
def test_chatwoot_down_is_a_retryable_error_and_a_later_retry_succeeds(
    fake: FakeChatwoot, connector: ChatwootConnector, how: str
) -> None:
    fake.go_down(how)
    first = item()
    with pytest.raises(DeliveryError) as error:
        connector.deliver(first)
    assert error.value.retryable

    fake.come_back()
    connector.deliver(retry(first))
    assert_one_of_everything(fake)


def test_a_slow_chatwoot_is_a_retryable_timeout(fake: FakeChatwoot) -> None:
    connector = ChatwootConnector.from_config(fake.config(timeout=[1, 0.3]))
    fake.fail("contacts.search", "slow", seconds=1.0)

    with pytest.raises(DeliveryError, match="timed out") as error:
        connector.deliver(item())
    assert error.value.retryable


def test_a_wrong_token_is_not_retryable_and_never_shown(fake: FakeChatwoot, caplog: pytest.LogCaptureFixture) -> None:
    connector = ChatwootConnector.from_config(fake.config(api_access_token="a-revoked-token"))

    with caplog.at_level(logging.DEBUG), pytest.raises(DeliveryError) as error:
        connector.deliver(item())

    assert not error.value.retryable
    assert "401" in str(error.value)
    assert "a-revoked-token" not in str(error.value) and "a-revoked-token" not in caplog.text
    assert fake.conversations == {}


@pytest.mark.parametrize(
    ("kind", "retryable"),
    [
        ("http_503", True),
        ("http_500", True),
        ("ratelimited", True),
        ("http_401", False),
        ("http_404", False),
        ("http_422", False),
    ],
)
def test_errors_are_classified_for_the_dispatcher(
    fake: FakeChatwoot, connector: ChatwootConnector, kind: str, retryable: bool
) -> None:
    fake.fail("messages.create", kind)

    with pytest.raises(DeliveryError) as error:
        connector.deliver(item())
    assert error.value.retryable is retryable


def test_the_client_error_tree(fake: FakeChatwoot) -> None:
    client = ChatwootClient(fake.url, fake.account_id, fake.token)
    fake.fail("contacts.search", "ratelimited")

    with pytest.raises(ChatwootUnavailable) as unavailable:
        client.search_contacts(CUSTOMER)
    with pytest.raises(ChatwootRejected) as rejected:
        client.conversation(404)

    assert unavailable.value.retryable and unavailable.value.status == 429 and unavailable.value.retry_after == 1
    assert not rejected.value.retryable and rejected.value.status == 404


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


@pytest.fixture
def delivered(fake: FakeChatwoot, connector: ChatwootConnector) -> Dict[str, Any]:
    refs = connector.deliver(item())
    assert refs is not None
    return {"connector": "chatwoot", **refs}


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


# --- inbound ---------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def sanic_test_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    """Several apps in one process: Sanic's test mode skips its one-off code rewriting (touchup)."""
    monkeypatch.setattr(Sanic, "test_mode", True)


class Inbound:
    def __init__(self, actions: RecordingActions, url: str) -> None:
        self.actions, self.url = actions, url

    async def post(self, request: SignedWebhook) -> Tuple[int, Dict[str, Any]]:
        async with aiohttp.ClientSession() as session:
            async with session.post(f"{self.url}/webhooks/chatwoot/webhook", data=request.body, headers=request.headers) as reply:
                return reply.status, await reply.json(content_type=None)

    async def event(self, payload: Any, **signing: Any) -> Tuple[int, Dict[str, Any]]:
        return await self.post(signed_webhook(SECRET, payload, **signing))


async def start(channel: ChatwootAgentInput, actions: RecordingActions) -> AsyncIterator[Inbound]:
    server, url = await serve(channel)
    try:
        yield Inbound(actions, url)
    finally:
        server.close()
        await server.wait_closed()


@pytest.fixture
def actions() -> RecordingActions:
    recording = RecordingActions()
    recording.link("chatwoot", "conversation_id", 42, HANDOFF)
    return recording


@pytest.fixture
async def inbound(actions: RecordingActions) -> AsyncIterator[Inbound]:
    async for harness in start(ChatwootAgentInput(SECRET, inbox_id=7, actions=lambda: actions), actions):
        yield harness


async def test_an_agents_reply_reaches_the_customer_with_the_agents_name(inbound: Inbound) -> None:
    status, body = await inbound.event(message_created_event(42, "Hi, I'm Ana. Let me check that order."))

    assert (status, body["status"]) == (200, "ok")
    assert inbound.actions.calls == [("agent_message", HANDOFF, "Hi, I'm Ana. Let me check that order.", "3", "Ana Lima")]


async def test_an_attachment_is_passed_on_as_its_link(inbound: Inbound) -> None:
    await inbound.event(
        message_created_event(42, "Label:", attachments=[{"file_type": "image", "data_url": "https://cw.example/l.png"}])
    )

    assert inbound.actions.calls[0][2] == "Label:\nhttps://cw.example/l.png"


async def test_a_private_note_is_recorded_as_a_note(inbound: Inbound) -> None:
    await inbound.event(message_created_event(42, "VIP, refund approved by finance", private=True))

    assert inbound.actions.calls == [("note", HANDOFF, "VIP, refund approved by finance", "3", "Ana Lima")]


async def test_resolving_hands_the_conversation_back_to_the_bot(inbound: Inbound) -> None:
    status, _ = await inbound.event(conversation_status_changed_event(42, "resolved", assignee=agent(5, "Bo Chen")))

    assert status == 200
    assert inbound.actions.calls == [("close", HANDOFF, "returned_to_bot", "5", "Bo Chen")]


async def test_one_resolve_reported_by_two_events_closes_once(inbound: Inbound) -> None:
    await inbound.event(conversation_status_changed_event(42, "resolved"))
    status, body = await inbound.event(conversation_updated_event(42, {"status": ("open", "resolved")}, status="resolved"))

    assert (status, body) == (200, {"status": "duplicate"})
    assert [c[0] for c in inbound.actions.calls] == ["close"]


async def test_an_assignment_is_a_claim(inbound: Inbound) -> None:
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
async def test_what_no_agent_did_is_acknowledged_and_ignored(inbound: Inbound, payload: Dict[str, Any]) -> None:
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
    async for harness in start(ChatwootAgentInput(SECRET, actions=actions), actions):
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
async def test_unverified_requests_are_refused(inbound: Inbound, signing: Dict[str, Any], reason: str) -> None:
    status, body = await inbound.event(message_created_event(42, "hi"), **signing)

    assert status == 401 and body["error"] == "invalid_signature" and reason in body["message"]
    assert inbound.actions.calls == []


async def test_a_bare_hex_signature_of_older_versions_is_accepted(inbound: Inbound) -> None:
    status, _ = await inbound.event(message_created_event(42, "hi"), bare_hex=True)
    assert status == 200 and len(inbound.actions.calls) == 1


async def test_a_retried_delivery_is_processed_once(inbound: Inbound) -> None:
    request = signed_webhook(SECRET, message_created_event(42, "only once", message_id=501), delivery_id="d-1")

    first = await inbound.post(request)
    again = await inbound.post(request)
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
async def test_malformed_events_get_a_clear_400(inbound: Inbound, raw: Optional[bytes], payload: Any, error: str) -> None:
    status, body = await inbound.post(signed_webhook(SECRET, payload, raw=raw))

    assert status == 400 and body["error"] == error and body["message"]


async def test_a_conversation_without_handoff_is_404(inbound: Inbound) -> None:
    status, body = await inbound.event(message_created_event(77, "hello?"))
    assert status == 404 and body["error"] == "unknown_handoff"


async def test_an_action_the_handoff_no_longer_allows_is_409(inbound: Inbound) -> None:
    inbound.actions.closed.add(HANDOFF)

    status, body = await inbound.event(message_created_event(42, "are you still there?"))

    assert status == 409 and body["error"] == "invalid_transition"


async def test_an_unexpected_failure_is_503_not_500(inbound: Inbound, caplog: pytest.LogCaptureFixture) -> None:
    inbound.actions.fail_with = RuntimeError("database is locked")

    status, body = await inbound.event(message_created_event(42, "a secret reply text"))

    assert status == 503 and body["error"] == "unavailable"
    assert "a secret reply text" not in caplog.text


async def test_chatwoots_retry_after_a_failure_is_applied_not_called_a_duplicate(inbound: Inbound) -> None:
    inbound.actions.fail_with = RuntimeError("database is locked")
    event = message_created_event(42, "we shipped it", message_id=777)

    first, _ = await inbound.event(event)
    retried, body = await inbound.event(event)

    assert (first, retried) == (503, 200) and body.get("status") == "ok"
    assert [c[0] for c in inbound.actions.calls] == ["agent_message"]


async def test_without_a_secret_the_route_is_closed(actions: RecordingActions) -> None:
    async for harness in start(ChatwootAgentInput(None, actions=actions), actions):
        status, body = await harness.event(message_created_event(42, "hi"), unsigned=True)
    assert status == 404 and body["error"] == "not_configured" and actions.calls == []


async def test_health(inbound: Inbound) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{inbound.url}/webhooks/chatwoot/") as reply:
            assert (reply.status, await reply.json()) == (200, {"status": "ok", "signed": True})


def test_credentials_fall_back_to_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHATWOOT_WEBHOOK_SECRET", "from-env-secret")
    monkeypatch.setenv("CHATWOOT_INBOX_ID", "7")

    channel = ChatwootAgentInput.from_credentials(None)
    explicit = ChatwootAgentInput.from_credentials({"webhook_secret": "from-credentials", "inbox_id": 9})

    assert ChatwootAgentInput.name() == "chatwoot"
    assert (channel.webhook_secret, channel.inbox_id) == ("from-env-secret", 7)
    assert (explicit.webhook_secret, explicit.inbox_id) == ("from-credentials", 9)
    assert "from-env-secret" not in repr(channel)


def test_read_event_is_usable_without_a_server() -> None:
    event = read_event(
        conversation_updated_event(42, {"assignee_id": (None, 5), "status": ("open", "resolved")}, status="resolved")
    )
    ignored = read_event(message_created_event(42, "hi", sender=agent()), inbox_id=99)

    assert not isinstance(event, Ignored) and event.kind == "close"
    assert isinstance(ignored, Ignored) and ignored.reason == "another inbox"
