"""Slack's Web API as Tandem uses it, over slack_sdk's ``WebClient`` and ``AsyncWebClient``.

Reference: https://docs.slack.dev/reference/methods (chat.postMessage, users.info,
auth.test) and, for an interaction's ``response_url``,
https://docs.slack.dev/interactivity/handling-user-interaction.

- ``SlackClient`` (blocking): the agents' side. The handoff outbox calls it from a worker
  thread and retries what fails with its own backoff and lease, so each call is one
  attempt (no slack_sdk retry handlers).
- ``AsyncSlackClient``: the customers' channel, which posts replies during a dialogue
  turn; slack_sdk's retry handlers retry as ``RetryPolicy`` says (connectors/slack/retry.py).
- ``post_to_response_url``: an ephemeral notice through an interaction's ``response_url``.

Every call has an explicit timeout in seconds (``DEFAULT_TIMEOUT`` unless configured).

Errors (all ``SlackError``, with ``method``, ``error`` and ``retryable``; messages name the
method and Slack's error code, never the token or the message text):

- ``SlackUnavailable``: retry later. The network failed or timed out (``error`` is
  ``timeout`` or the exception's name), Slack answered 429 (``ratelimited``, with its
  ``Retry-After``), 5xx, something that is not a Slack answer, or one of its transient
  error codes (``RETRYABLE_ERRORS``: ``internal_error``, ``fatal_error``...).
- ``SlackRejected``: a retry cannot help. Slack refused the call (``invalid_auth``,
  ``channel_not_found``, ``not_in_channel``, ``invalid_blocks``...).
"""

from __future__ import annotations

import asyncio
import http.client
import logging
import re
from contextlib import contextmanager
from typing import Any, Awaitable, Callable, Dict, Iterator, Mapping, Optional, TypeVar
from urllib.error import URLError

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web import WebClient
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from connectors.slack.retry import RETRYABLE_ERRORS, RetryPolicy

DEFAULT_API_URL = "https://slack.com/api/"
# Where both Slack channels find the Web API when credentials.yml does not say (a fake Slack in tests).
ENV_API_URL = "SLACK_API_URL"
DEFAULT_TIMEOUT = 10.0
# slack_sdk logs request bodies (message text) at DEBUG; the logger it is given stays above that.
SDK_LOGGER = "connectors.slack.web_api"

# Slack's error codes are snake_case words; slack_sdk puts a sentence there when the body was not JSON.
_ERROR_CODE = re.compile(r"[a-z0-9_]+")

T = TypeVar("T")


class SlackError(Exception):
    """Slack did not do what was asked. ``error`` is Slack's error code or a short description."""

    retryable = False

    def __init__(self, method: str, error: str) -> None:
        super().__init__(f"Slack {method} failed: {error}")
        self.method = method
        self.error = error


class SlackUnavailable(SlackError):
    """Network failure, timeout, 429, 5xx, no Slack answer, or a transient error code: a later attempt may succeed."""

    retryable = True


class SlackRejected(SlackError):
    """Slack refused the call for a reason a retry repeats (a wrong token, a missing channel...)."""


def _sdk_logger() -> logging.Logger:
    sdk = logging.getLogger(SDK_LOGGER)
    sdk.setLevel(logging.WARNING)
    return sdk


def _with_slash(api_url: str) -> str:
    return api_url if api_url.endswith("/") else api_url + "/"


def _header(headers: Any, name: str) -> Optional[str]:
    for key, value in dict(headers or {}).items():
        if key.lower() == name.lower():
            return str(value[0] if isinstance(value, list) and value else value)
    return None


def error_from_api(method: str, error: SlackApiError) -> SlackError:
    """The typed error for an answer slack_sdk refused (not ``ok``)."""
    response = error.response
    # A SlackResponse, or aiohttp's response when slack_sdk could not read the body.
    status = int(getattr(response, "status_code", None) or getattr(response, "status", None) or 0)
    data = getattr(response, "data", None)
    code = data.get("error") if isinstance(data, dict) else None
    if status == 429:
        return SlackUnavailable(method, f"ratelimited (Retry-After {_header(response.headers, 'Retry-After') or '?'}s)")
    if status >= 500:
        return SlackUnavailable(method, f"HTTP {status}")
    if isinstance(code, str) and _ERROR_CODE.fullmatch(code):
        return (SlackUnavailable if code in RETRYABLE_ERRORS else SlackRejected)(method, code)
    if isinstance(data, dict) and "ok" in data:
        return SlackRejected(method, "unknown_error")
    return SlackUnavailable(method, f"HTTP {status} without JSON")


def error_from_network(method: str, error: Exception) -> Optional[SlackUnavailable]:
    """The typed error for a failure to reach Slack, or ``None`` when ``error`` is something else (a bug)."""
    if isinstance(error, (TimeoutError, asyncio.TimeoutError)) or (
        isinstance(error, URLError) and isinstance(error.reason, TimeoutError)
    ):
        return SlackUnavailable(method, "timeout")
    if isinstance(error, (OSError, http.client.HTTPException, aiohttp.ClientError)):
        return SlackUnavailable(method, type(error).__name__)
    return None


@contextmanager
def typed_errors(method: str) -> Iterator[None]:
    """Turns slack_sdk's and the network's exceptions into ``SlackError``; anything else (a bug) propagates as it is."""
    try:
        yield
    except Exception as error:
        typed = error_from_api(method, error) if isinstance(error, SlackApiError) else error_from_network(method, error)
        if typed is None:
            raise
        raise typed from None


class SlackClient:
    """Blocking Web API calls, one attempt each, with an explicit timeout."""

    def __init__(self, token: str, api_url: str = DEFAULT_API_URL, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.token = token
        self.api_url = _with_slash(api_url)
        self.timeout = timeout
        # retry_handlers=[]: slack_sdk would otherwise retry connection errors itself.
        self._web = WebClient(token=token, base_url=self.api_url, timeout=timeout, logger=_sdk_logger(), retry_handlers=[])

    def __repr__(self) -> str:
        return f"SlackClient(api_url={self.api_url!r}, timeout={self.timeout}, token='***')"

    def _call(self, method: str, send: Callable[[], Any]) -> Dict[str, Any]:
        with typed_errors(method):
            return dict(send().data)

    def post_message(self, **arguments: Any) -> Dict[str, Any]:
        """chat.postMessage; the answer has the message's ``channel`` and ``ts``."""
        return self._call("chat.postMessage", lambda: self._web.chat_postMessage(**arguments))

    def users_info(self, user_id: str) -> Dict[str, Any]:
        return self._call("users.info", lambda: self._web.users_info(user=user_id))


class AsyncSlackClient:
    """Web API calls from the event loop, retried as ``retry`` says, with an explicit timeout."""

    def __init__(
        self, token: str, api_url: str = DEFAULT_API_URL, timeout: float = DEFAULT_TIMEOUT, retry: Optional[RetryPolicy] = None
    ) -> None:
        self.api_url = _with_slash(api_url)
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self._web = AsyncWebClient(
            token=token,
            base_url=self.api_url,
            timeout=timeout,  # type: ignore[arg-type]  # aiohttp takes fractions of a second too
            logger=_sdk_logger(),
            retry_handlers=self.retry.handlers(),
        )

    def __repr__(self) -> str:
        return f"AsyncSlackClient(api_url={self.api_url!r}, timeout={self.timeout}, token='***')"

    async def _call(self, method: str, send: Callable[[], Awaitable[T]]) -> Dict[str, Any]:
        with typed_errors(method):
            return dict((await send()).data)  # type: ignore[attr-defined]

    async def post_message(self, **arguments: Any) -> Dict[str, Any]:
        return await self._call("chat.postMessage", lambda: self._web.chat_postMessage(**arguments))

    async def auth_test(self) -> Dict[str, Any]:
        """The app's own identity (``user_id``, ``bot_id``)."""
        return await self._call("auth.test", self._web.auth_test)


async def post_to_response_url(url: str, body: Mapping[str, Any], timeout: float = DEFAULT_TIMEOUT) -> None:
    """POST ``body`` to an interaction's ``response_url``; one attempt. The caller checks the URL is Slack's."""
    hook = AsyncWebhookClient(url, timeout=timeout, logger=_sdk_logger(), retry_handlers=[])  # type: ignore[arg-type]
    with typed_errors("response_url"):
        reply = await hook.send_dict(dict(body))
    if reply.status_code == 429 or reply.status_code >= 500:
        raise SlackUnavailable("response_url", f"HTTP {reply.status_code}")
    if reply.status_code != 200:
        raise SlackRejected("response_url", f"HTTP {reply.status_code}")
