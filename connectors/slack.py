"""Customers on Slack: the ``slack`` input channel at ``/webhooks/slack/webhook``.

One URL receives both Slack's Events API callbacks (JSON) and its interactivity
payloads (a form whose ``payload`` field is JSON), like Rasa's stock channel, so the
Slack app needs one request URL (slack/manifest.yml). What this channel adds to
Rasa's ``SlackInput``:

- Every request is verified with the signing secret (v0 HMAC-SHA256, five-minute
  window, connectors/signing.py): 401 otherwise; 404 while no secret is configured (the route is closed).
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
- Slack markup is normalised before NLU (connectors/slack_markup.py) and replies are
  Block Kit (connectors/slack_blocks.py); a button click arrives as ``block_actions``
  and becomes a user message carrying the button's payload.
- The bot ignores bots: messages with a ``bot_id``, of subtype ``bot_message``, or from
  the app's own user.
- Handoff: messages pass through ``runtime.relay_incoming`` (a handed-off conversation's
  messages go to the person helping, not the bot), and ``register_output`` lets agents'
  replies reach the customer's DM or thread later (channel and thread come from the
  metadata of the customer's latest message: ``slack_channel``, ``slack_thread_ts``).
- A reply that cannot be posted (network error, 5xx, ``ratelimited``) is retried with
  backoff (honouring ``Retry-After``), then logged with the conversation id; never
  the text.

Conversation ids: one conversation per Slack user per DM, and per user per channel
thread, so two customers in one thread never share a tracker:

- direct message: ``slack:<dm channel id>:<user id>``; replies go to the DM, into the
  thread when the customer wrote in one;
- channel mention: ``slack:<channel id>:<thread root ts>:<user id>``; replies always go
  into that thread (a mention at the top level starts it). Later thread replies from
  the same user are answered without a new mention while this process remembers the
  thread.

Credentials (credentials.yml, each falling back to an environment variable):
``slack_token`` (``SLACK_BOT_TOKEN``), ``slack_signing_secret`` (``SLACK_SIGNING_SECRET``),
``slack_api_url`` (``SLACK_API_URL``, default ``https://slack.com/api/``; point it at a
fake Slack in tests).
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import os
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Set, Tuple
from urllib.parse import parse_qs

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from connectors.handoff import runtime
from connectors.signing import SignatureError, verify_slack
from connectors.slack_blocks import escape, render_message, text_blocks, truncate
from connectors.slack_markup import normalise

logger = logging.getLogger(__name__)

# slack_sdk logs request bodies (message text) at DEBUG; its logger stays above that.
_sdk_logger = logging.getLogger("connectors.slack.web_api")
_sdk_logger.setLevel(logging.WARNING)

DEFAULT_API_URL = "https://slack.com/api/"
ENV_TOKEN = "SLACK_BOT_TOKEN"
ENV_SIGNING_SECRET = "SLACK_SIGNING_SECRET"
ENV_API_URL = "SLACK_API_URL"

# chat.postMessage errors worth another attempt (https://docs.slack.dev/reference/methods/chat.postMessage);
# everything else (invalid_auth, channel_not_found, not_in_channel, invalid_blocks...) is final.
RETRYABLE_ERRORS = frozenset({"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"})
# Message subtypes that are still a person writing; the rest are joins, edits, deletions...
PERSON_SUBTYPES = frozenset({None, "", "file_share", "thread_broadcast"})


# --- request helpers shared with connectors/slack_agents.py ------------------------------


def json_error(status: int, code: str, message: str) -> HTTPResponse:
    return response.json({"error": code, "message": message}, status=status)


def not_configured() -> HTTPResponse:
    return json_error(404, "not_configured", "Slack is not configured")


def check_signature(secret: Optional[str], request: Request) -> Optional[HTTPResponse]:
    """The error response for an unconfigured channel or an unsigned request, else ``None``."""
    if not secret:
        return not_configured()
    try:
        verify_slack(secret, request.headers, request.body or b"")
    except SignatureError as error:
        logger.warning("slack: rejected a request to %s: %s", request.path, error)
        return json_error(401, "invalid_signature", f"Slack signature check failed: {error}.")
    return None


def content_type(request: Request) -> str:
    return (request.headers.get("content-type") or "").split(";", 1)[0].strip().lower()


class MalformedRequest(ValueError):
    """A signed request whose body is not what Slack sends: answered with 400."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def response(self) -> HTTPResponse:
        return json_error(400, self.code, self.message)


def parse_json_body(request: Request) -> Dict[str, Any]:
    try:
        body = json.loads(request.body or b"")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise MalformedRequest("invalid_json", "The body must be a JSON object (a Slack Events API callback).")
    return body


def parse_form_payload(request: Request) -> Dict[str, Any]:
    """The JSON ``payload`` form field of an interactivity request."""
    try:
        fields = parse_qs((request.body or b"").decode("utf-8"), strict_parsing=False)
        payload = json.loads(fields["payload"][0])
    except (UnicodeDecodeError, KeyError, IndexError, ValueError):
        payload = None
    if not isinstance(payload, dict):
        raise MalformedRequest("invalid_payload", "An interactivity request needs a JSON object in the 'payload' form field.")
    return payload


def retry_to_skip(request: Request) -> Optional[str]:
    """``X-Slack-Retry-Num`` of a retry whose first delivery reached us, else ``None``.

    Slack's reasons (https://docs.slack.dev/apis/events-api/#failure-conditions): only
    ``http_timeout`` means we got the first attempt (and acknowledged it late). After
    ``connection_failed``, ``http_error`` and the others the event never reached the
    handler, so dropping the retry would lose the message; event-id dedupe still
    guarantees it is handled once."""
    number = request.headers.get("x-slack-retry-num")
    if number is None:
        return None
    reason = (request.headers.get("x-slack-retry-reason") or "").strip()
    return number if reason in ("", "http_timeout") else None


def ack() -> HTTPResponse:
    return response.text("", status=200)


class RecentKeys:
    """A bounded set of recently seen keys (event ids, message ts): an LRU, oldest evicted."""

    def __init__(self, maxsize: int = 10_000) -> None:
        self.maxsize = maxsize
        self._keys: OrderedDict[str, None] = OrderedDict()

    def seen(self, key: str) -> bool:
        """Record ``key``; True when it was already there."""
        if key in self._keys:
            self._keys.move_to_end(key)
            return True
        self._keys[key] = None
        if len(self._keys) > self.maxsize:
            self._keys.popitem(last=False)
        return False

    def __contains__(self, key: object) -> bool:
        return key in self._keys


# --- outbound ------------------------------------------------------------------------------


class SlackOutput(OutputChannel):
    """Posts a conversation's bot messages into its Slack DM or thread, with retries.

    Delivery never raises: a turn of the dialogue must not fail because Slack is
    unreachable. Failures are logged with the conversation id and counted in
    ``failed_deliveries`` for callers that want to know."""

    @classmethod
    def name(cls) -> str:
        return "slack"

    def __init__(
        self,
        client: Optional[AsyncWebClient],
        conversation_id: str,
        channel: str,
        thread_ts: Optional[str] = None,
        attempts: int = 4,
        backoff: float = 0.5,
        max_delay: float = 30.0,
    ) -> None:
        super().__init__()
        self.client = client
        self.conversation_id = conversation_id
        self.channel = channel
        self.thread_ts = thread_ts
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self.max_delay = max_delay
        self.failed_deliveries = 0

    async def _post(self, **arguments: Any) -> bool:
        if self.client is None:
            logger.error(
                "slack: no bot token (slack_token / %s); reply to conversation %s not sent", ENV_TOKEN, self.conversation_id
            )
            self.failed_deliveries += 1
            return False
        if self.thread_ts:
            arguments["thread_ts"] = self.thread_ts
        problem = "unknown"
        for attempt in range(1, self.attempts + 1):
            delay = min(self.backoff * 2 ** (attempt - 1), self.max_delay)
            try:
                await self.client.chat_postMessage(channel=self.channel, **arguments)
                return True
            except SlackApiError as error:
                status = error.response.status_code
                data = error.response.data if isinstance(error.response.data, dict) else {}
                problem = str(data.get("error") or f"HTTP {status}")
                retryable = status == 429 or status >= 500 or problem in RETRYABLE_ERRORS
                retry_after = (error.response.headers or {}).get("Retry-After") or (error.response.headers or {}).get(
                    "retry-after"
                )
                if retry_after:
                    try:
                        delay = min(max(float(retry_after), delay), self.max_delay)
                    except ValueError:
                        pass
            except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as error:
                problem, retryable = type(error).__name__, True
            except Exception as error:  # a bug or an SDK surprise: do not retry blindly
                problem, retryable = type(error).__name__, False
            if not retryable:
                break
            if attempt < self.attempts:
                logger.warning(
                    "slack: reply to conversation %s failed (%s), attempt %d of %d; retrying in %.1fs",
                    self.conversation_id,
                    problem,
                    attempt,
                    self.attempts,
                    delay,
                )
                await asyncio.sleep(delay)
        self.failed_deliveries += 1
        logger.error("slack: reply to conversation %s not delivered: %s", self.conversation_id, problem)
        return False

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        """One Slack message per bot message (text, image and buttons together), custom JSON apart."""
        if isinstance(message.get("custom"), dict):
            await self.send_custom_json(recipient_id, message["custom"])
        metadata = message.get("metadata") or {}
        if metadata.get("sender") == "agent" and metadata.get("agent_name") and message.get("text"):
            # Everything is posted as the bot; the customer should see which person is writing.
            message = {**message, "text": f"**{metadata['agent_name']}:** {message['text']}"}
        payload = render_message(message)
        if payload:
            await self._post(**payload)
        elif message.get("elements"):
            await self.send_elements(recipient_id, message["elements"])

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        if text.strip():
            await self._post(text=truncate(escape(text), 4000), blocks=text_blocks(text))

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: List[Dict[str, Any]], **kwargs: Any) -> None:
        payload = render_message({"text": text, "buttons": buttons})
        if payload:
            await self._post(**payload)

    async def send_quick_replies(self, recipient_id: str, text: str, quick_replies: List[Dict[str, Any]], **kwargs: Any) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        payload = render_message({"image": image})
        if payload:
            await self._post(**payload)

    async def send_attachment(self, recipient_id: str, attachment: Any, **kwargs: Any) -> None:  # type: ignore[override]
        payload = render_message({"attachment": attachment})
        if payload:
            await self._post(**payload)

    async def send_custom_json(self, recipient_id: str, json_message: Dict[str, Any], **kwargs: Any) -> None:
        """A response's ``custom`` dict is passed to chat.postMessage as is (blocks, attachments...)."""
        arguments = {key: value for key, value in json_message.items() if key not in ("channel", "thread_ts")}
        if arguments:
            await self._post(**arguments)


# --- inbound -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Inbound:
    """A customer's Slack message or click, ready to become a ``UserMessage``."""

    raw_text: str
    user: str
    channel: str
    reply_thread_ts: Optional[str]
    conversation_id: str
    team: Optional[str] = None
    message_key: str = ""
    bot_user_ids: Tuple[str, ...] = field(default_factory=tuple)
    is_payload: bool = False  # a button payload goes to Rasa verbatim

    def metadata(self) -> Dict[str, Any]:
        return {
            "slack_channel": self.channel,
            "slack_thread_ts": self.reply_thread_ts,
            "slack_user": self.user,
            "slack_team": self.team,
            "customer_tier": None,  # Slack says nothing about the customer's plan
        }


def is_direct(channel: str, channel_type: Optional[str] = None) -> bool:
    return channel_type == "im" if channel_type else channel.startswith("D")


def conversation_id(channel: str, user: str, thread_root: Optional[str], direct: bool) -> str:
    return f"slack:{channel}:{user}" if direct or not thread_root else f"slack:{channel}:{thread_root}:{user}"


def parse_conversation_id(value: str) -> Tuple[Optional[str], Optional[str]]:
    """Channel and thread root encoded in a conversation id (see the module docstring)."""
    parts = value.split(":")
    if len(parts) == 3 and parts[0] == "slack":
        return parts[1], None
    if len(parts) == 4 and parts[0] == "slack":
        return parts[1], parts[2]
    return None, None


def bot_user_ids(envelope: Mapping[str, Any]) -> Tuple[str, ...]:
    """The app's own user ids, from the callback's ``authorizations``."""
    ids: List[str] = []
    for authorization in envelope.get("authorizations") or []:
        if isinstance(authorization, dict) and authorization.get("is_bot") and isinstance(authorization.get("user_id"), str):
            ids.append(authorization["user_id"])
    return tuple(ids)


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

        def pick(key: str, env: str) -> Optional[str]:
            value = credentials.get(key)
            return str(value) if value else os.environ.get(env) or None

        return cls(
            slack_token=pick("slack_token", ENV_TOKEN),
            slack_signing_secret=pick("slack_signing_secret", ENV_SIGNING_SECRET),
            slack_api_url=pick("slack_api_url", ENV_API_URL) or DEFAULT_API_URL,
        )

    def __init__(
        self,
        slack_token: Optional[str] = None,
        slack_signing_secret: Optional[str] = None,
        slack_api_url: str = DEFAULT_API_URL,
        *,
        handoff: Optional[HandoffHooks] = None,
        delivery_attempts: int = 4,
        delivery_backoff: float = 0.5,
        api_timeout: int = 10,
    ) -> None:
        self.slack_token = slack_token
        self.slack_signing_secret = slack_signing_secret
        self.slack_api_url = slack_api_url if slack_api_url.endswith("/") else slack_api_url + "/"
        self.handoff = handoff or HandoffHooks()
        self.delivery_attempts = delivery_attempts
        self.delivery_backoff = delivery_backoff
        self.api_timeout = api_timeout
        self._client: Optional[AsyncWebClient] = None
        self._own_user_ids: Set[str] = set()
        self._auth_checked = False
        self._recent = RecentKeys()
        self._threads = RecentKeys()  # "channel:root_ts:user" with a conversation in that thread
        self._tasks: Set[asyncio.Task] = set()
        self._locks: Dict[str, Tuple[asyncio.Lock, int]] = {}
        if not slack_signing_secret:
            logger.warning("slack: no signing secret (slack_signing_secret / %s); every request gets 404", ENV_SIGNING_SECRET)

    def __repr__(self) -> str:
        return (
            f"SlackInput(slack_token={'***' if self.slack_token else None}, "
            f"slack_signing_secret={'***' if self.slack_signing_secret else None}, slack_api_url={self.slack_api_url!r})"
        )

    # -- output -------------------------------------------------------------------------

    @property
    def client(self) -> Optional[AsyncWebClient]:
        if self._client is None and self.slack_token:
            self._client = AsyncWebClient(
                token=self.slack_token,
                base_url=self.slack_api_url,
                timeout=self.api_timeout,
                logger=_sdk_logger,
                retry_handlers=[],  # SlackOutput retries itself, with logging by conversation
            )
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
        return SlackOutput(
            self.client,
            conversation_id,
            str(channel),
            str(thread_ts) if thread_ts else None,
            attempts=self.delivery_attempts,
            backoff=self.delivery_backoff,
        )

    # -- inbound parsing ----------------------------------------------------------------

    def _from_event(self, envelope: Mapping[str, Any]) -> Optional[Inbound]:
        """The customer message in an ``event_callback``, or ``None`` when there is nothing to answer."""
        event = envelope.get("event")
        if not isinstance(event, dict) or event.get("type") not in ("message", "app_mention"):
            return None
        own = set(bot_user_ids(envelope)) | self._own_user_ids
        user, channel, ts, text = event.get("user"), event.get("channel"), event.get("ts"), event.get("text")
        if event.get("bot_id") or event.get("subtype") == "bot_message" or (user and user in own):
            return None
        if event.get("subtype") not in PERSON_SUBTYPES:
            return None
        if not all(isinstance(value, str) and value for value in (user, channel, ts, text)):
            return None
        thread_ts = event.get("thread_ts") if isinstance(event.get("thread_ts"), str) else None
        team = event.get("team") or envelope.get("team_id")
        common = dict(
            raw_text=text, user=user, channel=channel, team=team, message_key=f"{channel}:{ts}", bot_user_ids=tuple(own)
        )
        if is_direct(channel, event.get("channel_type")):
            return Inbound(reply_thread_ts=thread_ts, conversation_id=conversation_id(channel, user, None, True), **common)
        root = thread_ts or ts
        thread_key = f"{channel}:{root}:{user}"
        if event["type"] == "app_mention":
            self._threads.seen(thread_key)
        elif thread_key not in self._threads:
            return None  # a channel message not addressed to the bot
        return Inbound(reply_thread_ts=root, conversation_id=conversation_id(channel, user, root, False), **common)

    @staticmethod
    def _from_click(payload: Mapping[str, Any]) -> Optional[Inbound]:
        """A Block Kit button click (``block_actions``) as the button's payload from that user."""
        actions = payload.get("actions") or []
        action = actions[0] if isinstance(actions, list) and actions and isinstance(actions[0], dict) else {}
        value = action.get("value")
        if action.get("type") != "button" or not isinstance(value, str) or not value:
            return None  # link buttons carry no value; other elements are not sent by Tandem
        user = (payload.get("user") or {}).get("id")
        container = payload.get("container") or {}
        message = payload.get("message") or {}
        channel = (payload.get("channel") or {}).get("id") or container.get("channel_id")
        if not (isinstance(user, str) and user and isinstance(channel, str) and channel):
            return None
        thread_ts = message.get("thread_ts") or container.get("thread_ts")
        message_ts = container.get("message_ts") or message.get("ts")
        team = (payload.get("team") or {}).get("id") or (payload.get("user") or {}).get("team_id")
        key = f"click:{channel}:{message_ts}:{action.get('action_ts') or action.get('action_id')}:{user}"
        if is_direct(channel):
            return Inbound(
                value, user, channel, thread_ts, conversation_id(channel, user, None, True), team, key, is_payload=True
            )
        root = thread_ts or message_ts
        return Inbound(value, user, channel, root, conversation_id(channel, user, root, False), team, key, is_payload=True)

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

    async def _process(self, inbound: Inbound, handle: Callable[[UserMessage], Awaitable[Any]]) -> None:
        lock = self._lock(inbound.conversation_id)
        try:
            async with lock:
                if inbound.is_payload:
                    text = inbound.raw_text.strip()
                else:
                    own = set(inbound.bot_user_ids) | await self._own_ids()
                    text = normalise(inbound.raw_text, own)
                if not text:
                    return
                message = UserMessage(
                    text,
                    self.output_channel(inbound.conversation_id, inbound.metadata()),
                    inbound.conversation_id,
                    input_channel=self.name(),
                    message_id=inbound.message_key or None,
                    metadata=inbound.metadata(),
                )
                await handle(message)
        except Exception:
            logger.exception("slack: failed to handle a message of conversation %s", inbound.conversation_id)
        finally:
            self._unlock(inbound.conversation_id)

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

    def _spawn(self, inbound: Inbound, handle: Callable[[UserMessage], Awaitable[Any]]) -> None:
        task = asyncio.get_running_loop().create_task(self._process(inbound, handle))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def idle(self) -> None:
        """Wait until every message received so far is handled (tests, graceful shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

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
        try:
            envelope = parse_json_body(request)
        except MalformedRequest as error:
            return error.response()
        kind = envelope.get("type")
        if kind == "url_verification":
            challenge = envelope.get("challenge")
            if not isinstance(challenge, str):
                return json_error(400, "missing_challenge", "A url_verification request carries a 'challenge' string.")
            return response.text(challenge)
        if kind != "event_callback":
            return ack()
        event_id = envelope.get("event_id")
        retry = retry_to_skip(request)
        if retry is not None:
            logger.info("slack: retry #%s of event %s acknowledged without processing", retry, event_id)
            return ack()
        if isinstance(event_id, str) and self._recent.seen(f"event:{event_id}"):
            return ack()
        inbound = self._from_event(envelope)
        if inbound is None or self._recent.seen(inbound.message_key):
            return ack()
        self._spawn(inbound, handle)
        return ack()

    def _on_interaction(self, request: Request, handle: Callable[[UserMessage], Awaitable[Any]]) -> HTTPResponse:
        try:
            payload = parse_form_payload(request)
        except MalformedRequest as error:
            return error.response()
        if payload.get("type") != "block_actions":
            return ack()
        inbound = self._from_click(payload)
        if inbound is None or self._recent.seen(inbound.message_key):
            return ack()
        self._spawn(inbound, handle)
        return ack()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint(f"tandem_slack_{type(self).__name__}_{id(self)}", __name__)
        handle = self._handler(on_new_message)
        (self.handoff.register_output or runtime.register_output)(self.name(), self.output_channel)
        (self.handoff.start_with or runtime.start_with)(webhook)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.slack_signing_secret else "not_configured"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            refused = check_signature(self.slack_signing_secret, request)
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
