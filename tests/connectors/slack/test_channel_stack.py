"""Customers on Slack through the running stack: the real Rasa server, its Slack channel, a fake Slack API.

Contract tests of the channel itself are in test_channel*.py; here the whole path runs:
signed event -> channel -> NLU and dialogue -> chat.postMessage on the fake, and a
handoff from Slack whose agent replies come back into the customer's thread.
"""

from __future__ import annotations

import pytest
import requests

from tests.conftest import SLACK_SECRET, Desk
from tests.conversations.test_handoff import wait_for
from tests.fakes.slack_requests import block_actions_payload, event_request, interactive_request, message_event

pytestmark = pytest.mark.stack


def post(stack, request) -> requests.Response:
    return requests.post(f"{stack.rasa_url}/webhooks/slack/webhook", data=request.body, headers=request.headers, timeout=10)


def replies_to(fake_slack, channel: str, after: int = 0):
    return [p for p in fake_slack.posted()[after:] if p.get("channel") == channel]


def tracker(stack, conversation_id: str) -> dict:
    return requests.get(stack.api(f"/conversations/{conversation_id}/tracker"), timeout=10).json()


def test_a_dm_is_answered_with_buttons_and_a_click_continues(stack, fake_slack) -> None:
    channel, user = "DSTACK001", "USTACK001"
    before = len(fake_slack.posted())
    reply = post(stack, event_request(SLACK_SECRET, message_event("hi", user=user, channel=channel)))
    assert reply.status_code == 200
    answer = wait_for(lambda: replies_to(fake_slack, channel, before))
    actions = [b for b in answer[0].get("blocks", []) if b.get("type") == "actions"]
    assert actions, "the greeting's buttons are rendered as Block Kit"
    button = actions[0]["elements"][0]

    count = len(replies_to(fake_slack, channel))
    click = block_actions_payload(button["value"], user=user, channel=channel, action_id=button["action_id"])
    assert post(stack, interactive_request(SLACK_SECRET, click)).status_code == 200
    wait_for(lambda: len(replies_to(fake_slack, channel)) > count)
    events = tracker(stack, f"slack:{channel}:{user}")["events"]
    assert [e["text"] for e in events if e["event"] == "user"][:1] == ["hi"]
    assert len([e for e in events if e["event"] == "user"]) == 2


def test_slack_markup_gets_the_same_intent_as_the_website(stack, fake_slack) -> None:
    plain = requests.post(stack.api("/model/parse"), json={"text": "where is my order"}, timeout=10).json()
    channel, user = "DSTACK002", "USTACK002"
    post(
        stack,
        event_request(
            SLACK_SECRET, message_event("*where* is my <https://acme.example/orders|order> :package:", user=user, channel=channel)
        ),
    )
    wait_for(lambda: replies_to(fake_slack, channel))
    users = [e for e in tracker(stack, f"slack:{channel}:{user}")["events"] if e["event"] == "user"]
    assert users[0]["parse_data"]["intent"]["name"] == plain["intent"]["name"]


def test_forged_and_replayed_requests_are_refused(stack) -> None:
    for request in (
        event_request(SLACK_SECRET, message_event("hi"), forged=True),
        event_request(SLACK_SECRET, message_event("hi"), stale=True),
    ):
        reply = post(stack, request)
        assert reply.status_code == 401
        assert reply.json()["message"]


def test_a_handoff_from_slack_gets_the_agents_reply_in_the_thread(stack, fake_slack) -> None:
    desk = Desk(stack)
    desk.queue()
    channel, user = "DSTACK003", "USTACK003"
    post(stack, event_request(SLACK_SECRET, message_event("I want to talk to a person", user=user, channel=channel)))
    conversation = f"slack:{channel}:{user}"
    row = wait_for(lambda: next((r for r in desk.queue() if r["conversation_id"] == conversation), None))
    assert row["channel"] == "slack"

    count = len(replies_to(fake_slack, channel))
    desk.ok("POST", f"handoffs/{row['id']}/claim")
    desk.ok("POST", f"handoffs/{row['id']}/messages", json={"text": "Hi, Sam here on the desk."})
    posted = wait_for(lambda: [p for p in replies_to(fake_slack, channel, 0)[count:] if "Sam here" in p.get("text", "")])
    assert "Sam" in posted[0]["text"]

    post(stack, event_request(SLACK_SECRET, message_event("thanks, it's order 12345678", user=user, channel=channel)))
    wait_for(lambda: any("12345678" in m["text"] for m in desk.detail(row["id"])["messages"] if m["kind"] == "customer"))
    desk.ok("POST", f"handoffs/{row['id']}/resolve")
