"""Slack for agents: handoff packets in an agents' channel, replies in their threads.

Outbound, ``SlackAgentsConnector`` (``livechat.type: slack`` in endpoints.yml) posts
each handoff packet to the agents' channel as Block Kit laid out for action: why, how
urgent, which queue and tier, the bot's summary, the articles already shown and how
they landed, the urgent words, the latest messages, and three buttons (Claim, Resolve,
Hand back to bot) whose ``value`` is the handoff id. The packet's ``ts`` is the
thread every later item of the handoff goes to (``remote: {"channel", "thread_ts"}``):
the customer's new messages and a status line when the handoff closes.

Inbound, ``SlackAgentsInput`` (``/webhooks/slack_agents/events`` and ``/interactive``)
turns an agent's reply in a packet's thread into ``agent_message`` and the buttons into
``claim`` / ``close``. Every request is verified with the app's signing secret.

Status codes, chosen for what Slack does with them:

- 401 unsigned, forged or replayed; 400 malformed; 503 not configured or the handoff
  core unavailable; never 500.
- Events: a reply in a thread that is not a packet's is normal channel chatter, so it
  is acknowledged (200) and ignored rather than answered 404. Slack retries every
  non-2xx event and disables subscriptions that keep failing
  (https://docs.slack.dev/apis/events-api/#failure-conditions).
- Interactivity: Slack shows no response body of a ``block_actions`` request, only a
  warning icon for a non-200. An unknown handoff or an impossible transition (claiming
  a resolved handoff) is therefore answered 200 and explained to the clicking agent
  with an ephemeral message through the payload's ``response_url``
  (https://docs.slack.dev/interactivity/handling-user-interaction).

Configuration:

- endpoints.yml ``livechat``: ``type: slack``, ``agents_channel`` (channel id),
  ``bot_token`` (or env ``SLACK_AGENTS_BOT_TOKEN``), ``api_url`` (default
  ``https://slack.com/api/``), ``timeout`` (seconds, default 10).
- credentials.yml ``connectors.slack_agents.SlackAgentsInput``: ``slack_signing_secret``
  (or env ``SLACK_AGENTS_SIGNING_SECRET``), ``slack_token`` (or env
  ``SLACK_AGENTS_BOT_TOKEN``; for agents' names and thread notices), ``slack_api_url``
  (or env ``SLACK_AGENTS_API_URL``, then ``SLACK_API_URL``).
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Set, Tuple
from urllib.parse import urlparse

import requests
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors.handoff import runtime
from connectors.handoff.livechat import (
    AgentActions,
    DeliveryError,
    InvalidTransition,
    LiveChatConnector,
    OutboxItem,
    UnknownHandoff,
)
from connectors.slack import (
    PERSON_SUBTYPES,
    RETRYABLE_ERRORS,
    MalformedRequest,
    ack,
    bot_user_ids,
    check_signature,
    json_error,
    parse_form_payload,
    parse_json_body,
    retry_to_skip,
)
from connectors.slack_blocks import FIELD_TEXT_LIMIT, SECTION_TEXT_LIMIT, actions_block, escape, plain_text, truncate
from connectors.slack_markup import to_plain

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://slack.com/api/"
DEFAULT_TIMEOUT = 10.0
ENV_BOT_TOKEN = "SLACK_AGENTS_BOT_TOKEN"
ENV_SIGNING_SECRET = "SLACK_AGENTS_SIGNING_SECRET"
ENV_API_URL = "SLACK_AGENTS_API_URL"

ACTION_CLAIM = "tandem_claim"
ACTION_RESOLVE = "tandem_resolve"
ACTION_HAND_BACK = "tandem_hand_back"
ACTIONS_BLOCK_ID = "tandem_handoff_actions"
TRANSCRIPT_LINES = 6
FALLBACK_AGENT_NAME = "Support agent"

CLOSED_LINES = {
    "resolved": ":white_check_mark: Resolved. The bot has taken the conversation back and asks the customer for feedback.",
    "returned_to_bot": ":robot_face: Handed back to the bot.",
    "abandoned": ":zzz: Closed: the customer left before an agent answered.",
}
PRIORITY_MARKS = {
    "urgent": ":red_circle:",
    "high": ":large_orange_circle:",
    "normal": ":large_blue_circle:",
    "low": ":white_circle:",
}


# --- Slack Web API over requests -------------------------------------------------------------


class SlackCallError(Exception):
    """A Web API call Slack did not accept. ``error`` is Slack's error code (never a secret)."""

    def __init__(self, method: str, error: str, retryable: bool) -> None:
        super().__init__(f"Slack {method} failed: {error}")
        self.method = method
        self.error = error
        self.retryable = retryable


class SlackWebApi:
    """Blocking Web API calls with an explicit timeout: the outbox dispatcher calls
    ``deliver`` from a worker thread, and inbound routes use an executor."""

    def __init__(self, token: str, api_url: str = DEFAULT_API_URL, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.token = token
        self.api_url = api_url if api_url.endswith("/") else api_url + "/"
        self.timeout = timeout
        self.session = requests.Session()

    def __repr__(self) -> str:
        return f"SlackWebApi(api_url={self.api_url!r}, timeout={self.timeout}, token='***')"

    def call(
        self, method: str, json: Optional[Mapping[str, Any]] = None, form: Optional[Mapping[str, str]] = None
    ) -> Dict[str, Any]:
        """``json`` for write methods (chat.postMessage accepts JSON bodies); ``form`` for
        read methods such as users.info, which only take form fields."""
        headers = {"Authorization": f"Bearer {self.token}"}
        try:
            if json is not None:
                reply = self.session.post(self.api_url + method, json=dict(json), headers=headers, timeout=self.timeout)
            else:
                reply = self.session.post(self.api_url + method, data=dict(form or {}), headers=headers, timeout=self.timeout)
        except requests.Timeout:
            raise SlackCallError(method, "timeout", True) from None
        except requests.RequestException as error:
            raise SlackCallError(method, type(error).__name__, True) from None
        if reply.status_code == 429:
            raise SlackCallError(method, f"ratelimited (Retry-After {reply.headers.get('Retry-After', '?')}s)", True)
        if reply.status_code >= 500:
            raise SlackCallError(method, f"HTTP {reply.status_code}", True)
        try:
            data = reply.json()
        except ValueError:
            raise SlackCallError(method, f"HTTP {reply.status_code} without JSON", True) from None
        if reply.status_code != 200 or not isinstance(data, dict):
            raise SlackCallError(method, f"HTTP {reply.status_code}", False)
        if not data.get("ok"):
            error = str(data.get("error") or "unknown_error")
            raise SlackCallError(method, error, error in RETRYABLE_ERRORS)
        return data


# --- the packet as Block Kit -------------------------------------------------------------------


def _words(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value if v)
    return "" if value is None else str(value)


def _humanise(code: str) -> str:
    return code.replace("_", " ").strip().capitalize() or "Handoff"


def packet_blocks(packet: Mapping[str, Any], queue_position: Optional[int] = None) -> Tuple[str, List[Dict[str, Any]]]:
    """Notification text and Block Kit blocks for a handoff packet, most actionable first."""
    reason = packet.get("reason") or {}
    code = str(reason.get("code") or "handoff")
    explanation = _words(reason.get("explanation"))
    priority = str(packet.get("priority") or "normal")
    queue = str(packet.get("queue") or "general")
    customer = packet.get("customer") or {}
    summary = packet.get("summary") or {}
    handoff_id = str(packet.get("handoff_id") or "")

    blocks: List[Dict[str, Any]] = [
        {"type": "header", "text": plain_text(f"Handoff: {_humanise(code)}", 150)},
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": truncate(
                    f"{PRIORITY_MARKS.get(priority, ':large_blue_circle:')} *Why:* {escape(explanation or code)}",
                    SECTION_TEXT_LIMIT,
                ),
            },
        },
    ]
    fields = [
        ("Priority", priority),
        ("Queue", queue),
        ("Customer tier", customer.get("tier") or "unknown"),
        ("Customer", customer.get("id") or packet.get("conversation_id") or "unknown"),
    ]
    if queue_position is not None:
        fields.append(("Queue position", queue_position))
    blocks.append(
        {
            "type": "section",
            "fields": [{"type": "mrkdwn", "text": truncate(f"*{k}*\n{escape(str(v))}", FIELD_TEXT_LIMIT)} for k, v in fields],
        }
    )

    summary_lines = [
        (label, _words(summary.get(key)))
        for label, key in (
            ("Goal", "goal"),
            ("What happened", "what_happened"),
            ("Tried", "tried"),
            ("Open question", "open_question"),
            ("Suggested next step", "suggested_next_step"),
        )
    ]
    summary_text = "\n".join(f"• *{label}:* {escape(value)}" for label, value in summary_lines if value)
    if summary_text:
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": truncate("*Summary*\n" + summary_text, SECTION_TEXT_LIMIT)}}
        )

    articles = [a for a in packet.get("articles_shown") or [] if isinstance(a, Mapping)]
    if articles:
        lines = [
            f"• {escape(str(a.get('title') or a.get('id')))} (`{escape(str(a.get('id')))}`): "
            f"{escape(str(a.get('verdict') or 'no verdict'))}"
            for a in articles
        ]
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": truncate("*Articles shown*\n" + "\n".join(lines), SECTION_TEXT_LIMIT)},
            }
        )

    urgent = [str(w) for w in packet.get("urgent_words") or [] if w]
    if urgent:
        blocks.append(
            {
                "type": "context",
                "elements": [
                    {"type": "mrkdwn", "text": truncate(":warning: *Urgent words:* " + escape(", ".join(urgent)), 3000)}
                ],
            }
        )

    transcript = [t for t in packet.get("transcript") or [] if isinstance(t, Mapping) and t.get("text")]
    if transcript:
        lines = [
            f"*{escape(str(t.get('from') or '?'))}:* {escape(truncate(str(t['text']), 300))}"
            for t in transcript[-TRANSCRIPT_LINES:]
        ]
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": truncate("*Latest messages*\n" + "\n".join(lines), SECTION_TEXT_LIMIT)},
            }
        )

    buttons = [
        {"type": "button", "text": plain_text("Claim", 75), "style": "primary", "action_id": ACTION_CLAIM, "value": handoff_id},
        {"type": "button", "text": plain_text("Resolve", 75), "action_id": ACTION_RESOLVE, "value": handoff_id},
        {"type": "button", "text": plain_text("Hand back to bot", 75), "action_id": ACTION_HAND_BACK, "value": handoff_id},
    ]
    blocks.append(actions_block(buttons, ACTIONS_BLOCK_ID))
    text = truncate(f"New handoff ({priority}, {queue}): {explanation or _humanise(code)}", 3000)
    return escape(text), blocks


# --- outbound ----------------------------------------------------------------------------------


class SlackAgentsConnector(LiveChatConnector):
    """Delivers outbox items to the agents' Slack channel (see the module docstring)."""

    type_name = "slack"

    def __init__(
        self, agents_channel: str, bot_token: str, api_url: str = DEFAULT_API_URL, timeout: float = DEFAULT_TIMEOUT
    ) -> None:
        self.agents_channel = agents_channel
        self.api = SlackWebApi(bot_token, api_url, timeout)

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any]) -> SlackAgentsConnector:
        agents_channel = cfg.get("agents_channel")
        if not agents_channel:
            raise ValueError("livechat type 'slack' needs 'agents_channel': the id of the agents' channel (C...).")
        bot_token = cfg.get("bot_token") or os.environ.get(ENV_BOT_TOKEN)
        if not bot_token:
            raise ValueError(f"livechat type 'slack' needs 'bot_token' (the agents app's xoxb- token), or set {ENV_BOT_TOKEN}.")
        try:
            timeout = float(cfg.get("timeout", DEFAULT_TIMEOUT))
        except (TypeError, ValueError):
            timeout = -1.0
        if timeout <= 0:
            raise ValueError("livechat type 'slack': 'timeout' must be a positive number of seconds.")
        return cls(str(agents_channel), str(bot_token), str(cfg.get("api_url") or DEFAULT_API_URL), timeout)

    @property
    def api_url(self) -> str:
        return self.api.api_url

    @property
    def timeout(self) -> float:
        return self.api.timeout

    def __repr__(self) -> str:
        return (
            f"SlackAgentsConnector(agents_channel={self.agents_channel!r}, api_url={self.api_url!r}, "
            f"timeout={self.timeout}, bot_token='***')"
        )

    def _post(self, **arguments: Any) -> Dict[str, Any]:
        try:
            return self.api.call("chat.postMessage", json=arguments)
        except SlackCallError as error:
            raise DeliveryError(str(error), retryable=error.retryable) from None

    def deliver(self, item: OutboxItem) -> Optional[Dict[str, Any]]:
        channel = str(item.remote.get("channel") or self.agents_channel)
        thread_ts = item.remote.get("thread_ts")
        if item.kind == "handoff":
            if thread_ts:
                return None  # an earlier attempt posted the packet: never a second one
            packet = dict(item.payload.get("packet") or {})
            packet.setdefault("handoff_id", item.handoff_id)
            packet.setdefault("conversation_id", item.conversation_id)
            text, blocks = packet_blocks(packet, item.payload.get("queue_position"))
            reply = self._post(
                channel=self.agents_channel,
                text=text,
                blocks=blocks,
                unfurl_links=False,
                # Message metadata ties the post to the handoff for anyone reading the channel's history.
                metadata={
                    "event_type": "tandem_handoff",
                    "event_payload": {"handoff_id": item.handoff_id, "idempotency_key": item.idempotency_key},
                },
            )
            return {"channel": reply.get("channel") or self.agents_channel, "thread_ts": reply["ts"]}
        if item.kind == "customer_message":
            if not thread_ts:
                raise DeliveryError("the handoff packet is not in Slack yet; retry after it is", retryable=True)
            text = str(item.payload.get("text") or "")
            self._post(channel=channel, thread_ts=thread_ts, text=truncate(f":speech_balloon: *Customer:* {escape(text)}", 39000))
            return None
        if item.kind == "closed":
            if not thread_ts:
                return None  # nothing was ever posted, so there is no thread to close
            status = str(item.payload.get("status") or "")
            self._post(channel=channel, thread_ts=thread_ts, text=CLOSED_LINES.get(status, f"Closed: {escape(status)}."))
            return None
        raise DeliveryError(f"unknown outbox item kind {item.kind!r}", retryable=False)


# --- inbound -----------------------------------------------------------------------------------


class SlackAgentsInput(InputChannel):
    """Agents' replies (Events API) and button clicks (interactivity) from the agents' Slack app."""

    @classmethod
    def name(cls) -> str:
        return "slack_agents"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> SlackAgentsInput:
        credentials = credentials or {}
        return cls(
            slack_signing_secret=credentials.get("slack_signing_secret") or os.environ.get(ENV_SIGNING_SECRET) or None,
            slack_token=credentials.get("slack_token") or os.environ.get(ENV_BOT_TOKEN) or None,
            slack_api_url=credentials.get("slack_api_url")
            or os.environ.get(ENV_API_URL)
            or os.environ.get("SLACK_API_URL")
            or DEFAULT_API_URL,
        )

    def __init__(
        self,
        slack_signing_secret: Optional[str],
        slack_token: Optional[str] = None,
        slack_api_url: str = DEFAULT_API_URL,
        *,
        actions: Optional[AgentActions] = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.slack_signing_secret = slack_signing_secret
        self.api = SlackWebApi(slack_token, slack_api_url, timeout) if slack_token else None
        self._actions = actions  # injectable for tests; else connectors.handoff.runtime.agent_actions()
        self._names: Dict[str, str] = {}
        self._tasks: Set[asyncio.Task] = set()
        if not slack_signing_secret:
            logger.warning(
                "slack_agents: no signing secret (slack_signing_secret / %s); every request gets 404", ENV_SIGNING_SECRET
            )

    def __repr__(self) -> str:
        return f"SlackAgentsInput(slack_signing_secret={'***' if self.slack_signing_secret else None}, api={self.api!r})"

    def actions(self) -> AgentActions:
        return self._actions if self._actions is not None else runtime.agent_actions()

    # -- helpers --------------------------------------------------------------------------------

    async def _blocking(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(None, lambda: function(*args, **kwargs))

    async def agent_name(self, user_id: str, profile: Optional[Mapping[str, Any]] = None, fallback: Optional[str] = None) -> str:
        """Display name, from the event's ``user_profile`` or users.info (cached per user)."""
        if isinstance(profile, Mapping):
            name = profile.get("display_name") or profile.get("real_name") or profile.get("name")
            if name:
                self._names[user_id] = str(name)
                return str(name)
        if user_id in self._names:
            return self._names[user_id]
        if self.api is not None:
            try:
                user = (await self._blocking(self.api.call, "users.info", form={"user": user_id})).get("user") or {}
                info = user.get("profile") or {}
                name = info.get("display_name") or info.get("real_name") or user.get("real_name") or user.get("name")
                if name:
                    self._names[user_id] = str(name)
                    return str(name)
            except SlackCallError as error:
                logger.warning("slack_agents: users.info for %s failed: %s", user_id, error.error)
        return fallback or FALLBACK_AGENT_NAME

    def _later(self, coroutine: Awaitable[Any]) -> None:
        """Best-effort Slack calls after the acknowledgement (Slack wants it within 3 s)."""
        task = asyncio.get_running_loop().create_task(coroutine)  # type: ignore[arg-type]
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def idle(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _thread_notice(self, channel: str, thread_ts: str, text: str) -> None:
        if self.api is None:
            return
        try:
            await self._blocking(
                self.api.call, "chat.postMessage", json={"channel": channel, "thread_ts": thread_ts, "text": text}
            )
        except SlackCallError as error:
            logger.warning("slack_agents: thread notice not posted: %s", error.error)

    def _response_url_allowed(self, url: str) -> bool:
        """Only Slack's own hooks (or the configured API host, i.e. a fake in tests) get our POSTs."""
        target = urlparse(url)
        if target.scheme == "https" and target.hostname == "hooks.slack.com":
            return True
        if self.api is not None:
            api = urlparse(self.api.api_url)
            return (target.scheme, target.netloc) == (api.scheme, api.netloc)
        return False

    async def _ephemeral(self, response_url: Any, text: str) -> None:
        if not isinstance(response_url, str) or not self._response_url_allowed(response_url):
            logger.info("slack_agents: no usable response_url for a notice to the agent")
            return
        body = {"response_type": "ephemeral", "replace_original": False, "text": text}
        timeout = self.api.timeout if self.api is not None else DEFAULT_TIMEOUT
        try:
            await self._blocking(requests.post, response_url, json=body, timeout=timeout)
        except requests.RequestException as error:
            logger.warning("slack_agents: response_url notice failed: %s", type(error).__name__)

    # -- events ---------------------------------------------------------------------------------

    @staticmethod
    def _agent_reply(envelope: Mapping[str, Any]) -> Optional[Mapping[str, Any]]:
        """The event if it is a person's reply inside a thread (the only thing relayed)."""
        event = envelope.get("event")
        if not isinstance(event, Mapping) or event.get("type") != "message":
            return None
        if event.get("bot_id") or event.get("subtype") == "bot_message" or event.get("subtype") not in PERSON_SUBTYPES:
            return None
        user, text, ts, thread_ts = event.get("user"), event.get("text"), event.get("ts"), event.get("thread_ts")
        if not all(isinstance(v, str) and v for v in (user, text, ts, thread_ts, event.get("channel"))):
            return None
        if thread_ts == ts or user in bot_user_ids(envelope):
            return None  # the thread's parent itself, or our own post
        return event

    async def on_event(self, request: Request) -> HTTPResponse:
        refused = check_signature(self.slack_signing_secret, request)
        if refused is not None:
            return refused
        try:
            envelope = parse_json_body(request)
        except MalformedRequest as error:
            return error.response()
        if envelope.get("type") == "url_verification":
            challenge = envelope.get("challenge")
            if not isinstance(challenge, str):
                return json_error(400, "missing_challenge", "A url_verification request carries a 'challenge' string.")
            return response.text(challenge)
        if envelope.get("type") != "event_callback":
            return ack()
        retry = retry_to_skip(request)
        if retry is not None:
            logger.info("slack_agents: retry #%s of event %s acknowledged without processing", retry, envelope.get("event_id"))
            return ack()
        event = self._agent_reply(envelope)
        if event is None:
            return ack()
        try:
            actions = self.actions()
            handoff_id = await actions.find("slack", "thread_ts", event["thread_ts"])
        except UnknownHandoff:
            return ack()  # a thread that is not a handoff packet's
        except Exception:
            logger.exception("slack_agents: handoff core unavailable for an agent reply")
            return json_error(503, "unavailable", "The handoff service is unavailable; Slack will retry.")
        event_id = envelope.get("event_id")
        if isinstance(event_id, str) and await actions.already_processed("slack_agents", event_id):
            return ack()
        # Relaying reaches the customer (a Slack post, a socket): done after the acknowledgement.
        self._later(self._relay_reply(actions, handoff_id, event))
        return ack()

    async def _relay_reply(self, actions: AgentActions, handoff_id: str, event: Mapping[str, Any]) -> None:
        channel, thread_ts = str(event["channel"]), str(event["thread_ts"])
        try:
            name = await self.agent_name(event["user"], event.get("user_profile"))
            await actions.agent_message(handoff_id, to_plain(event["text"]), event["user"], name)
        except UnknownHandoff:
            pass  # deleted meanwhile: nobody to relay to
        except InvalidTransition:
            await self._thread_notice(
                channel, thread_ts, ":no_entry: This conversation is closed; the customer did not get that message."
            )
        except Exception:
            logger.exception("slack_agents: agent reply not relayed for handoff %s", handoff_id)
            await self._thread_notice(
                channel, thread_ts, ":warning: Tandem could not pass that message on. Please send it again."
            )

    # -- interactivity --------------------------------------------------------------------------

    async def on_interaction(self, request: Request) -> HTTPResponse:
        refused = check_signature(self.slack_signing_secret, request)
        if refused is not None:
            return refused
        try:
            payload = parse_form_payload(request)
        except MalformedRequest as error:
            return error.response()
        if payload.get("type") != "block_actions":
            return ack()
        actions_list = payload.get("actions")
        action = actions_list[0] if isinstance(actions_list, list) and actions_list and isinstance(actions_list[0], dict) else {}
        kind = action.get("action_id")
        if kind not in (ACTION_CLAIM, ACTION_RESOLVE, ACTION_HAND_BACK):
            return ack()
        handoff_id, user = action.get("value"), (payload.get("user") or {}).get("id")
        if not (isinstance(handoff_id, str) and handoff_id and isinstance(user, str) and user):
            return json_error(
                400, "invalid_action", "A handoff button click needs the handoff id as 'value' and the clicking user."
            )
        try:
            actions = self.actions()
        except Exception:
            logger.exception("slack_agents: handoff core unavailable for a button click")
            return json_error(503, "unavailable", "The handoff service is unavailable; please try again.")
        # Slack wants the click acknowledged within 3 s; telling the customer may take longer.
        self._later(self._record_click(actions, kind, handoff_id, user, payload))
        return ack()

    async def _record_click(
        self, actions: AgentActions, kind: str, handoff_id: str, user: str, payload: Mapping[str, Any]
    ) -> None:
        response_url = payload.get("response_url")
        try:
            fallback = (payload.get("user") or {}).get("name") or (payload.get("user") or {}).get("username")
            name = await self.agent_name(user, None, fallback)
            if kind == ACTION_CLAIM:
                await actions.claim(handoff_id, user, name)
                channel = (payload.get("channel") or {}).get("id") or (payload.get("container") or {}).get("channel_id")
                thread_ts = (payload.get("container") or {}).get("message_ts") or (payload.get("message") or {}).get("ts")
                if channel and thread_ts:
                    await self._thread_notice(channel, thread_ts, f":raising_hand: {escape(name)} claimed this conversation.")
            else:
                status = "resolved" if kind == ACTION_RESOLVE else "returned_to_bot"
                # The store queues a ``closed`` item for this handoff: its status line lands in the thread.
                await actions.close(handoff_id, status, user, name)
        except UnknownHandoff:
            await self._ephemeral(response_url, ":grey_question: This handoff no longer exists in Tandem.")
        except InvalidTransition as error:
            await self._ephemeral(response_url, f":no_entry: Not possible now: {escape(str(error))}")
        except Exception:
            logger.exception("slack_agents: button %s not recorded for handoff %s", kind, handoff_id)
            await self._ephemeral(response_url, ":warning: Tandem could not record that. Please try again.")

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Agents never talk to Rasa directly, so ``on_new_message`` is unused."""
        hooks = Blueprint(f"tandem_slack_agents_{id(self)}", __name__)

        @hooks.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.slack_signing_secret else "not_configured"})

        @hooks.route("/events", methods=["POST"])
        async def events(request: Request) -> HTTPResponse:
            return await self._never_500(self.on_event, request)

        @hooks.route("/interactive", methods=["POST"])
        async def interactive(request: Request) -> HTTPResponse:
            return await self._never_500(self.on_interaction, request)

        return hooks

    @staticmethod
    async def _never_500(handler: Callable[[Request], Awaitable[HTTPResponse]], request: Request) -> HTTPResponse:
        try:
            return await handler(request)
        except Exception:
            logger.exception("slack_agents: unexpected error on %s", request.path)
            return json_error(503, "unavailable", "Tandem could not handle this request; please retry.")
