"""Agents on Slack through a running stack: the packet lands in the agents' channel, thread replies reach the customer.

A stack of its own whose live-chat tool is Slack (``livechat.type: slack``), with
Slack's Web API faked locally (tests/fakes/slack_api.py). The customer talks over REST.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
import requests

from connectors.slack.packet import ACTION_CLAIM, ACTION_HAND_BACK
from scripts.stack import Ports, Stack
from tests.conftest import SLACK_SECRET, Conversation, start_test_stack
from tests.conversations.test_handoff import wait_for
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_requests import block_actions_payload, event_request, interactive_request, message_event

pytestmark = pytest.mark.stack

PORTS = Ports(rasa=15505, actions=15555, web=18580)
AGENTS_CHANNEL = "CAGENTS01"


@pytest.fixture(scope="module")
def slack_api() -> Iterator[FakeSlackApi]:
    with FakeSlackApi(token=None) as fake:
        fake.add_user("UAGENT042", display_name="Priya")
        yield fake


@pytest.fixture(scope="module")
def slack_stack(model_path: Path, tmp_path_factory, slack_api: FakeSlackApi) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("slack-agents")
    env = {"SLACK_API_URL": slack_api.base_url, "SLACK_AGENTS_API_URL": slack_api.base_url}
    livechat = {"type": "slack", "agents_channel": AGENTS_CHANNEL, "bot_token": "xoxb-test-token", "api_url": slack_api.base_url}
    with start_test_stack(model_path, PORTS, workdir, env=env, livechat=livechat) as running:
        yield running


def post(stack: Stack, route: str, request) -> requests.Response:
    return requests.post(
        f"{stack.rasa_url}/webhooks/slack_agents/{route}", data=request.body, headers=request.headers, timeout=10
    )


def test_agents_work_the_handoff_from_slack(slack_stack: Stack, slack_api: FakeSlackApi) -> None:
    customer = Conversation(slack_stack)
    customer.say("my parcel for order 12345678 is lost")
    customer.say("I want to talk to a person")

    packet_post = wait_for(lambda: [p for p in slack_api.posted() if p.get("channel") == AGENTS_CHANNEL and p.get("blocks")])[0]
    thread_ts = next(
        c.response["ts"]
        for c in slack_api.calls("chat.postMessage", ok_only=True)
        if c.params is packet_post or c.params == packet_post
    )
    rendered = str(packet_post["blocks"])
    assert "customer_request" in rendered or "asked for a person" in rendered
    buttons = {e["action_id"]: e["value"] for b in packet_post["blocks"] if b.get("type") == "actions" for e in b["elements"]}
    handoff_id = buttons[ACTION_CLAIM]

    claim = block_actions_payload(
        handoff_id, user="UAGENT042", channel=AGENTS_CHANNEL, message_ts=thread_ts, action_id=ACTION_CLAIM
    )
    assert post(slack_stack, "interactive", interactive_request(SLACK_SECRET, claim)).status_code == 200
    wait_for(lambda: "utter_agent_joined" in customer.responses())

    reply = message_event(
        "Hi, Priya here: I've opened a trace with the courier.",
        user="UAGENT042",
        channel=AGENTS_CHANNEL,
        thread_ts=thread_ts,
        ts=f"{float(thread_ts) + 5:.6f}",  # a later message in the thread, never the parent's ts
        channel_type="channel",
    )
    assert post(slack_stack, "events", event_request(SLACK_SECRET, reply)).status_code == 200
    wait_for(lambda: any("opened a trace" in (e.get("text") or "") for e in customer.tracker()["events"] if e["event"] == "bot"))
    agent_event = next(
        e for e in customer.tracker()["events"] if e["event"] == "bot" and "opened a trace" in (e.get("text") or "")
    )
    assert agent_event["metadata"]["sender"] == "agent"

    # The customer's next words appear in the agents' thread.
    customer.say("thank you, I'll wait for the courier")
    wait_for(
        lambda: any("wait for the courier" in p.get("text", "") and p.get("thread_ts") == thread_ts for p in slack_api.posted())
    )

    forged = event_request(SLACK_SECRET, reply, forged=True)
    assert post(slack_stack, "events", forged).status_code == 401

    hand_back = block_actions_payload(
        handoff_id, user="UAGENT042", channel=AGENTS_CHANNEL, message_ts=thread_ts, action_id=ACTION_HAND_BACK
    )
    assert post(slack_stack, "interactive", interactive_request(SLACK_SECRET, hand_back)).status_code == 200
    wait_for(lambda: "utter_ask_satisfaction" in customer.responses())
