"""Agents on Slack, inbound: ``SlackAgentsInput`` at ``/webhooks/slack_agents/events`` and ``/interactive``.

Turns an agent's reply in a handoff packet's thread (connector.py posted the packet)
into ``agent_message`` and the packet's buttons (packet.py) into ``claim`` / ``close``.
Every request is verified with the app's signing secret (verify.py).

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

Configuration, credentials.yml ``connectors.slack.SlackAgentsInput``:
``slack_signing_secret`` (or env ``SLACK_AGENTS_SIGNING_SECRET``), ``slack_token`` (or
env ``SLACK_AGENTS_BOT_TOKEN``; for agents' names and thread notices), ``slack_api_url``
(or env ``SLACK_AGENTS_API_URL``, then ``SLACK_API_URL``).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Dict, Mapping, Optional
from urllib.parse import urlparse

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse
from slack_sdk.signature import Clock

from connectors.handoff import runtime
from connectors.handoff.livechat import AgentActions, InvalidTransition, UnknownHandoff
from connectors.slack.blocks import escape
from connectors.slack.client import (
    DEFAULT_API_URL,
    DEFAULT_TIMEOUT,
    ENV_API_URL,
    SlackClient,
    SlackError,
    post_to_response_url,
)
from connectors.slack.connector import ENV_BOT_TOKEN
from connectors.slack.inbound import (
    PERSON_SUBTYPES,
    Background,
    ack,
    block_actions,
    bot_user_ids,
    credential,
    event_callback,
    health_status,
    json_error,
)
from connectors.slack.markup import to_plain
from connectors.slack.packet import ACTION_CLAIM, ACTION_HAND_BACK, ACTION_RESOLVE
from connectors.slack.verify import channel_verifier, check_signature

logger = logging.getLogger(__name__)

ENV_SIGNING_SECRET = "SLACK_AGENTS_SIGNING_SECRET"
ENV_AGENTS_API_URL = "SLACK_AGENTS_API_URL"  # before the customers' app's ENV_API_URL
FALLBACK_AGENT_NAME = "Support agent"


class SlackAgentsInput(InputChannel):
    """Agents' replies (Events API) and button clicks (interactivity) from the agents' Slack app."""

    @classmethod
    def name(cls) -> str:
        return "slack_agents"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> SlackAgentsInput:
        credentials = credentials or {}
        return cls(
            slack_signing_secret=credential(credentials, "slack_signing_secret", ENV_SIGNING_SECRET),
            slack_token=credential(credentials, "slack_token", ENV_BOT_TOKEN),
            slack_api_url=credential(credentials, "slack_api_url", ENV_AGENTS_API_URL, ENV_API_URL) or DEFAULT_API_URL,
        )

    def __init__(
        self,
        slack_signing_secret: Optional[str],
        slack_token: Optional[str] = None,
        slack_api_url: str = DEFAULT_API_URL,
        *,
        actions: Optional[AgentActions] = None,
        timeout: float = DEFAULT_TIMEOUT,
        clock: Optional[Clock] = None,
    ) -> None:
        self.slack_signing_secret = slack_signing_secret
        self._verifier = channel_verifier(slack_signing_secret, clock, self.name(), ENV_SIGNING_SECRET)
        self.api = SlackClient(slack_token, slack_api_url, timeout) if slack_token else None
        self._actions = actions  # injectable for tests; else connectors.handoff.runtime.agent_actions()
        self._names: Dict[str, str] = {}
        # Best-effort Slack calls after the acknowledgement (Slack wants it within 3 s).
        self._later = Background()

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
                user = (await self._blocking(self.api.users_info, user_id)).get("user") or {}
                info = user.get("profile") or {}
                name = info.get("display_name") or info.get("real_name") or user.get("real_name") or user.get("name")
                if name:
                    self._names[user_id] = str(name)
                    return str(name)
            except SlackError as error:
                logger.warning("slack_agents: users.info for %s failed: %s", user_id, error.error)
        return fallback or FALLBACK_AGENT_NAME

    async def idle(self) -> None:
        await self._later.idle()

    async def _thread_notice(self, channel: str, thread_ts: str, text: str) -> None:
        if self.api is None:
            return
        try:
            await self._blocking(self.api.post_message, channel=channel, thread_ts=thread_ts, text=text)
        except SlackError as error:
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
            await post_to_response_url(response_url, body, timeout)
        except SlackError as error:
            logger.warning("slack_agents: response_url notice failed: %s", error.error)

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
        refused = check_signature(self._verifier, request)
        if refused is not None:
            return refused
        envelope = event_callback(request, self.name())
        if isinstance(envelope, HTTPResponse):
            return envelope
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
        self._later.start(self._relay_reply(actions, handoff_id, event))
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
        refused = check_signature(self._verifier, request)
        if refused is not None:
            return refused
        payload = block_actions(request)
        if isinstance(payload, HTTPResponse):
            return payload
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
        self._later.start(self._record_click(actions, kind, handoff_id, user, payload))
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
            return health_status(self._verifier is not None)

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
