"""Delivery to a live-chat tool survives the tool being down and every process restarting.

A stack of its own, whose live-chat tool is the generic signed webhook pointing at a
local receiver (tests/connectors/handoff/receiver.py):

- tool down, then up: the customer is told honestly, the handoff waits in the outbox,
  and the tool receives it exactly once when it is back;
- tool down, every process stopped and started again, tool up: still exactly once;
- the action server killed and restarted mid-handoff: the relay keeps carrying the
  customer's words meanwhile, and nothing is lost.

"Exactly once" is checked after the delivery lease has expired (a one-second lease
here, 60 s by default): an item that was not marked delivered would be taken again
by then. A later handoff delivered after that moment proves the dispatcher looked
again, and the receiver counts every signed request, not only the first per key.
"""

from __future__ import annotations

import signal
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Iterator

import pytest
import requests

from core import clock
from core.handoff.store import HandoffStore
from scripts.stack import Ports, Stack, start_actions
from tests.conftest import STACK_ENV, Conversation, Desk, start_test_stack
from tests.connectors.handoff.receiver import WebhookReceiver
from tests.conversations.test_handoff import wait_for

pytestmark = pytest.mark.stack

PORTS = Ports(rasa=15105, actions=15155, web=18180)
SECRET = "delivery-test-secret"
LEASE_SECONDS = 1


@pytest.fixture(scope="module")
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver(SECRET) as running:
        yield running


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("delivery")


def start(model_path: Path, workdir: Path, receiver: WebhookReceiver) -> Stack:
    livechat = {"type": "webhook", "url": receiver.url, "secret": SECRET, "timeout": 5, "lease_seconds": LEASE_SECONDS}
    return start_test_stack(model_path, PORTS, workdir, livechat=livechat)


def delivered_handoffs(receiver: WebhookReceiver, conversation_id: str) -> list:
    return [h for h in receiver.handoffs() if h["conversation_id"] == conversation_id]


def assert_delivered_once_after_the_lease(stack: Stack, receiver: WebhookReceiver, conversation_id: str) -> None:
    """The handoff of ``conversation_id`` reached the tool by exactly one accepted request,
    also once its lease has expired and the dispatcher has made a later pass."""
    (handoff,) = delivered_handoffs(receiver, conversation_id)
    store = HandoffStore(f"sqlite:///{stack.workdir / 'handoff.db'}")
    try:
        rows = store.outbox_state(handoff["handoff_id"])
    finally:
        store.engine.dispose()
    assert rows and all(row["delivered"] for row in rows)
    expired = clock.now() + timedelta(seconds=LEASE_SECONDS)
    wait_for(lambda: clock.now() > expired, timeout=LEASE_SECONDS + 5, every=0.05)
    later = Conversation(stack)
    later.say("can I talk to a person please")
    wait_for(lambda: delivered_handoffs(receiver, later.sender), timeout=30)
    assert receiver.keys_seen.count(handoff["idempotency_key"]) == 1


@pytest.fixture(scope="module")
def stack(model_path: Path, workdir: Path, receiver: WebhookReceiver) -> Iterator[Stack]:
    running = start(model_path, workdir, receiver)
    yield running
    running.stop()


def test_tool_down_then_up_delivers_exactly_once(stack: Stack, receiver: WebhookReceiver) -> None:
    receiver.up = False
    customer = Conversation(stack)
    customer.say("I want to speak to a human")
    wait_for(lambda: receiver.refused >= 1, timeout=20)
    wait_for(lambda: "utter_handoff_delayed" in customer.responses(), timeout=20)
    assert [h for h in receiver.handoffs() if h["conversation_id"] == customer.sender] == []

    receiver.up = True
    delivered = wait_for(lambda: [h for h in receiver.handoffs() if h["conversation_id"] == customer.sender], timeout=30)
    assert len(delivered) == 1
    assert delivered[0]["payload"]["packet"]["conversation_id"] == customer.sender
    wait_for(lambda: "utter_handoff_delivered" in customer.responses(), timeout=20)
    assert_delivered_once_after_the_lease(stack, receiver, customer.sender)
    assert receiver.rejected == 0  # every request was signed


def test_customer_messages_follow_their_packet_in_order(stack: Stack, receiver: WebhookReceiver) -> None:
    customer = Conversation(stack)
    customer.say("get me a person")
    customer.say("the parcel says delivered but it is not here")
    customer.say("order 55512345")
    wait_for(
        lambda: len([i for i in receiver.accepted if i["conversation_id"] == customer.sender]) == 3,
        timeout=30,
    )
    items = [i for i in receiver.accepted if i["conversation_id"] == customer.sender]
    assert [i["type"] for i in items] == ["handoff", "customer_message", "customer_message"]
    assert [i["payload"]["text"] for i in items[1:]] == ["the parcel says delivered but it is not here", "order 55512345"]


def test_a_restart_of_every_process_loses_nothing(
    stack: Stack, model_path: Path, workdir: Path, receiver: WebhookReceiver
) -> None:
    receiver.up = False
    customer = Conversation(stack)
    customer.say("I'd like to talk to someone from your team")
    wait_for(lambda: receiver.refused >= 1, timeout=20)
    stack.stop()

    restarted = start(model_path, workdir, receiver)
    try:
        receiver.up = True
        delivered = wait_for(lambda: delivered_handoffs(receiver, customer.sender), timeout=30)
        assert delivered[0]["idempotency_key"].endswith(":handoff")
        assert_delivered_once_after_the_lease(restarted, receiver, customer.sender)
        # Same conversation after the restart: still handed off, the bot stays silent.
        customer.stack = restarted
        assert customer.say("are you still there?") == []
        assert customer.tracker()["events"][-1]["text"] == "are you still there?"
    finally:
        restarted.stop()
        # Leave the module's stack usable for the tests after this one.
        stack.processes.extend(start(model_path, workdir, receiver).processes)


def test_a_killed_action_server_loses_nothing(stack: Stack, receiver: WebhookReceiver) -> None:
    receiver.up = True
    customer = Conversation(stack)
    customer.say("connect me with an agent please")
    handoff_id = customer.tracker()["slots"]["handoff_id"]
    actions = stack.processes[0]
    actions.send_signal(signal.SIGKILL)
    actions.wait()

    # The relay lives in the Rasa server: the customer's words still reach the tool.
    customer.say("I'll wait, thanks")
    wait_for(lambda: any(i.get("payload", {}).get("text") == "I'll wait, thanks" for i in receiver.accepted), timeout=30)

    start_actions(stack, stack.kb_url, env={**STACK_ENV, "TANDEM_ENDPOINTS": str(stack.workdir / "endpoints.yml")})
    # The agent hands back through the webhook tool's inbound route... or, tool-agnostic, the desk API.
    Desk(stack).ok("POST", f"handoffs/{handoff_id}/handback")
    wait_for(lambda: "utter_ask_satisfaction" in customer.responses(), timeout=20)
    assert requests.get(f"{stack.actions_url}/health", timeout=5).ok
    assert uuid.UUID(handoff_id)
