"""Agents on Slack, outbound: ``SlackAgentsConnector`` (``livechat.type: slack`` in endpoints.yml).

Posts each handoff packet to the agents' channel as Block Kit laid out for action
(packet.py). The packet's ``ts`` is the thread every later item of the handoff goes to
(``remote: {"channel", "thread_ts"}``): the customer's new messages and a status line
when the handoff closes. The outbox dispatcher calls ``deliver`` from a worker thread
and retries what fails with ``DeliveryError.retryable`` (client.py says which failures
those are), so each delivery is one Web API call.

Configuration, endpoints.yml ``livechat``: ``type: slack``, ``agents_channel`` (channel
id), ``bot_token`` (or env ``SLACK_AGENTS_BOT_TOKEN``), ``api_url`` (default
``https://slack.com/api/``), ``timeout`` (seconds, default 10). Setup: docs/slack.md.
"""

from __future__ import annotations

import os
from typing import Any, Dict, Mapping, Optional

from connectors.handoff.livechat import DeliveryError, LiveChatConnector, OutboxItem
from connectors.slack.blocks import escape, truncate
from connectors.slack.client import DEFAULT_API_URL, DEFAULT_TIMEOUT, SlackClient, SlackError
from connectors.slack.packet import packet_blocks

ENV_BOT_TOKEN = "SLACK_AGENTS_BOT_TOKEN"

CLOSED_LINES = {
    "resolved": ":white_check_mark: Resolved. The bot has taken the conversation back and asks the customer for feedback.",
    "returned_to_bot": ":robot_face: Handed back to the bot.",
    "abandoned": ":zzz: Closed: the customer left before an agent answered.",
}


class SlackAgentsConnector(LiveChatConnector):
    """Delivers outbox items to the agents' Slack channel (see the module docstring)."""

    type_name = "slack"

    def __init__(
        self, agents_channel: str, bot_token: str, api_url: str = DEFAULT_API_URL, timeout: float = DEFAULT_TIMEOUT
    ) -> None:
        self.agents_channel = agents_channel
        self.api = SlackClient(bot_token, api_url, timeout)

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
            return self.api.post_message(**arguments)
        except SlackError as error:
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
