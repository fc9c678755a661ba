"""Customers on Slack, conversations: which messages the channel (connectors/slack/channel.py) answers,
in which conversation and thread, and its Block Kit buttons; run as in test_channel.py.

Slack behaviour relied on:

- block_actions sent as the ``payload`` form field:
  https://docs.slack.dev/reference/interaction-payloads/block_actions-payload
- chat.postMessage (``thread_ts``, ``blocks``): https://docs.slack.dev/reference/methods/chat.postMessage
- actions block and button element: https://docs.slack.dev/reference/block-kit/blocks/actions-block
"""

from __future__ import annotations

from typing import Any, Dict

import pytest

from connectors.slack.blocks import render_message
from connectors.slack.conversation import conversation_id, parse_conversation_id
from tests.connectors.slack.channel_harness import SECRET, Harness, texts
from tests.fakes.slack_requests import (
    app_mention_event,
    block_actions_payload,
    event_request,
    interactive_request,
    message_event,
    new_ts,
)

# --- threads, conversations, metadata -----------------------------------------------------


async def test_a_direct_message_is_one_conversation_per_user_with_metadata(slack: Harness) -> None:
    await slack.post(event_request(SECRET, message_event("hi", user="UANN", channel="DANN")))
    await slack.settle()
    await slack.post(event_request(SECRET, message_event("where is my order?", user="UANN", channel="DANN")))
    await slack.settle()
    first, second = slack.agent.messages
    assert first.sender_id == second.sender_id == "slack:DANN:UANN"
    assert first.input_channel == "slack"
    assert first.metadata == {
        "slack_channel": "DANN",
        "slack_thread_ts": None,
        "slack_user": "UANN",
        "slack_team": "T0000001",
        "customer_tier": None,
    }
    assert all("thread_ts" not in post for post in slack.fake.posted())


async def test_a_reply_goes_into_the_thread_the_customer_used(slack: Harness) -> None:
    root = new_ts()
    await slack.post(event_request(SECRET, message_event("still waiting", channel="DANN", user="UANN", thread_ts=root)))
    await slack.settle()
    (post,) = slack.fake.posted()
    assert post["channel"] == "DANN" and post["thread_ts"] == root
    assert slack.agent.messages[0].metadata["slack_thread_ts"] == root


async def test_a_channel_mention_is_answered_in_a_thread_and_followed_up_there(slack: Harness) -> None:
    mention_ts = new_ts()
    await slack.post(event_request(SECRET, app_mention_event("<@UBOT0001> my parcel is late", user="UANN", ts=mention_ts)))
    await slack.settle()
    # the same customer replies in the thread without mentioning the bot again
    await slack.post(
        event_request(
            SECRET, message_event("order 1234", user="UANN", channel="CSUPPORT1", channel_type="channel", thread_ts=mention_ts)
        )
    )
    # a colleague chatting in the same thread is not the bot's customer
    await slack.post(
        event_request(
            SECRET, message_event("same here", user="UBOB", channel="CSUPPORT1", channel_type="channel", thread_ts=mention_ts)
        )
    )
    # a channel message that does not address the bot is ignored
    await slack.post(event_request(SECRET, message_event("lunch?", user="UANN", channel="CSUPPORT1", channel_type="channel")))
    await slack.settle()
    assert texts(slack.agent) == ["my parcel is late", "order 1234"]
    assert {m.sender_id for m in slack.agent.messages} == {f"slack:CSUPPORT1:{mention_ts}:UANN"}
    assert [(p["channel"], p["thread_ts"]) for p in slack.fake.posted()] == [("CSUPPORT1", mention_ts)] * 2


@pytest.mark.parametrize(
    "extra",
    [
        {"bot_id": "BOTHER"},
        {"subtype": "bot_message", "bot_id": "BBOT0001"},
        {"user": "UBOT0001"},
        {"subtype": "message_changed"},
        {"subtype": "channel_join"},
        {"text": ""},
    ],
    ids=["any-bot", "bot-message-subtype", "own-user", "edit", "join", "no-text"],
)
async def test_bots_and_non_messages_are_never_answered(slack: Harness, extra: Dict[str, Any]) -> None:
    event = {**message_event("You said: hi"), **extra}
    status, _, _ = await slack.post(event_request(SECRET, event))
    await slack.settle()
    assert status == 200 and slack.agent.messages == [] and slack.fake.calls("chat.postMessage") == []


async def test_slack_markup_is_normalised_before_nlu(slack: Harness) -> None:
    text = "<@UBOT0001> *where* is my order <https://acme.com/o/1|A-1> :package: &amp; invoice"
    await slack.post(event_request(SECRET, app_mention_event(text)))
    await slack.settle()
    assert texts(slack.agent) == ["where is my order A-1 📦 & invoice"]


# --- Block Kit and buttons ----------------------------------------------------------------


async def test_buttons_are_rendered_as_block_kit_actions(slack: Harness) -> None:
    await slack.post(event_request(SECRET, message_event("hi")))
    await slack.settle()
    (post,) = slack.fake.posted()
    assert post["text"] == "You said: hi"  # fallback for notifications
    section, actions = post["blocks"]
    assert section == {"type": "section", "text": {"type": "mrkdwn", "text": "You said: hi"}}
    assert actions["type"] == "actions"
    assert [(e["type"], e["text"]["text"], e["value"]) for e in actions["elements"]] == [
        ("button", "Track my order", "/order_status"),
        ("button", "Talk to a person", "/request_human"),
    ]
    assert len({e["action_id"] for e in actions["elements"]}) == 2


async def test_a_button_click_becomes_the_buttons_payload_from_that_customer(slack: Harness) -> None:
    await slack.post(event_request(SECRET, message_event("hi", user="UANN", channel="DANN")))
    await slack.settle()
    bot_message = slack.fake.calls("chat.postMessage")[0].response
    click = block_actions_payload("/request_human", user="UANN", channel="DANN", message_ts=bot_message["ts"])
    status, body, _ = await slack.post(interactive_request(SECRET, click))
    await slack.settle()
    assert (status, body) == (200, "")
    assert texts(slack.agent) == ["hi", "/request_human"]
    assert slack.agent.messages[1].sender_id == slack.agent.messages[0].sender_id == "slack:DANN:UANN"
    assert [p["channel"] for p in slack.fake.posted()] == ["DANN", "DANN"]


async def test_a_click_in_a_channel_thread_stays_in_that_thread(slack: Harness) -> None:
    root = new_ts()
    click = block_actions_payload("/order_status", user="UANN", channel="CSUPPORT1", message_ts=new_ts(), thread_ts=root)
    await slack.post(interactive_request(SECRET, click))
    await slack.settle()
    assert slack.agent.messages[0].sender_id == f"slack:CSUPPORT1:{root}:UANN"
    assert slack.fake.posted()[0]["thread_ts"] == root


async def test_a_link_button_click_is_acknowledged_without_a_message(slack: Harness) -> None:
    click = block_actions_payload(None, url="https://acme.com/returns")
    status, _, _ = await slack.post(interactive_request(SECRET, click))
    await slack.settle()
    assert status == 200 and slack.agent.messages == []


def test_render_message_with_image_and_markdown_link() -> None:
    payload = render_message({"text": "See **this** [guide](https://acme.com/g) <now>", "image": "https://acme.com/i.png"})
    assert payload is not None
    assert payload["blocks"][0]["text"]["text"] == "See *this* <https://acme.com/g|guide> &lt;now&gt;"
    assert payload["blocks"][1] == {
        "type": "image",
        "image_url": "https://acme.com/i.png",
        "alt_text": payload["blocks"][1]["alt_text"],
    }
    assert render_message({"text": "  "}) is None


def test_conversation_ids_round_trip() -> None:
    assert conversation_id("DANN", "UANN", None, True) == "slack:DANN:UANN"
    assert conversation_id("C1", "UANN", "17.1", False) == "slack:C1:17.1:UANN"
    assert parse_conversation_id("slack:DANN:UANN") == ("DANN", None)
    assert parse_conversation_id("slack:C1:17.1:UANN") == ("C1", "17.1")
    assert parse_conversation_id("web-123") == (None, None)
