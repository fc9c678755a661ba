"""Chatwoot as the live-chat tool, end to end through a running stack and a local fake Chatwoot.

Chatwoot's application API (https://www.chatwoot.com/developers/api/) and webhooks
(https://www.chatwoot.com/docs/product/others/webhooks/, https://www.chatwoot.com/hc/user-guide/articles/1677693021-how-to-use-webhooks)
are faked in tests/fakes/chatwoot/ with their documented shapes; contract details are in
the other modules here. Here: a REST customer hands off, the packet lands as a private note
in an open conversation, messages flow both ways, and ``resolved`` hands back to the bot.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
import requests

from scripts.stack import Ports, Stack
from tests.conftest import Conversation, start_test_stack
from tests.conversations.test_handoff import wait_for
from tests.fakes.chatwoot import FakeChatwoot, agent, conversation_status_changed_event, message_created_event, signed_webhook

pytestmark = pytest.mark.stack

PORTS = Ports(rasa=15605, actions=15655, web=18680)
SECRET = "chatwoot-webhook-test-secret"


@pytest.fixture(scope="module")
def chatwoot() -> Iterator[FakeChatwoot]:
    with FakeChatwoot() as fake:
        yield fake


@pytest.fixture(scope="module")
def chatwoot_stack(model_path: Path, tmp_path_factory, chatwoot: FakeChatwoot) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("chatwoot")
    env = {"CHATWOOT_WEBHOOK_SECRET": SECRET}
    with start_test_stack(model_path, PORTS, workdir, env=env, livechat=chatwoot.config(webhook_secret=SECRET)) as running:
        yield running


def webhook(stack: Stack, request) -> requests.Response:
    return requests.post(f"{stack.rasa_url}/webhooks/chatwoot/webhook", data=request.body, headers=request.headers, timeout=10)


def test_a_handoff_worked_in_chatwoot(chatwoot_stack: Stack, chatwoot: FakeChatwoot) -> None:
    customer = Conversation(chatwoot_stack)
    customer.say("my order 12345678 is two weeks late")
    customer.say("I want to talk to a person")

    conversation_id = wait_for(
        lambda: next(
            iter(c["id"] for c in chatwoot.conversations.values() if chatwoot.notes(c["id"]) and c["status"] == "open"), None
        )
    )
    note = chatwoot.notes(conversation_id)[0]["content"]
    assert "12345678" in note and "customer asked for a person" in note
    assert len(chatwoot.conversations) == 1 and len(chatwoot.contacts) == 1

    # The customer's next words reach the Chatwoot conversation as incoming messages.
    customer.say("it was a gift for my mum")
    wait_for(lambda: any(m["content"] == "it was a gift for my mum" for m in chatwoot.incoming(conversation_id)))

    # An agent answers in Chatwoot: the customer gets it, once, even when Chatwoot retries.
    reply = message_created_event(
        conversation_id, "Hi, Ana here. I've sent a replacement by express.", message_id=9001, sender=agent()
    )
    assert webhook(chatwoot_stack, signed_webhook(SECRET, reply, delivery_id="d-1")).status_code == 200
    assert webhook(chatwoot_stack, signed_webhook(SECRET, reply, delivery_id="d-1")).status_code == 200
    agent_lines = lambda: [  # noqa: E731 - a short poll
        e for e in customer.tracker()["events"] if e["event"] == "bot" and (e.get("metadata") or {}).get("sender") == "agent"
    ]
    wait_for(agent_lines)
    assert [(e["text"], e["metadata"]["agent_name"]) for e in agent_lines()] == [
        ("Hi, Ana here. I've sent a replacement by express.", "Ana Lima")
    ]

    forged = signed_webhook(SECRET, message_created_event(conversation_id, "forged", message_id=9002), forged=True)
    assert webhook(chatwoot_stack, forged).status_code == 401
    stale = signed_webhook(SECRET, message_created_event(conversation_id, "old", message_id=9003), stale=True)
    assert webhook(chatwoot_stack, stale).status_code == 401
    assert webhook(chatwoot_stack, signed_webhook(SECRET, None, raw=b"{not json")).status_code == 400
    unknown = message_created_event(424242, "to nobody", message_id=9004)
    assert webhook(chatwoot_stack, signed_webhook(SECRET, unknown)).status_code == 404

    # Resolved in Chatwoot: the bot takes the conversation back and asks for a rating.
    resolved = conversation_status_changed_event(conversation_id, "resolved", assignee=agent())
    assert webhook(chatwoot_stack, signed_webhook(SECRET, resolved)).status_code == 200
    wait_for(lambda: "utter_ask_satisfaction" in customer.responses())
    assert customer.tracker()["paused"] is False
