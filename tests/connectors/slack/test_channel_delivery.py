"""Customers on Slack, delivery: the channel's replies (connectors/slack/channel.py) when Slack fails,
and its handoff hooks; run as in test_channel.py.

Slack behaviour relied on:

- rate limits (429 + Retry-After): https://docs.slack.dev/apis/web-api/rate-limits
- chat.postMessage (``thread_ts``): https://docs.slack.dev/reference/methods/chat.postMessage
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Callable, Dict, List, Tuple

import pytest
from rasa.core.channels.channel import UserMessage

from connectors.slack.channel import SlackInput
from connectors.slack.output import SlackOutput
from connectors.slack.retry import RetryPolicy
from tests.connectors.slack.channel_harness import SECRET, Harness, RecordingAgent, Waits, make_channel, texts
from tests.fakes import serve
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_requests import event_request, message_event, new_ts

# --- delivery failures --------------------------------------------------------------------


@pytest.mark.parametrize("failure", ["ratelimited", "http_500", "internal_error", "disconnect"])
async def test_a_failed_reply_is_retried_until_delivered(slack: Harness, failure: str) -> None:
    slack.fake.fail("chat.postMessage", failure, times=2)
    await slack.post(event_request(SECRET, message_event("hi")))
    await slack.settle()
    attempts = slack.fake.calls("chat.postMessage")
    assert [c.outcome for c in attempts] == [failure, failure, "ok"]
    assert slack.waits.seconds == [0.5, 1.0]  # backoff doubling from 0.5 s; the fake's Retry-After is 0


async def test_a_rate_limited_reply_waits_at_least_retry_after_within_the_cap(slack: Harness) -> None:
    slack.fake.fail("chat.postMessage", "ratelimited", times=1, seconds=7)
    slack.fake.fail("chat.postMessage", "ratelimited", times=1, seconds=90)
    await slack.post(event_request(SECRET, message_event("hi")))
    await slack.settle()
    assert [c.outcome for c in slack.fake.calls("chat.postMessage")] == ["ratelimited", "ratelimited", "ok"]
    assert slack.waits.seconds == [7.0, 30.0]  # Retry-After over the backoff; never more than max_delay


async def test_a_reply_that_times_out_is_retried(fake: FakeSlackApi) -> None:
    waits = Waits()
    channel = make_channel(fake, {}, waits=waits, api_timeout=0.2)
    agent = RecordingAgent()
    server, url = await serve(channel, agent)
    try:
        fake.fail("chat.postMessage", "slow", times=1, seconds=1.0)
        await Harness(fake, channel, agent, url, {}, waits).post(event_request(SECRET, message_event("hi")))
        await asyncio.wait_for(channel.idle(), timeout=30)
    finally:
        server.close()
        await server.wait_closed()
    # The client gave up on the slow call (the fake records it when it answers, later) and tried again.
    assert waits.seconds == [0.5]
    assert len(fake.wait_for("chat.postMessage", count=2)) == 2


async def test_an_undeliverable_reply_is_logged_with_the_conversation_id_not_the_text(
    slack: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    slack.fake.fail("chat.postMessage", "http_500", times=10)
    with caplog.at_level(logging.DEBUG):
        await slack.post(event_request(SECRET, message_event("my secret order 98765", user="UANN", channel="DANN")))
        await slack.settle()
    assert len(slack.fake.calls("chat.postMessage")) == 4  # RetryPolicy.attempts
    assert slack.waits.seconds == [0.5, 1.0, 2.0]
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("slack:DANN:UANN" in line and "not delivered" in line for line in errors)
    assert not any("98765" in r.getMessage() for r in caplog.records)


async def test_a_reply_rejected_for_good_is_not_retried(slack: Harness, caplog: pytest.LogCaptureFixture) -> None:
    slack.fake.missing_channels.add("DGONE")
    with caplog.at_level(logging.ERROR):
        await slack.post(event_request(SECRET, message_event("hi", user="UANN", channel="DGONE")))
        await slack.settle()
    assert [c.outcome for c in slack.fake.calls("chat.postMessage")] == ["channel_not_found"]
    assert slack.waits.seconds == []
    assert any("slack:DGONE:UANN" in r.getMessage() and "channel_not_found" in r.getMessage() for r in caplog.records)


async def test_a_handler_crash_is_logged_and_the_server_keeps_serving(slack: Harness, caplog: pytest.LogCaptureFixture) -> None:
    async def crash(message: UserMessage) -> None:
        raise RuntimeError("boom")

    original = slack.agent.handle_message
    slack.agent.handle_message = crash  # type: ignore[method-assign]
    with caplog.at_level(logging.ERROR):
        await slack.post(event_request(SECRET, message_event("secret words", user="UANN", channel="DANN")))
        await slack.settle()
    assert any("slack:DANN:UANN" in r.getMessage() for r in caplog.records)
    assert not any("secret words" in r.getMessage() for r in caplog.records)
    slack.agent.handle_message = original  # type: ignore[method-assign]
    status, _, _ = await slack.post(event_request(SECRET, message_event("hello again")))
    await slack.settle()
    assert status == 200 and texts(slack.agent) == ["hello again"]


# --- handoff hooks ------------------------------------------------------------------------


async def test_registered_output_reaches_the_customer_thread_later(slack: Harness) -> None:
    root = new_ts()
    await slack.post(event_request(SECRET, message_event("hi", user="UANN", channel="DANN", thread_ts=root)))
    await slack.settle()
    factory = slack.registered["slack"]
    message = slack.agent.messages[0]
    output = factory(message.sender_id, message.metadata)
    assert isinstance(output, SlackOutput)
    await output.send_text_message(message.sender_id, "Ann from support here <3")
    last = slack.fake.posted()[-1]
    assert (last["channel"], last["thread_ts"]) == ("DANN", root)
    assert last["text"] == "Ann from support here &lt;3"
    # an agent's reply, as the handoff relay sends it, says who is writing
    await output.send_response(message.sender_id, {"text": "Refund issued", "metadata": {"sender": "agent", "agent_name": "Ana"}})
    last = slack.fake.posted()[-1]
    assert last["blocks"][0]["text"]["text"] == "*Ana:* Refund issued" and last["text"] == "Ana: Refund issued"
    # without metadata the conversation id is enough to find the channel and thread
    from_id = factory("slack:CSUPPORT1:1700000000.000100:UANN", {})
    assert (from_id.channel, from_id.thread_ts) == ("CSUPPORT1", "1700000000.000100")
    assert factory("rest-user-1", {}) is None


async def test_messages_pass_through_the_handoff_relay_by_default(fake: FakeSlackApi, monkeypatch: pytest.MonkeyPatch) -> None:
    from connectors.handoff import runtime

    relayed: List[Tuple[str, str]] = []
    registered: Dict[str, Any] = {}

    def relay_incoming(on_new_message: Callable, channel: str) -> Callable:
        async def handle(message: UserMessage) -> Any:
            relayed.append((channel, message.sender_id))
            return await on_new_message(message)

        return handle

    monkeypatch.setattr(runtime, "relay_incoming", relay_incoming)
    monkeypatch.setattr(runtime, "register_output", lambda name, factory: registered.__setitem__(name, factory))
    started: List[Any] = []
    monkeypatch.setattr(runtime, "start_with", started.append)
    channel = SlackInput(fake.token, SECRET, fake.base_url, delivery_retry=RetryPolicy(sleep=Waits()))
    agent = RecordingAgent()
    server, url = await serve(channel, agent)
    try:
        harness = Harness(fake, channel, agent, url, registered)
        await harness.post(event_request(SECRET, message_event("hi", user="UANN", channel="DANN")))
        await harness.settle()
    finally:
        server.close()
        await server.wait_closed()
    assert relayed == [("slack", "slack:DANN:UANN")]
    assert texts(agent) == ["hi"] and "slack" in registered and len(started) == 1


async def test_a_failing_relay_does_not_lose_the_message(fake: FakeSlackApi, caplog: pytest.LogCaptureFixture) -> None:
    def broken_relay(on_new_message: Callable, channel: str) -> Callable:
        async def handle(message: UserMessage) -> Any:
            raise ConnectionError("handoff store unavailable")

        return handle

    channel = make_channel(fake, {}, relay_incoming=broken_relay)
    agent = RecordingAgent()
    server, url = await serve(channel, agent)
    try:
        harness = Harness(fake, channel, agent, url, {})
        with caplog.at_level(logging.ERROR):
            await harness.post(event_request(SECRET, message_event("hi", user="UANN", channel="DANN")))
            await harness.settle()
    finally:
        server.close()
        await server.wait_closed()
    assert texts(agent) == ["hi"] and len(fake.posted()) == 1
    assert any("relay failed" in r.getMessage() and "slack:DANN:UANN" in r.getMessage() for r in caplog.records)
