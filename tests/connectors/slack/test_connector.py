"""Slack for agents, outbound: connectors/slack/connector.py against the fake Slack Web API.

``SlackAgentsConnector.deliver`` is called like the outbox dispatcher calls it.

Slack behaviour relied on:

- chat.postMessage (``thread_ts``, ``blocks``, ``metadata``; errors as ``ok: false``):
  https://docs.slack.dev/reference/methods/chat.postMessage
- rate limits (HTTP 429 + Retry-After): https://docs.slack.dev/apis/web-api/rate-limits
- header, section, context and actions blocks: https://docs.slack.dev/reference/block-kit/blocks
"""

from __future__ import annotations

import json
from typing import Any, Dict, Optional

import pytest

from connectors.handoff.livechat import DeliveryError, OutboxItem
from connectors.slack.connector import SlackAgentsConnector
from connectors.slack.packet import ACTION_CLAIM, ACTION_HAND_BACK, ACTION_RESOLVE
from tests.fakes.slack_api import FakeSlackApi

AGENTS_CHANNEL = "CAGENTS01"

PACKET: Dict[str, Any] = {
    "handoff_id": "h-123",
    "conversation_id": "slack:DANN:UANN",
    "reason": {"code": "charged_twice", "explanation": "The customer was charged twice for order A-1 & wants a refund."},
    "priority": "high",
    "queue": "billing",
    "customer": {"id": "cust-7f3a", "tier": "gold"},
    "summary": {
        "goal": "Get the duplicate charge refunded",
        "what_happened": "Two charges of 49.90 on 3 May",
        "tried": ["Checked the bank statement", "Read 'Charged twice'"],
        "open_question": "Was the second charge captured or only authorised?",
        "suggested_next_step": "Look up the payment in the PSP and refund the duplicate",
    },
    "articles_shown": [{"id": "charged-twice", "title": "Charged twice", "verdict": "not_helpful"}],
    "urgent_words": ["refund", "<!channel>"],
    "transcript": [
        {"from": "customer", "text": "I was charged twice", "at": "2026-05-03T10:00:00Z"},
        {"from": "bot", "text": "Sorry about that. Here is what to check...", "at": "2026-05-03T10:00:02Z"},
    ],
}


def item(kind: str, payload: Dict[str, Any], remote: Optional[Dict[str, Any]] = None, attempts: int = 0) -> OutboxItem:
    return OutboxItem(
        id=1,
        handoff_id="h-123",
        conversation_id="slack:DANN:UANN",
        kind=kind,
        payload=payload,
        idempotency_key=f"h-123:{kind}",
        attempts=attempts,
        remote=remote or {},
    )


@pytest.fixture
def fake() -> FakeSlackApi:
    with FakeSlackApi(token="xoxb-agents-token") as api:
        api.add_user("UAGENT1", display_name="Ana", real_name="Ana Lima")
        yield api


@pytest.fixture
def connector(fake: FakeSlackApi) -> SlackAgentsConnector:
    return SlackAgentsConnector.from_config(
        {"type": "slack", "agents_channel": AGENTS_CHANNEL, "bot_token": fake.token, "api_url": fake.base_url, "timeout": 2}
    )


# --- configuration ------------------------------------------------------------------------


def test_from_config_defaults_and_masked_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SLACK_AGENTS_BOT_TOKEN", raising=False)
    connector = SlackAgentsConnector.from_config({"type": "slack", "agents_channel": "C1", "bot_token": "xoxb-secret-value"})
    assert connector.type_name == "slack"
    assert (connector.api_url, connector.timeout) == ("https://slack.com/api/", 10.0)
    assert "xoxb-secret-value" not in repr(connector) and "***" in repr(connector)


@pytest.mark.parametrize(
    ("cfg", "named"),
    [
        ({"bot_token": "xoxb-1"}, "agents_channel"),
        ({"agents_channel": "C1"}, "bot_token"),
        ({"agents_channel": "C1", "bot_token": ""}, "bot_token"),
        ({"agents_channel": "C1", "bot_token": "xoxb-1", "timeout": "soon"}, "timeout"),
        ({"agents_channel": "C1", "bot_token": "xoxb-1", "timeout": 0}, "timeout"),
    ],
    ids=["no-channel", "no-token", "empty-token-from-unset-env-var", "timeout-not-a-number", "timeout-zero"],
)
def test_from_config_names_the_missing_or_bad_key(monkeypatch: pytest.MonkeyPatch, cfg: Dict[str, Any], named: str) -> None:
    monkeypatch.delenv("SLACK_AGENTS_BOT_TOKEN", raising=False)
    with pytest.raises(ValueError, match=named):
        SlackAgentsConnector.from_config(cfg)


def test_endpoints_livechat_section_builds_this_connector() -> None:
    from connectors.handoff.tools import connector_for

    livechat = {"type": "slack", "agents_channel": "C1", "bot_token": "xoxb-1", "store_url": "sqlite:///var/handoff.db"}
    assert isinstance(connector_for(livechat), SlackAgentsConnector)


def test_bot_token_can_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_AGENTS_BOT_TOKEN", "xoxb-env")
    assert SlackAgentsConnector.from_config({"agents_channel": "C1"}).api.token == "xoxb-env"


# --- deliver ------------------------------------------------------------------------------


def test_handoff_packet_is_posted_for_action(connector: SlackAgentsConnector, fake: FakeSlackApi) -> None:
    refs = connector.deliver(item("handoff", {"packet": PACKET, "queue_position": 2}))
    (call,) = fake.calls("chat.postMessage")
    assert call.headers["Authorization"] == f"Bearer {fake.token}"
    post = call.params
    assert refs == {"channel": AGENTS_CHANNEL, "thread_ts": call.response["ts"]}  # later items go to this thread
    assert post["channel"] == AGENTS_CHANNEL and "thread_ts" not in post
    assert post["metadata"]["event_payload"] == {"handoff_id": "h-123", "idempotency_key": "h-123:handoff"}
    assert post["text"] == "New handoff (high, billing): The customer was charged twice for order A-1 &amp; wants a refund."

    blocks = post["blocks"]
    assert blocks[0] == {"type": "header", "text": {"type": "plain_text", "text": "Handoff: Charged twice", "emoji": True}}
    assert "*Why:* The customer was charged twice for order A-1 &amp; wants a refund." in blocks[1]["text"]["text"]
    fields = [f["text"] for f in blocks[2]["fields"]]
    assert fields == [
        "*Priority*\nhigh",
        "*Queue*\nbilling",
        "*Customer tier*\ngold",
        "*Customer*\ncust-7f3a",
        "*Queue position*\n2",
    ]
    summary = blocks[3]["text"]["text"]
    for expected in (
        "*Goal:* Get the duplicate charge refunded",
        "*What happened:* Two charges of 49.90 on 3 May",
        "*Tried:* Checked the bank statement; Read 'Charged twice'",
        "*Open question:* Was the second charge captured or only authorised?",
        "*Suggested next step:* Look up the payment in the PSP and refund the duplicate",
    ):
        assert expected in summary
    assert blocks[4]["text"]["text"] == "*Articles shown*\n• Charged twice (`charged-twice`): not_helpful"
    urgent = blocks[5]["elements"][0]["text"]
    assert "refund" in urgent and "&lt;!channel&gt;" in urgent and "<!channel>" not in urgent  # no broadcast injection
    assert "*customer:* I was charged twice" in blocks[6]["text"]["text"]
    actions = blocks[-1]
    assert actions["type"] == "actions"
    assert [(e["text"]["text"], e["action_id"], e["value"]) for e in actions["elements"]] == [
        ("Claim", ACTION_CLAIM, "h-123"),
        ("Resolve", ACTION_RESOLVE, "h-123"),
        ("Hand back to bot", ACTION_HAND_BACK, "h-123"),
    ]


def test_the_packets_thread_receives_the_following_items(connector: SlackAgentsConnector, fake: FakeSlackApi) -> None:
    refs = connector.deliver(item("handoff", {"packet": PACKET, "queue_position": None}))
    assert refs is not None
    connector.deliver(item("customer_message", {"text": "any news?"}, remote={"connector": "slack", **refs}))
    connector.deliver(item("closed", {"status": "resolved"}, remote={"connector": "slack", **refs}))
    packet, message, closed = fake.calls("chat.postMessage")
    assert "thread_ts" not in packet.params and "Queue position" not in json.dumps(packet.params["blocks"])
    assert message.params["thread_ts"] == closed.params["thread_ts"] == packet.response["ts"]


def test_a_retried_handoff_is_not_posted_twice(connector: SlackAgentsConnector, fake: FakeSlackApi) -> None:
    remote = {"connector": "slack", "channel": AGENTS_CHANNEL, "thread_ts": "1700000000.000100"}
    assert connector.deliver(item("handoff", {"packet": PACKET}, remote=remote, attempts=1)) is None
    assert fake.calls() == []


def test_a_customer_message_goes_into_the_packets_thread(connector: SlackAgentsConnector, fake: FakeSlackApi) -> None:
    remote = {"channel": AGENTS_CHANNEL, "thread_ts": "1700000000.000100"}
    assert connector.deliver(item("customer_message", {"text": "still waiting <!channel> & <@U1>"}, remote=remote)) is None
    (post,) = fake.posted()
    assert (post["channel"], post["thread_ts"]) == (AGENTS_CHANNEL, "1700000000.000100")
    assert post["text"] == ":speech_balloon: *Customer:* still waiting &lt;!channel&gt; &amp; &lt;@U1&gt;"


def test_a_customer_message_before_the_packet_is_retried_later(connector: SlackAgentsConnector, fake: FakeSlackApi) -> None:
    with pytest.raises(DeliveryError) as error:
        connector.deliver(item("customer_message", {"text": "hello"}))
    assert error.value.retryable and fake.calls() == []


@pytest.mark.parametrize(
    ("status", "line"),
    [("resolved", "Resolved"), ("returned_to_bot", "Handed back to the bot"), ("abandoned", "customer left")],
)
def test_closing_posts_a_status_line_in_the_thread(
    connector: SlackAgentsConnector, fake: FakeSlackApi, status: str, line: str
) -> None:
    remote = {"channel": AGENTS_CHANNEL, "thread_ts": "1700000000.000100"}
    connector.deliver(item("closed", {"status": status}, remote=remote))
    (post,) = fake.posted()
    assert post["thread_ts"] == "1700000000.000100" and line in post["text"]


def test_closing_a_handoff_never_posted_is_a_no_op(connector: SlackAgentsConnector, fake: FakeSlackApi) -> None:
    assert connector.deliver(item("closed", {"status": "abandoned"})) is None
    assert fake.calls() == []


@pytest.mark.parametrize(
    ("failure", "retryable"),
    [
        ("ratelimited", True),
        ("http_500", True),
        ("internal_error", True),
        ("disconnect", True),
        ("invalid_auth", False),
        ("channel_not_found", False),
    ],
)
def test_delivery_errors_say_whether_a_retry_can_help(
    connector: SlackAgentsConnector, fake: FakeSlackApi, failure: str, retryable: bool
) -> None:
    fake.fail("chat.postMessage", failure)
    with pytest.raises(DeliveryError) as error:
        connector.deliver(item("handoff", {"packet": PACKET}))
    assert error.value.retryable is retryable
    assert fake.token not in str(error.value) and "charged twice" not in str(error.value)


def test_a_slow_slack_times_out_as_retryable(fake: FakeSlackApi) -> None:
    connector = SlackAgentsConnector.from_config(
        {"agents_channel": AGENTS_CHANNEL, "bot_token": fake.token, "api_url": fake.base_url, "timeout": 0.2}
    )
    fake.fail("chat.postMessage", "slow", seconds=1.0)
    with pytest.raises(DeliveryError, match="timeout") as error:
        connector.deliver(item("handoff", {"packet": PACKET}))
    assert error.value.retryable


def test_a_wrong_token_is_not_retried(fake: FakeSlackApi) -> None:
    connector = SlackAgentsConnector.from_config(
        {"agents_channel": AGENTS_CHANNEL, "bot_token": "xoxb-wrong", "api_url": fake.base_url}
    )
    with pytest.raises(DeliveryError, match="invalid_auth") as error:
        connector.deliver(item("handoff", {"packet": PACKET}))
    assert not error.value.retryable and "xoxb-wrong" not in str(error.value)


def test_an_unknown_item_kind_is_not_retried(connector: SlackAgentsConnector) -> None:
    with pytest.raises(DeliveryError) as error:
        connector.deliver(item("typing", {}))
    assert not error.value.retryable


def test_the_fake_can_accept_any_token_for_end_to_end_stacks() -> None:
    with FakeSlackApi(token=None) as anything:
        connector = SlackAgentsConnector.from_config(
            {"agents_channel": "C1", "bot_token": "xoxb-whatever", "api_url": anything.base_url}
        )
        assert connector.deliver(item("handoff", {"packet": PACKET}))["channel"] == "C1"
