"""Requests from Slack are verified with slack_sdk's ``SignatureVerifier``.

Slack signs every request (https://docs.slack.dev/authentication/verifying-requests-from-slack):
``X-Slack-Signature: v0=<hex>`` is HMAC-SHA256 of ``v0:{X-Slack-Request-Timestamp}:{raw body}``
with the app's signing secret, and a timestamp more than five minutes away from now is a
replay. slack_sdk decides; this module reads the time from Tandem's clock (core/clock.py,
so tests pin it) and names the reason in the 401 an operator gets: a missing header, a
stale timestamp, a wrong signature. The secret is never logged.

Answers: 404 while no signing secret is configured (the route is closed), 401 for a
request that fails verification, nothing (``None``) for a good one.
"""

from __future__ import annotations

import logging
from typing import Mapping, Optional, Union

from sanic.request import Request
from sanic.response import HTTPResponse
from slack_sdk.signature import Clock, SignatureVerifier

from connectors.slack.inbound import json_error, not_configured
from core import clock

logger = logging.getLogger(__name__)

# slack_sdk's window; here only to explain a refusal, never to decide one.
REPLAY_WINDOW_SECONDS = 5 * 60


class TandemClock(Clock):
    """slack_sdk's clock interface over the process's clock."""

    def now(self) -> float:
        return clock.timestamp()


def verifier_for(secret: Optional[str], now: Optional[Clock] = None) -> Optional[SignatureVerifier]:
    """A verifier for ``secret``; ``None`` when there is no usable secret (slack_sdk refuses a blank one)."""
    if not secret or not secret.strip():
        return None
    return SignatureVerifier(secret, now or TandemClock())


def channel_verifier(secret: Optional[str], now: Optional[Clock], channel: str, env: str) -> Optional[SignatureVerifier]:
    """``verifier_for`` an input channel, warning once when it has no secret and its routes are closed
    (``env``: the environment variable that would hold it)."""
    verifier = verifier_for(secret, now)
    if verifier is None:
        logger.warning("%s: no signing secret (slack_signing_secret / %s); every request gets 404", channel, env)
    return verifier


def _header(headers: Mapping[str, str], name: str) -> Optional[str]:
    return headers.get(name) or headers.get(name.lower())


def why_refused(verifier: SignatureVerifier, headers: Mapping[str, str], body: Union[bytes, str]) -> Optional[str]:
    """``None`` when Slack signed ``body`` within the window, else the reason it is refused."""
    try:
        if verifier.is_valid_request(body, dict(headers.items())):
            return None
    except (ValueError, UnicodeDecodeError):
        pass  # a timestamp that is not a number, or a body Slack never sends (not UTF-8): refused below
    timestamp = _header(headers, "X-Slack-Request-Timestamp")
    if not timestamp:
        return "missing timestamp header"
    try:
        sent = int(timestamp)
    except ValueError:
        return "timestamp header is not an integer"
    if abs(verifier.clock.now() - sent) > REPLAY_WINDOW_SECONDS:
        return "timestamp outside the five-minute window (replayed or clock skew)"
    if not _header(headers, "X-Slack-Signature"):
        return "missing signature header"
    return "signature does not match"


def check_signature(verifier: Optional[SignatureVerifier], request: Request) -> Optional[HTTPResponse]:
    """The error response for an unconfigured channel or a request Slack did not sign, else ``None``."""
    if verifier is None:
        return not_configured()
    reason = why_refused(verifier, request.headers, request.body or b"")
    if reason is None:
        return None
    logger.warning("slack: rejected a request to %s: %s", request.path, reason)
    return json_error(401, "invalid_signature", f"Slack signature check failed: {reason}.")
