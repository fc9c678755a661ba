"""The Slack Web API clients (connectors/slack/client.py) and their retries (retry.py) against the fake Slack.

Slack behaviour relied on (tests/fakes/slack_api.py answers the same way):

- errors as HTTP 200 ``{"ok": false, "error": ...}``: https://docs.slack.dev/apis/web-api/#responses
- rate limits, HTTP 429 with ``Retry-After``: https://docs.slack.dev/apis/web-api/rate-limits
- chat.postMessage, users.info, auth.test: https://docs.slack.dev/reference/methods

The retry waits go through an injected sleep that records them and returns at once, so
the tests count attempts and waits without sleeping.
"""

from __future__ import annotations

import asyncio
from urllib.error import URLError

import pytest

from connectors.slack.client import (
    AsyncSlackClient,
    SlackClient,
    SlackRejected,
    SlackUnavailable,
    error_from_network,
    post_to_response_url,
)
from connectors.slack.retry import RetryPolicy
from tests.connectors.slack.channel_harness import Waits
from tests.fakes.slack_api import FakeSlackApi

TRANSIENT = ["ratelimited", "http_500", "internal_error", "disconnect"]


def async_client(fake: FakeSlackApi, waits: Waits, attempts: int = 4) -> AsyncSlackClient:
    return AsyncSlackClient(fake.token or "", fake.base_url, timeout=2, retry=RetryPolicy(attempts=attempts, sleep=waits))


# --- the customers' client: slack_sdk's retry handlers --------------------------------------


@pytest.mark.parametrize("failure", TRANSIENT)
async def test_a_transient_failure_is_retried_and_then_succeeds(fake: FakeSlackApi, failure: str) -> None:
    waits = Waits()
    fake.fail("chat.postMessage", failure, times=1)
    reply = await async_client(fake, waits).post_message(channel="D1", text="hi")
    assert reply["ok"] is True and reply["channel"] == "D1"
    assert [c.outcome for c in fake.calls("chat.postMessage")] == [failure, "ok"]
    assert waits.seconds == [0.5]


@pytest.mark.parametrize("failure", TRANSIENT)
async def test_a_failure_that_lasts_ends_after_the_policys_attempts(fake: FakeSlackApi, failure: str) -> None:
    waits = Waits()
    fake.fail("chat.postMessage", failure, times=10)
    with pytest.raises(SlackUnavailable) as error:
        await async_client(fake, waits).post_message(channel="D1", text="my order 98765")
    assert error.value.retryable and error.value.method == "chat.postMessage"
    assert "98765" not in str(error.value) and (fake.token or "") not in str(error.value)
    assert len(fake.calls("chat.postMessage")) == 4
    assert waits.seconds == [0.5, 1.0, 2.0]


async def test_the_number_of_attempts_is_the_policys(fake: FakeSlackApi) -> None:
    waits = Waits()
    fake.fail("chat.postMessage", "ratelimited", times=10)
    with pytest.raises(SlackUnavailable, match="ratelimited"):
        await async_client(fake, waits, attempts=2).post_message(channel="D1", text="hi")
    assert len(fake.calls("chat.postMessage")) == 2 and waits.seconds == [0.5]
    once = Waits()
    with pytest.raises(SlackUnavailable):
        await async_client(fake, once, attempts=1).post_message(channel="D1", text="hi")
    assert len(fake.calls("chat.postMessage")) == 3 and once.seconds == []


@pytest.mark.parametrize(("failure", "code"), [("invalid_auth", "invalid_auth"), ("channel_not_found", "channel_not_found")])
async def test_a_refusal_is_final_at_once(fake: FakeSlackApi, failure: str, code: str) -> None:
    waits = Waits()
    fake.fail("chat.postMessage", failure)
    with pytest.raises(SlackRejected) as error:
        await async_client(fake, waits).post_message(channel="D1", text="hi")
    assert error.value.error == code and not error.value.retryable
    assert len(fake.calls("chat.postMessage")) == 1 and waits.seconds == []


async def test_auth_test_names_the_apps_user(fake: FakeSlackApi) -> None:
    assert (await async_client(fake, Waits()).auth_test())["user_id"] == fake.bot_user_id


def test_a_policy_needs_one_attempt_at_least() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        RetryPolicy(attempts=0)


# --- the agents' client: one attempt, the outbox retries --------------------------------------


@pytest.mark.parametrize("failure", TRANSIENT)
def test_the_blocking_client_makes_one_attempt_and_says_a_retry_can_help(fake: FakeSlackApi, failure: str) -> None:
    fake.fail("chat.postMessage", failure, times=2)
    with pytest.raises(SlackUnavailable) as error:
        SlackClient(fake.token or "", fake.base_url, timeout=2).post_message(channel="C1", text="hi")
    assert error.value.retryable
    assert len(fake.calls("chat.postMessage")) == 1


def test_a_rate_limit_names_its_retry_after(fake: FakeSlackApi) -> None:
    fake.fail("chat.postMessage", "ratelimited", seconds=12)
    with pytest.raises(SlackUnavailable, match=r"ratelimited \(Retry-After 12s\)"):
        SlackClient(fake.token or "", fake.base_url).post_message(channel="C1", text="hi")


def test_users_info(fake: FakeSlackApi) -> None:
    fake.add_user("UANA", display_name="Ana")
    client = SlackClient(fake.token or "", fake.base_url)
    assert client.users_info("UANA")["user"]["profile"]["display_name"] == "Ana"
    with pytest.raises(SlackRejected, match="user_not_found"):
        client.users_info("UNOBODY")


def test_the_token_is_never_shown(fake: FakeSlackApi) -> None:
    client = SlackClient("xoxb-do-not-show", fake.base_url)
    assert "xoxb-do-not-show" not in repr(client)
    with pytest.raises(SlackRejected) as error:
        client.post_message(channel="C1", text="hi")
    assert error.value.error == "invalid_auth" and "xoxb-do-not-show" not in str(error.value)


@pytest.mark.parametrize(
    ("error", "named"),
    [
        (TimeoutError("timed out"), "timeout"),
        (asyncio.TimeoutError(), "timeout"),
        (URLError(TimeoutError("timed out")), "timeout"),
        (ConnectionResetError("reset"), "ConnectionResetError"),
        (URLError("Name or service not known"), "URLError"),
    ],
)
def test_network_failures_are_retryable(error: Exception, named: str) -> None:
    typed = error_from_network("chat.postMessage", error)
    assert typed is not None and typed.retryable and typed.error == named


def test_a_bug_is_not_disguised_as_a_slack_error() -> None:
    assert error_from_network("chat.postMessage", KeyError("ts")) is None


# --- response_url -------------------------------------------------------------------------------


async def test_post_to_response_url(fake: FakeSlackApi) -> None:
    await post_to_response_url(fake.response_url("r1"), {"response_type": "ephemeral", "text": "Not possible now"})
    (call,) = fake.calls("response_url")
    assert call.params == {"response_type": "ephemeral", "text": "Not possible now"}
    with pytest.raises(SlackRejected, match="HTTP 404"):
        await post_to_response_url(f"{fake.origin}/elsewhere", {"text": "x"})
