"""A handoff end to end through the real Rasa and action servers: REST customer, desk agent.

The customer asks for a person; the desk shows the packet; customer and agent talk
through the relay while the bot stays silent; the agent hands back; the bot asks for
a rating and records it. Everything stays in the Rasa tracker.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Dict, List

import pytest
import requests

from core.packet import validate_packet
from tests.conftest import Conversation, Desk

pytestmark = pytest.mark.stack


def wait_for(check: Callable[[], Any], timeout: float = 10.0, every: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(every)


def bot_events(conversation: Conversation) -> List[Dict[str, Any]]:
    return [e for e in conversation.tracker()["events"] if e["event"] == "bot"]


def test_handoff_round_trip(conversation: Conversation, desk: Desk) -> None:
    conversation.say("my order 12345678 never arrived")
    conversation.say("I want to talk to a real person")
    responses = conversation.responses()
    assert "utter_handoff" in responses and "utter_handoff_wait" in responses
    tracker = conversation.tracker()
    assert tracker["paused"] is True
    assert tracker["slots"]["handoff_id"]

    row = desk.handoff_of(conversation.sender)
    assert (row["status"], row["reason"], row["position"]) == ("queued", "customer_request", 1)
    packet = desk.detail(row["id"])["handoff"]["packet"]
    validate_packet(packet)
    assert packet["conversation_id"] == conversation.sender
    assert packet["reason"]["code"] == "customer_request"
    assert any("12345678" in str(e.get("value")) for e in packet["entities"])
    assert any(m["text"] == "my order 12345678 never arrived" for m in packet["transcript"])

    # The customer keeps writing: it reaches the desk and the tracker, the bot stays silent.
    assert conversation.say("it was a birthday present, I need it by friday") == []
    messages = desk.detail(row["id"])["messages"]
    assert [m["text"] for m in messages if m["kind"] == "customer"] == ["it was a birthday present, I need it by friday"]
    users = [e["text"] for e in conversation.tracker()["events"] if e["event"] == "user"]
    assert users[-1] == "it was a birthday present, I need it by friday"

    desk.ok("POST", f"handoffs/{row['id']}/claim")
    assert wait_for(lambda: "utter_agent_joined" in conversation.responses())
    desk.ok("POST", f"handoffs/{row['id']}/messages", json={"text": "Hi, Sam here. I've reshipped it with express delivery."})
    desk.ok("POST", f"handoffs/{row['id']}/notes", json={"text": "reshipped via express, ticket 991"})
    agent_lines = [e for e in bot_events(conversation) if (e.get("metadata") or {}).get("sender") == "agent"]
    assert [(e["text"], e["metadata"]["agent_name"]) for e in agent_lines] == [
        ("Hi, Sam here. I've reshipped it with express delivery.", "Sam")
    ]
    texts = [e["text"] for e in bot_events(conversation)]
    assert "reshipped via express, ticket 991" not in texts  # notes never reach the customer
    kinds = [m["kind"] for m in desk.detail(row["id"])["messages"]]
    assert kinds == ["customer", "agent", "note"]

    desk.ok("POST", f"handoffs/{row['id']}/handback")
    assert wait_for(lambda: "utter_ask_satisfaction" in conversation.responses())
    tracker = conversation.tracker()
    assert tracker["paused"] is False
    # The agent who claimed it is named: "<name> has left the chat", before the rating.
    assert conversation.responses()[-2:] == ["utter_handback_named", "utter_ask_satisfaction"]

    conversation.say('/feedback{"satisfaction": "good"}')
    assert conversation.responses()[-1] == "utter_thanks_for_rating"
    assert desk.detail(row["id"])["handoff"]["satisfaction"] == "good"
    assert desk.detail(row["id"])["handoff"]["status"] == "returned_to_bot"

    # The bot is back and answers from the knowledge base again.
    assert conversation.say("how long do refunds take") != []


def test_asking_again_while_waiting_does_not_queue_twice(conversation: Conversation, desk: Desk) -> None:
    conversation.say("can I speak to an agent please")
    conversation.say("hello?? I asked for a human")
    rows = [r for r in desk.queue() if r["conversation_id"] == conversation.sender]
    assert len(rows) == 1
    desk.ok("POST", f"handoffs/{rows[0]['id']}/resolve")


def test_queued_customers_hear_their_new_position(stack, desk: Desk) -> None:
    first, second = Conversation(stack), Conversation(stack)
    first.say("I need a human")
    second.say("let me talk to a person")
    first_row, second_row = desk.handoff_of(first.sender), desk.handoff_of(second.sender)
    assert second_row["position"] == first_row["position"] + 1
    desk.ok("POST", f"handoffs/{first_row['id']}/claim")
    wait_for(lambda: "utter_queue_update" in second.responses(), timeout=15)
    update = [e for e in bot_events(second) if (e.get("metadata") or {}).get("utter_action") == "utter_queue_update"][-1]
    assert f"number {second_row['position'] - 1} in the queue" in update["text"]
    for row in (first_row, second_row):
        desk.ok("POST", f"handoffs/{row['id']}/resolve")


@pytest.mark.parametrize(
    "method, path, body, headers, status",
    [
        pytest.param("GET", "queue", None, {}, 401, id="no-token"),
        pytest.param("GET", "queue", None, {"Authorization": "Bearer wrong-token-value"}, 401, id="wrong-token"),
        pytest.param("GET", "handoffs/does-not-exist", None, None, 404, id="unknown-handoff"),
        pytest.param("POST", "handoffs/does-not-exist/claim", None, None, 404, id="claim-unknown"),
        pytest.param("POST", "handoffs/does-not-exist/messages", {"text": "hi"}, None, 404, id="reply-unknown"),
        pytest.param("GET", "handoffs/x?after=abc", None, None, 400, id="bad-after"),
    ],
)
def test_bad_desk_requests_get_clear_errors(desk: Desk, method: str, path: str, body: Any, headers: Any, status: int) -> None:
    reply = requests.request(
        method, f"{desk.base}/{path}", json=body, headers=desk.headers if headers is None else headers, timeout=10
    )
    assert reply.status_code == status
    assert reply.json()["message"]


def test_malformed_bodies_and_conflicts(stack, conversation: Conversation, desk: Desk) -> None:
    conversation.say("get me a human")
    row = desk.handoff_of(conversation.sender)
    for body in (b"not json", b'["a list"]', b'{"text": ""}', b'{"text": 5}'):
        reply = desk.call("POST", f"handoffs/{row['id']}/messages", data=body)
        assert reply.status_code == 400, body
        assert reply.json()["message"]
    desk.ok("POST", f"handoffs/{row['id']}/claim")
    other = Desk(stack, "Alex")
    assert other.call("POST", f"handoffs/{row['id']}/claim").status_code == 409
    assert other.call("POST", f"handoffs/{row['id']}/messages", json={"text": "mine now"}).status_code == 409
    desk.ok("POST", f"handoffs/{row['id']}/resolve")
    assert desk.call("POST", f"handoffs/{row['id']}/resolve").status_code == 409
    assert desk.call("POST", f"handoffs/{row['id']}/explode").status_code == 404
    # Nothing crashed: the server still answers.
    assert Conversation(stack).say("hi") != []
