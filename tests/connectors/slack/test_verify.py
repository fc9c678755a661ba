"""Slack request signatures (connectors/slack/verify.py) with a pinned clock.

Signing: https://docs.slack.dev/authentication/verifying-requests-from-slack
(``v0=`` HMAC-SHA256 of ``v0:{timestamp}:{raw body}``, five minutes of tolerance).
The fake signs on its own (tests/fakes/slack_requests.py), not with the code under test.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Callable, Dict, Optional

import aiohttp
import pytest
from slack_sdk.signature import Clock

from connectors.slack.channel import HandoffHooks, SlackInput
from connectors.slack.retry import RetryPolicy
from connectors.slack.verify import TandemClock, verifier_for, why_refused
from core import clock
from tests.fakes import serve
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_requests import event_request, message_event, signed, slack_signature

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
SIGNED_AT = 1_800_000_000  # 2027-01-15T08:00:00Z, far from the suite's clock
BODY = b'{"type":"event_callback"}'


class PinnedClock(Clock):
    def __init__(self, now: float) -> None:
        self.at = now

    def now(self) -> float:
        return self.at


def headers(timestamp: Optional[str] = str(SIGNED_AT), signature: Optional[str] = None) -> Dict[str, str]:
    sent: Dict[str, str] = {}
    if timestamp is not None:
        sent["X-Slack-Request-Timestamp"] = timestamp
    if signature is not None:
        sent["X-Slack-Signature"] = signature
    return sent


def good(timestamp: int = SIGNED_AT, body: bytes = BODY) -> Dict[str, str]:
    return headers(str(timestamp), slack_signature(SECRET, str(timestamp), body))


@pytest.mark.parametrize("skew", [0, 299, 300, -300])
def test_a_signed_request_is_accepted_within_five_minutes(skew: int) -> None:
    verifier = verifier_for(SECRET, PinnedClock(SIGNED_AT + skew))
    assert verifier is not None and why_refused(verifier, good(), BODY) is None


@pytest.mark.parametrize("skew", [301, -301, 600])
def test_a_request_signed_more_than_five_minutes_away_is_a_replay(skew: int) -> None:
    verifier = verifier_for(SECRET, PinnedClock(SIGNED_AT + skew))
    assert verifier is not None
    assert "five-minute window" in (why_refused(verifier, good(), BODY) or "")


@pytest.mark.parametrize(
    ("sent", "reason"),
    [
        (headers(timestamp=None, signature="v0=abc"), "missing timestamp header"),
        (headers(timestamp="soon", signature="v0=abc"), "timestamp header is not an integer"),
        (headers(), "missing signature header"),
        (headers(signature=slack_signature("another-secret", str(SIGNED_AT), BODY)), "signature does not match"),
        (headers(signature=slack_signature(SECRET, str(SIGNED_AT), b"{}")), "signature does not match"),
        ({"x-slack-request-timestamp": str(SIGNED_AT)}, "missing signature header"),
    ],
    ids=["no-timestamp", "timestamp-not-a-number", "unsigned", "other-secret", "other-body", "lower-case-headers"],
)
def test_refusals_name_their_reason(sent: Dict[str, str], reason: str) -> None:
    verifier = verifier_for(SECRET, PinnedClock(SIGNED_AT))
    assert verifier is not None and why_refused(verifier, sent, BODY) == reason


def test_a_body_slack_never_sends_is_refused_not_an_error() -> None:
    body = b"\xff\xfe not utf-8"
    verifier = verifier_for(SECRET, PinnedClock(SIGNED_AT))
    assert verifier is not None and why_refused(verifier, good(body=body), body) == "signature does not match"


@pytest.mark.parametrize("secret", [None, "", "   "])
def test_no_usable_secret_means_no_verifier(secret: Optional[str]) -> None:
    assert verifier_for(secret) is None


def test_the_default_clock_is_the_process_clock(pin_clock: Callable[[datetime], clock.FixedClock]) -> None:
    pin_clock(datetime.fromtimestamp(SIGNED_AT, tz=timezone.utc))
    assert TandemClock().now() == SIGNED_AT == clock.timestamp()
    verifier = verifier_for(SECRET)
    assert verifier is not None and why_refused(verifier, good(), BODY) is None


# --- through the channel ---------------------------------------------------------------------


async def test_the_channel_checks_the_time_on_the_clock_it_is_given(fake: FakeSlackApi) -> None:
    async def no_wait(seconds: float) -> None:
        return None

    channel = SlackInput(
        fake.token,
        SECRET,
        fake.base_url,
        handoff=HandoffHooks(lambda on_new_message, name: on_new_message, lambda name, factory: None, lambda bp: None),
        delivery_retry=RetryPolicy(sleep=no_wait),
        clock=PinnedClock(SIGNED_AT + 60),
    )
    server, url = await serve(channel)
    try:
        async with aiohttp.ClientSession() as session:
            statuses = {}
            for name, request in (
                ("signed at the pinned time", event_request(SECRET, {"type": "reaction_added"}, timestamp=SIGNED_AT)),
                ("signed at the suite's time", event_request(SECRET, message_event("hi"))),
                ("signed with a clock skew", signed(SECRET, b"{}", "application/json", timestamp=SIGNED_AT - 400)),
            ):
                async with session.post(f"{url}/webhooks/slack/webhook", data=request.body, headers=request.headers) as reply:
                    statuses[name] = (reply.status, await reply.text())
    finally:
        await channel.idle()
        server.close()
        await server.wait_closed()
    assert statuses["signed at the pinned time"] == (200, "")
    for refused in ("signed at the suite's time", "signed with a clock skew"):
        status, body = statuses[refused]
        assert status == 401 and "five-minute window" in json.loads(body)["message"]
