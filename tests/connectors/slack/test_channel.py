"""Customers on Slack, requests: connectors/slack/channel.py mounted the way Rasa mounts it, on a
real Sanic server on a loopback port, replying through a fake Slack Web API (tests/fakes/slack_api.py;
the harness: channel_harness.py). Signing, the Events API, retries and duplicates.

Slack behaviour relied on:

- signing: https://api.slack.com/authentication/verifying-requests-from-slack
- url_verification: https://api.slack.com/events/url_verification
- Events API envelope, 3-second ack, retries (X-Slack-Retry-Num / X-Slack-Retry-Reason):
  https://docs.slack.dev/apis/events-api/
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, Callable, Dict

import pytest

from connectors.slack.channel import SlackInput
from tests.connectors.slack.channel_harness import SECRET, Harness, RecordingAgent, make_channel, texts
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
