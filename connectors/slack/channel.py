"""Customers on Slack: the ``slack`` input channel at ``/webhooks/slack/webhook``.

One URL receives both Slack's Events API callbacks (JSON) and its interactivity
payloads (a form whose ``payload`` field is JSON), like Rasa's stock channel, so the
Slack app needs one request URL (slack/manifest.yml). What this channel adds to
Rasa's ``SlackInput``:

- Every request is verified with the signing secret (verify.py: slack_sdk's
  ``SignatureVerifier``, five-minute window): 401 otherwise; 404 while no secret is
  configured (the route is closed).
- Slack wants a 2xx within three seconds or it retries
  (https://docs.slack.dev/apis/events-api/#retries). The handler answers at once and
  handles the message in an asyncio task.
- No message is answered twice. A retry whose ``X-Slack-Retry-Reason`` is
  ``http_timeout`` (or missing) is acknowledged without processing: the first delivery
  reached us. A retry for any other reason (``connection_failed``, ``http_error``...)
  means the first delivery did not, so it is processed unless its ``event_id`` was
  already seen. Events are also deduplicated by ``event_id`` and by the message's
  ``channel``/``ts``, because one channel mention arrives twice, as ``app_mention`` and
  as ``message``. The keys live in an in-memory LRU: Slack retries within about five
  minutes of the first attempt, so a bounded per-process window covers it; a server
  with several worker processes would need a shared store instead.
- Slack markup is normalised before NLU (markup.py) and replies are Block Kit
  (blocks.py, through output.py); a button click arrives as ``block_actions`` and
  becomes a user message carrying the button's payload. Conversation ids and which
  messages are answered: conversation.py.
- Handoff: messages pass through ``runtime.relay_incoming`` (a handed-off conversation's
  messages go to the person helping, not the bot), and ``register_output`` lets agents'
  replies reach the customer's DM or thread later (channel and thread come from the
  metadata of the customer's latest message: ``slack_channel``, ``slack_thread_ts``).
- A reply that cannot be posted (network error, 5xx, ``ratelimited``) is retried with
  backoff (honouring ``Retry-After``; retry.py), then logged with the conversation id;
  never the text.

Credentials (credentials.yml, each falling back to an environment variable):
``slack_token`` (``SLACK_BOT_TOKEN``), ``slack_signing_secret`` (``SLACK_SIGNING_SECRET``),
``slack_api_url`` (``SLACK_API_URL``, default ``https://slack.com/api/``; point it at a
fake Slack in tests).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, Mapping, Optional, Set, Tuple

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse
from slack_sdk.signature import Clock

from connectors.handoff import runtime
from connectors.slack.client import DEFAULT_API_URL, DEFAULT_TIMEOUT, ENV_API_URL, AsyncSlackClient
from connectors.slack.conversation import CustomerMessage, from_click, from_event, parse_conversation_id
from connectors.slack.inbound import (
    Background,
    RecentKeys,
    ack,
    block_actions,
    content_type,
    credential,
    event_callback,
    health_status,
    json_error,
)
from connectors.slack.markup import normalise
from connectors.slack.output import ENV_TOKEN, SlackOutput
from connectors.slack.retry import RetryPolicy
from connectors.slack.verify import channel_verifier, check_signature

logger = logging.getLogger(__name__)

ENV_SIGNING_SECRET = "SLACK_SIGNING_SECRET"

IncomingHandler = Callable[[UserMessage], Awaitable[Any]]


@dataclass(frozen=True)
class HandoffHooks:
    """The handoff runtime's three hooks (connectors/handoff/runtime.py), injectable so unit
    tests run without the relay and its store. ``None`` means the runtime's function, looked
    up when the blueprint is built."""

    relay_incoming: Optional[Callable[[IncomingHandler, str], IncomingHandler]] = None
    register_output: Optional[Callable[[str, Callable[[str, Mapping[str, Any]], Optional[OutputChannel]]], None]] = None
    start_with: Optional[Callable[[Blueprint], None]] = None


_reached_rasa: contextvars.ContextVar[bool] = contextvars.ContextVar("slack_reached_rasa", default=False)


class SlackInput(InputChannel):
    """Slack for customers: Events API and interactivity on one signed webhook."""

    @classmethod
    def name(cls) -> str:
        return "slack"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> SlackInput:
        """Values from credentials.yml win; absent ones come from the environment, so the
        committed file needs no secrets."""
        credentials = credentials or {}
        return cls(
            slack_token=credential(credentials, "slack_token", ENV_TOKEN),
            slack_signing_secret=credential(credentials, "slack_signing_secret", ENV_SIGNING_SECRET),
            slack_api_url=credential(credentials, "slack_api_url", ENV_API_URL) or DEFAULT_API_URL,
        )

    def __init__(
        self,
        slack_token: Optional[str] = None,
        slack_signing_secret: Optional[str] = None,
        slack_api_url: str = DEFAULT_API_URL,
        *,
        handoff: Optional[HandoffHooks] = None,
        delivery_retry: Optional[RetryPolicy] = None,
        api_timeout: float = DEFAULT_TIMEOUT,
        clock: Optional[Clock] = None,
    ) -> None:
        self.slack_token = slack_token
        self.slack_signing_secret = slack_signing_secret
        self.slack_api_url = slack_api_url if slack_api_url.endswith("/") else slack_api_url + "/"
        self.handoff = handoff or HandoffHooks()
        self.delivery_retry = delivery_retry or RetryPolicy()
        self.api_timeout = api_timeout
        self._verifier = channel_verifier(slack_signing_secret, clock, self.name(), ENV_SIGNING_SECRET)
        self._client: Optional[AsyncSlackClient] = None
        self._own_user_ids: Set[str] = set()
        self._auth_checked = False
        self._recent = RecentKeys()
        self._threads = RecentKeys()  # "channel:root_ts:user" with a conversation in that thread
        self._handling = Background()  # messages are handled after Slack's request is acknowledged
        self._locks: Dict[str, Tuple[asyncio.Lock, int]] = {}

    def __repr__(self) -> str:
        return (
            f"SlackInput(slack_token={'***' if self.slack_token else None}, "
            f"slack_signing_secret={'***' if self.slack_signing_secret else None}, slack_api_url={self.slack_api_url!r})"
        )

    # -- output -------------------------------------------------------------------------

    @property
    def client(self) -> Optional[AsyncSlackClient]:
        if self._client is None and self.slack_token:
            self._client = AsyncSlackClient(self.slack_token, self.slack_api_url, self.api_timeout, self.delivery_retry)
        return self._client

    def output_channel(self, conversation_id: str, metadata: Optional[Mapping[str, Any]] = None) -> Optional[SlackOutput]:
        """How to reach a conversation later (``register_output``): its channel and thread come
        from the metadata of the customer's latest message, or from the conversation id."""
        metadata = metadata or {}
        channel, thread_root = parse_conversation_id(conversation_id)
        channel = metadata.get("slack_channel") or channel
        if not channel:
            return None
        thread_ts = metadata.get("slack_thread_ts") if "slack_thread_ts" in metadata else thread_root
        return SlackOutput(self.client, conversation_id, str(channel), str(thread_ts) if thread_ts else None)

    # -- processing ---------------------------------------------------------------------

    async def _own_ids(self) -> Set[str]:
        """The app's user id from ``auth.test``, asked once, for stripping "@bot" from messages."""
        if not self._auth_checked and self.client is not None:
            self._auth_checked = True
            try:
                reply = await self.client.auth_test()
                if reply.get("user_id"):
                    self._own_user_ids.add(str(reply["user_id"]))
            except Exception as error:  # the envelope's authorizations usually name it anyway
                logger.warning("slack: auth.test failed (%s); bot mentions are recognised from events only", type(error).__name__)
        return self._own_user_ids

    async def _process(self, message: CustomerMessage, handle: Callable[[UserMessage], Awaitable[Any]]) -> None:
        lock = self._lock(message.conversation_id)
        try:
            async with lock:
                if message.is_payload:
                    text = message.raw_text.strip()
                else:
                    own = set(message.bot_user_ids) | await self._own_ids()
                    text = normalise(message.raw_text, own)
                if not text:
                    return
                await handle(
                    UserMessage(
                        text,
                        self.output_channel(message.conversation_id, message.metadata()),
                        message.conversation_id,
                        input_channel=self.name(),
                        message_id=message.message_key or None,
                        metadata=message.metadata(),
                    )
                )
        except Exception:
            logger.exception("slack: failed to handle a message of conversation %s", message.conversation_id)
        finally:
            self._unlock(message.conversation_id)

    def _lock(self, key: str) -> asyncio.Lock:
        """Messages of one conversation are handled in arrival order, one at a time."""
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        return lock

    def _unlock(self, key: str) -> None:
        lock, users = self._locks[key]
        if users <= 1:
            del self._locks[key]
        else:
            self._locks[key] = (lock, users - 1)

    async def idle(self) -> None:
        """Wait until every message received so far is handled (tests, graceful shutdown)."""
        await self._handling.idle()

    def _handler(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Callable[[UserMessage], Awaitable[Any]]:
        """``on_new_message`` behind the handoff relay: messages of a handed-off conversation go to
        the person helping instead of the bot.

        If the relay fails before the message reached Rasa, the message still goes to
        Rasa: the customer is answered (or at least recorded) instead of silently dropped."""

        async def to_rasa(message: UserMessage) -> Any:
            _reached_rasa.set(True)
            return await on_new_message(message)

        relayed = (self.handoff.relay_incoming or runtime.relay_incoming)(to_rasa, self.name())

        async def handle(message: UserMessage) -> Any:
            _reached_rasa.set(False)
            try:
                return await relayed(message)
            except Exception:
                if _reached_rasa.get():
                    raise
                logger.exception(
                    "slack: handoff relay failed for conversation %s; passing the message to Rasa", message.sender_id
                )
                return await on_new_message(message)

        return handle

    # -- routes -------------------------------------------------------------------------

    def _on_event(self, request: Request, handle: Callable[[UserMessage], Awaitable[Any]]) -> HTTPResponse:
        envelope = event_callback(request, self.name())
        if isinstance(envelope, HTTPResponse):
            return envelope
        event_id = envelope.get("event_id")
        if isinstance(event_id, str) and self._recent.seen(f"event:{event_id}"):
            return ack()
        message = from_event(envelope, self._own_user_ids, self._threads)
        if message is None or self._recent.seen(message.message_key):
            return ack()
        self._handling.start(self._process(message, handle))
        return ack()

    def _on_interaction(self, request: Request, handle: Callable[[UserMessage], Awaitable[Any]]) -> HTTPResponse:
        payload = block_actions(request)
        if isinstance(payload, HTTPResponse):
            return payload
        message = from_click(payload)
        if message is None or self._recent.seen(message.message_key):
            return ack()
        self._handling.start(self._process(message, handle))
        return ack()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint(f"tandem_slack_{type(self).__name__}_{id(self)}", __name__)
        handle = self._handler(on_new_message)
        (self.handoff.register_output or runtime.register_output)(self.name(), self.output_channel)
        (self.handoff.start_with or runtime.start_with)(webhook)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return health_status(self._verifier is not None)

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            refused = check_signature(self._verifier, request)
            if refused is not None:
                return refused
            kind = content_type(request)
            if kind == "application/json":
                return self._on_event(request, handle)
            if kind == "application/x-www-form-urlencoded":
                return self._on_interaction(request, handle)
            return json_error(
                400,
                "unsupported_content_type",
                "Slack sends events as application/json and interactions as application/x-www-form-urlencoded.",
            )

        return webhook

    def get_output_channel(self) -> Optional[OutputChannel]:
        """No default destination: Slack conversations are reached through ``output_channel``."""
        return None
