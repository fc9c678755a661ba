"""Customers on Slack: connectors/slack/channel.py mounted the way Rasa mounts it, on a real Sanic
server on a loopback port, replying through a fake Slack Web API (tests/fakes/slack_api.py).

Slack behaviour relied on:

- signing: https://api.slack.com/authentication/verifying-requests-from-slack
- url_verification: https://api.slack.com/events/url_verification
- Events API envelope, 3-second ack, retries (X-Slack-Retry-Num / X-Slack-Retry-Reason):
  https://docs.slack.dev/apis/events-api/
- block_actions sent as the ``payload`` form field:
  https://docs.slack.dev/reference/interaction-payloads/block_actions-payload
- chat.postMessage (``thread_ts``, ``blocks``): https://docs.slack.dev/reference/methods/chat.postMessage
- actions block and button element: https://docs.slack.dev/reference/block-kit/blocks/actions-block
- rate limits (429 + Retry-After): https://docs.slack.dev/apis/web-api/rate-limits

Rasa's ``register`` calls ``app.ctx.agent.handle_message``; the test agent records each
message and answers through ``message.output_channel`` (text + buttons), so the real
output channel posts to the fake. The handoff relay is replaced by a pass-through.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any, AsyncIterator, Callable, Dict, List, Optional, Tuple

import aiohttp
import pytest
from rasa.core.channels.channel import UserMessage
from sanic import Sanic

from connectors.slack.blocks import render_message
from connectors.slack.channel import HandoffHooks, SlackInput
from connectors.slack.conversation import conversation_id, parse_conversation_id
from connectors.slack.output import SlackOutput
from connectors.slack.retry import RetryPolicy
from tests.fakes import serve
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_requests import (
    SignedRequest,
    app_mention_event,
    block_actions_payload,
    event_request,
    interactive_request,
    message_event,
    new_ts,
    signed,
    url_verification_request,
)

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BUTTONS = [{"title": "Track my order", "payload": "/order_status"}, {"title": "Talk to a person", "payload": "/request_human"}]


class RecordingAgent:
    """Stands in for rasa.core.agent.Agent: records messages, replies with text and buttons."""

    def __init__(self) -> None:
        self.messages: List[UserMessage] = []
        self.gate: Optional[asyncio.Event] = None  # set to hold handling (ack-speed test)

    async def handle_message(self, message: UserMessage) -> None:
        self.messages.append(message)
        if self.gate is not None:
            await self.gate.wait()
        await message.output_channel.send_response(message.sender_id, {"text": f"You said: {message.text}", "buttons": BUTTONS})


class Waits:
    """The retry policy's sleep: records how long each wait would be and returns at once."""

    def __init__(self) -> None:
        self.seconds: List[float] = []

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


class Harness:
    def __init__(
        self,
        fake: FakeSlackApi,
        channel: SlackInput,
        agent: RecordingAgent,
        url: str,
        registered: Dict[str, Any],
        waits: Optional[Waits] = None,
    ) -> None:
        self.fake, self.channel, self.agent, self.url, self.registered = fake, channel, agent, url, registered
        self.waits = waits or Waits()

    async def post(self, request: SignedRequest, path: str = "/webhooks/slack/webhook") -> Tuple[int, str, float]:
        started = time.monotonic()
        async with aiohttp.ClientSession() as session:
            async with session.post(self.url + path, data=request.body, headers=request.headers) as reply:
                return reply.status, await reply.text(), time.monotonic() - started

    async def settle(self) -> None:
        await asyncio.wait_for(self.channel.idle(), timeout=30)


def make_channel(
    fake: FakeSlackApi, registered: Dict[str, Any], secret: Optional[str] = SECRET, waits: Optional[Waits] = None, **kwargs: Any
) -> SlackInput:
    return SlackInput(
        slack_token=fake.token,
        slack_signing_secret=secret,
        slack_api_url=fake.base_url,
        handoff=HandoffHooks(
            relay_incoming=kwargs.pop("relay_incoming", lambda on_new_message, name: on_new_message),
            register_output=lambda name, factory: registered.__setitem__(name, factory),
            start_with=lambda blueprint: None,
        ),
        delivery_retry=RetryPolicy(sleep=waits or Waits()),
        **kwargs,
    )


@pytest.fixture(autouse=True)
def sanic_test_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    """Several apps in one process: Sanic's test mode skips its one-off code rewriting (touchup)."""
    monkeypatch.setattr(Sanic, "test_mode", True)


@pytest.fixture
def fake() -> FakeSlackApi:
    with FakeSlackApi() as api:
        yield api


@pytest.fixture
async def slack(fake: FakeSlackApi) -> AsyncIterator[Harness]:
    registered: Dict[str, Any] = {}
    waits = Waits()
    channel = make_channel(fake, registered, waits=waits)
    agent = RecordingAgent()
    server, url = await serve(channel, agent)
    try:
        yield Harness(fake, channel, agent, url, registered, waits)
    finally:
        if agent.gate is not None:
            agent.gate.set()
        await channel.idle()
        await server.before_stop()
        server.close()
        await server.wait_closed()


def texts(agent: RecordingAgent) -> List[str]:
    return [m.text for m in agent.messages]


# --- signing ------------------------------------------------------------------------------


async def test_valid_signature_is_acknowledged_and_answered(slack: Harness) -> None:
    status, _, _ = await slack.post(event_request(SECRET, message_event("where is my order?")))
    await slack.settle()
    assert status == 200
    assert texts(slack.agent) == ["where is my order?"]
    assert [p["channel"] for p in slack.fake.posted()] == ["DCUST0001"]


@pytest.mark.parametrize(
    ("signing", "reason"),
    [({"forged": True}, "does not match"), ({"stale": True}, "five-minute"), ({"unsigned": True}, "missing signature")],
    ids=["forged", "replayed-stale-timestamp", "missing-signature"],
)
async def test_unverified_requests_get_401_and_are_not_processed(slack: Harness, signing: Dict[str, Any], reason: str) -> None:
    status, body, _ = await slack.post(event_request(SECRET, message_event("where is my order?"), **signing))
    await slack.settle()
    assert status == 401
    assert json.loads(body)["error"] == "invalid_signature" and reason in json.loads(body)["message"]
    assert slack.agent.messages == [] and slack.fake.calls() == []


async def test_a_forged_button_click_gets_401(slack: Harness) -> None:
    status, _, _ = await slack.post(interactive_request(SECRET, block_actions_payload("/request_human"), forged=True))
    assert status == 401 and slack.agent.messages == []


async def test_without_a_signing_secret_every_request_gets_404(fake: FakeSlackApi) -> None:
    channel = make_channel(fake, {}, secret=None)
    server, url = await serve(channel, RecordingAgent())
    try:
        harness = Harness(fake, channel, RecordingAgent(), url, {})
        status, body, _ = await harness.post(event_request("anything", message_event("hi")))
        assert status == 404
        assert json.loads(body) == {"error": "not_configured", "message": "Slack is not configured"}
    finally:
        server.close()
        await server.wait_closed()


def test_credentials_fall_back_to_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-env")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "env-secret")
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api")
    channel = SlackInput.from_credentials(None)
    assert (channel.slack_token, channel.slack_signing_secret, channel.slack_api_url) == (
        "xoxb-env",
        "env-secret",
        "http://127.0.0.1:9/api/",
    )
    from_file = SlackInput.from_credentials({"slack_token": "xoxb-file", "slack_signing_secret": "file-secret"})
    assert (from_file.slack_token, from_file.slack_signing_secret) == ("xoxb-file", "file-secret")
    assert "xoxb" not in repr(from_file) and "secret" not in repr(from_file).replace("slack_signing_secret", "")


def test_defaults_without_credentials_or_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_API_URL"):
        monkeypatch.delenv(name, raising=False)
    channel = SlackInput.from_credentials({})
    assert channel.slack_signing_secret is None and channel.slack_api_url == "https://slack.com/api/"


# --- Events API basics --------------------------------------------------------------------


async def test_url_verification_echoes_the_challenge(slack: Harness) -> None:
    status, body, _ = await slack.post(url_verification_request(SECRET, "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"))
    assert (status, body) == (200, "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")


async def test_acknowledges_before_the_message_is_handled(slack: Harness) -> None:
    slack.agent.gate = asyncio.Event()
    # The handler is held at the gate: an answer at all proves the acknowledgement did not wait for it.
    status, _, _ = await asyncio.wait_for(slack.post(event_request(SECRET, message_event("where is my order?"))), timeout=30)
    assert status == 200
    assert slack.fake.posted() == []  # still being handled
    slack.agent.gate.set()
    await slack.settle()
    assert len(slack.fake.posted()) == 1


@pytest.mark.parametrize(
    ("request_factory", "code"),
    [
        (lambda: signed(SECRET, b"{not json", "application/json"), "invalid_json"),
        (lambda: signed(SECRET, b"[1, 2]", "application/json"), "invalid_json"),
        (lambda: signed(SECRET, b"foo=bar", "application/x-www-form-urlencoded"), "invalid_payload"),
        (lambda: signed(SECRET, b"payload=%7Bbroken", "application/x-www-form-urlencoded"), "invalid_payload"),
        (lambda: signed(SECRET, b"hello", "text/plain"), "unsupported_content_type"),
        (lambda: signed(SECRET, b'{"type": "url_verification"}', "application/json"), "missing_challenge"),
    ],
    ids=["broken-json", "json-array", "form-without-payload", "payload-not-json", "text-body", "challenge-missing"],
)
async def test_malformed_signed_requests_get_400(slack: Harness, request_factory: Callable[[], SignedRequest], code: str) -> None:
    status, body, _ = await slack.post(request_factory())
    assert status == 400 and json.loads(body)["error"] == code


async def test_events_that_are_not_messages_are_acknowledged_and_ignored(slack: Harness) -> None:
    status, _, _ = await slack.post(event_request(SECRET, {"type": "reaction_added", "user": "U1", "reaction": "+1"}))
    await slack.settle()
    assert status == 200 and slack.agent.messages == []


# --- retries and duplicates ---------------------------------------------------------------


async def test_a_retried_event_is_answered_once(slack: Harness) -> None:
    event = message_event("where is my order?")
    await slack.post(event_request(SECRET, event, event_id="Ev01"))
    for number in (1, 2, 3):
        status, _, _ = await slack.post(event_request(SECRET, event, event_id="Ev01", retry=(number, "http_timeout")))
        assert status == 200
    await slack.settle()
    assert texts(slack.agent) == ["where is my order?"]
    assert len(slack.fake.calls("chat.postMessage")) == 1


async def test_a_timeout_retry_is_not_processed_even_if_its_event_is_new(slack: Harness) -> None:
    await slack.post(event_request(SECRET, message_event("hello"), event_id="Ev02", retry=(1, "http_timeout")))
    await slack.settle()
    assert slack.agent.messages == []


async def test_a_retry_after_a_failed_first_delivery_is_answered_once(slack: Harness) -> None:
    """connection_failed: the first attempt never reached us, so dropping the retry would lose the message."""
    event = message_event("my payment failed")
    await slack.post(event_request(SECRET, event, event_id="Ev03", retry=(1, "connection_failed")))
    await slack.post(event_request(SECRET, event, event_id="Ev03", retry=(2, "connection_failed")))
    await slack.settle()
    assert texts(slack.agent) == ["my payment failed"]


async def test_the_same_event_id_twice_is_answered_once(slack: Harness) -> None:
    event = message_event("hello")
    await slack.post(event_request(SECRET, event, event_id="Ev04"))
    await slack.post(event_request(SECRET, event, event_id="Ev04"))
    await slack.settle()
    assert texts(slack.agent) == ["hello"]


async def test_a_channel_mention_delivered_as_app_mention_and_message_is_answered_once(slack: Harness) -> None:
    ts = new_ts()
    mention = app_mention_event("<@UBOT0001> I was charged twice", channel="CSUPPORT1", ts=ts)
    as_message = message_event("<@UBOT0001> I was charged twice", channel="CSUPPORT1", channel_type="channel", ts=ts)
    await slack.post(event_request(SECRET, mention))
    await slack.post(event_request(SECRET, as_message))
    await slack.settle()
    assert texts(slack.agent) == ["I was charged twice"]


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


def test_conversation_ids_round_trip() -> None:
    assert conversation_id("DANN", "UANN", None, True) == "slack:DANN:UANN"
    assert conversation_id("C1", "UANN", "17.1", False) == "slack:C1:17.1:UANN"
    assert parse_conversation_id("slack:DANN:UANN") == ("DANN", None)
    assert parse_conversation_id("slack:C1:17.1:UANN") == ("C1", "17.1")
    assert parse_conversation_id("web-123") == (None, None)
