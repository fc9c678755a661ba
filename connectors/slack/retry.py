"""When the customers' channel tries a Web API call again: slack_sdk's retry handlers, one policy.

A call is tried up to ``attempts`` times in all (default 4) when another attempt can help:

- HTTP 429, rate limited (https://docs.slack.dev/apis/web-api/rate-limits): the wait is
  at least the answer's ``Retry-After``;
- HTTP 5xx;
- HTTP 200 with one of Slack's transient error codes (``RETRYABLE_ERRORS``);
- a network failure or timeout.

Waits double from ``backoff`` (0.5 s, 1 s, 2 s...) and never exceed ``max_delay``. Any
other answer (``invalid_auth``, ``channel_not_found``, ``invalid_blocks``...) is final at
once. The handlers are slack_sdk's (``slack_sdk.http_retry``); slack_sdk counts attempts
across them in one ``RetryState``. What Tandem changes is only the wait: it goes through the
policy's ``sleep``, so tests inject one that returns at once and count the attempts.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, List, Optional
from urllib.parse import urlparse

import aiohttp
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.interval_calculator import RetryIntervalCalculator
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

logger = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]

# Error codes Slack answers with HTTP 200 and ``ok: false`` that a later attempt can get past
# (https://docs.slack.dev/reference/methods/chat.postMessage); every other code is final.
RETRYABLE_ERRORS = frozenset({"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"})
# What a network failure looks like through aiohttp and asyncio.
CONNECTION_ERRORS = [aiohttp.ClientError, asyncio.TimeoutError, OSError]


def retry_after(response: Optional[HttpResponse]) -> Optional[float]:
    """Seconds from the answer's ``Retry-After`` header, if it has a usable one."""
    if response is None:
        return None
    for name, values in response.headers.items():
        if name.lower() == "retry-after" and values:
            try:
                return float(values[0])
            except (TypeError, ValueError):
                return None
    return None


class CappedBackoff(RetryIntervalCalculator):
    """``backoff`` seconds before the second attempt, doubling, at most ``max_delay``; no jitter."""

    def __init__(self, backoff: float, max_delay: float) -> None:
        self.backoff = backoff
        self.max_delay = max_delay

    def calculate_sleep_duration(self, current_attempt: int) -> float:
        return min(self.backoff * 2**current_attempt, self.max_delay)


class _PolicyWait(AsyncRetryHandler):
    """The wait between attempts for every handler below: the backoff, at least ``Retry-After``,
    capped, through an injected ``sleep`` (slack_sdk's own sleeps for real and adds jitter)."""

    interval_calculator: CappedBackoff

    def __init__(self, *args: Any, sleep: Sleep, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sleep = sleep

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: Optional[HttpResponse] = None,
        error: Optional[Exception] = None,
    ) -> None:
        state.next_attempt_requested = True
        delay = self.interval_calculator.calculate_sleep_duration(state.current_attempt)
        waited = retry_after(response)
        if waited is not None:
            delay = min(max(delay, waited), self.interval_calculator.max_delay)
        logger.warning(
            "slack: %s failed (%s), attempt %d of %d; retrying in %.1fs",
            urlparse(request.url).path.rsplit("/", 1)[-1],
            _problem(response, error),
            state.current_attempt + 1,
            self.max_retry_count + 1,
            delay,
        )
        await self.sleep(delay)
        state.increment_current_attempt()


def _problem(response: Optional[HttpResponse], error: Optional[Exception]) -> str:
    """What went wrong, for the log: Slack's error code, the HTTP status or the exception's name; never a body."""
    if error is not None:
        return type(error).__name__
    if response is None:
        return "unknown"
    code = response.body.get("error") if isinstance(response.body, dict) else None
    return str(code) if code else f"HTTP {response.status_code}"


class RateLimitRetry(_PolicyWait, AsyncRateLimitErrorRetryHandler):
    """HTTP 429."""


class _AnswerRetry(_PolicyWait):
    """A handler that decides from Slack's answer alone, by ``retryable``; never after a network failure."""

    def retryable(self, response: HttpResponse) -> bool:
        raise NotImplementedError

    # slack_sdk passes state, request, response and error by keyword; only the answer counts here.
    async def _can_retry_async(self, *, response: Optional[HttpResponse] = None, **_: Any) -> bool:
        return response is not None and self.retryable(response)


class ServerErrorRetry(_AnswerRetry, AsyncServerErrorRetryHandler):
    """Every HTTP 5xx: slack_sdk's handler covers only 500 and 503."""

    def retryable(self, response: HttpResponse) -> bool:
        return response.status_code >= 500


class SlackErrorRetry(_AnswerRetry):
    """HTTP 200 carrying one of ``RETRYABLE_ERRORS``; slack_sdk has no handler for these."""

    def retryable(self, response: HttpResponse) -> bool:
        body = response.body
        return isinstance(body, dict) and body.get("ok") is False and body.get("error") in RETRYABLE_ERRORS


class ConnectionErrorRetry(_PolicyWait, AsyncConnectionErrorRetryHandler):
    """A network failure or timeout (``CONNECTION_ERRORS``)."""


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a call is retried; ``sleep`` is injectable for tests."""

    attempts: int = 4
    backoff: float = 0.5
    max_delay: float = 30.0
    sleep: Sleep = asyncio.sleep

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("RetryPolicy.attempts counts the first try too: at least 1")
        if self.backoff < 0 or self.max_delay < 0:
            raise ValueError("RetryPolicy waits cannot be negative")

    def handlers(self) -> List[AsyncRetryHandler]:
        """slack_sdk retry handlers for ``AsyncWebClient(retry_handlers=...)``."""
        retries = self.attempts - 1
        waits = CappedBackoff(self.backoff, self.max_delay)
        return [
            RateLimitRetry(retries, waits, sleep=self.sleep),
            ServerErrorRetry(retries, waits, sleep=self.sleep),
            SlackErrorRetry(retries, waits, sleep=self.sleep),
            ConnectionErrorRetry(retries, waits, CONNECTION_ERRORS, sleep=self.sleep),
        ]
