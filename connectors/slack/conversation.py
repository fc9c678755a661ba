"""Which customer conversation a Slack message or button click belongs to.

One conversation per Slack user per DM, and per user per channel thread, so two
customers in one thread never share a tracker:

- direct message: ``slack:<dm channel id>:<user id>``; replies go to the DM, into the
  thread when the customer wrote in one;
- channel mention: ``slack:<channel id>:<thread root ts>:<user id>``; replies always go
  into that thread (a mention at the top level starts it). Later thread replies from
  the same user are answered without a new mention while the channel remembers the
  thread.

The bot ignores bots: messages with a ``bot_id``, of subtype ``bot_message``, or from the
app's own user. Pure functions apart from the memory of threads the caller passes in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Optional, Set, Tuple

from connectors.slack.inbound import PERSON_SUBTYPES, RecentKeys, bot_user_ids


@dataclass(frozen=True)
class CustomerMessage:
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


def from_event(envelope: Mapping[str, Any], own_user_ids: Set[str], threads: RecentKeys) -> Optional[CustomerMessage]:
    """The customer message in an ``event_callback``, or ``None`` when there is nothing to answer.

    ``threads`` holds ``channel:root_ts:user`` of the threads a customer started by mentioning the bot."""
    event = envelope.get("event")
    if not isinstance(event, dict) or event.get("type") not in ("message", "app_mention"):
        return None
    own = set(bot_user_ids(envelope)) | own_user_ids
    user, channel, ts, text = event.get("user"), event.get("channel"), event.get("ts"), event.get("text")
    if event.get("bot_id") or event.get("subtype") == "bot_message" or (user and user in own):
        return None
    if event.get("subtype") not in PERSON_SUBTYPES:
        return None
    if not all(isinstance(value, str) and value for value in (user, channel, ts, text)):
        return None
    thread_ts = event.get("thread_ts") if isinstance(event.get("thread_ts"), str) else None
    team = event.get("team") or envelope.get("team_id")
    common = dict(raw_text=text, user=user, channel=channel, team=team, message_key=f"{channel}:{ts}", bot_user_ids=tuple(own))
    if is_direct(channel, event.get("channel_type")):
        return CustomerMessage(reply_thread_ts=thread_ts, conversation_id=conversation_id(channel, user, None, True), **common)
    root = thread_ts or ts
    thread_key = f"{channel}:{root}:{user}"
    if event["type"] == "app_mention":
        threads.seen(thread_key)
    elif thread_key not in threads:
        return None  # a channel message not addressed to the bot
    return CustomerMessage(reply_thread_ts=root, conversation_id=conversation_id(channel, user, root, False), **common)


def from_click(payload: Mapping[str, Any]) -> Optional[CustomerMessage]:
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
        return CustomerMessage(
            value, user, channel, thread_ts, conversation_id(channel, user, None, True), team, key, is_payload=True
        )
    root = thread_ts or message_ts
    return CustomerMessage(value, user, channel, root, conversation_id(channel, user, root, False), team, key, is_payload=True)
