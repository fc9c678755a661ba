"""Requests as Slack sends them to Tandem's channels, signed; the Web API's fake is tests/fakes/slack_api.py.

- request signing https://api.slack.com/authentication/verifying-requests-from-slack
- Events API envelope and retries https://docs.slack.dev/apis/events-api/ ,
  url_verification https://api.slack.com/events/url_verification
- block_actions sent as the ``payload`` form field
  https://docs.slack.dev/reference/interaction-payloads/block_actions-payload

``event_request``, ``interactive_request`` and ``url_verification_request`` build
requests signed like Slack's: valid, ``forged``, ``stale`` (replayed), ``unsigned`` or a
``retry``; ``message_event``, ``app_mention_event`` and ``block_actions_payload`` what
they carry.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import uuid
from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple
from urllib.parse import urlencode

from core import clock


def slack_signature(secret: str, timestamp: str, body: bytes) -> str:
    """``v0=`` HMAC-SHA256 of ``v0:{timestamp}:{body}``, computed here as Slack documents it, not by the code under test."""
    return "v0=" + hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class SignedRequest:
    body: bytes
    headers: Dict[str, str]


def signed(
    secret: str,
    body: bytes,
    content_type: str,
    *,
    timestamp: Optional[int] = None,
    forged: bool = False,
    stale: bool = False,
    unsigned: bool = False,
    retry: Optional[Tuple[int, str]] = None,
) -> SignedRequest:
    """Headers for ``body``: valid, ``forged`` (signed with another secret), ``stale`` (ten
    minutes old: a replay), ``unsigned`` (no signature header), or a ``retry`` (number, reason)."""
    sent = timestamp if timestamp is not None else int(clock.timestamp()) - (600 if stale else 0)
    headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": str(sent)}
    if not unsigned:
        headers["X-Slack-Signature"] = slack_signature("not-" + secret if forged else secret, str(sent), body)
    if retry is not None:
        headers["X-Slack-Retry-Num"] = str(retry[0])
        headers["X-Slack-Retry-Reason"] = retry[1]
    return SignedRequest(body, headers)


def event_envelope(
    event: Dict[str, Any], *, event_id: Optional[str] = None, team_id: str = "T0000001", bot_user_id: str = "UBOT0001"
) -> Dict[str, Any]:
    return {
        "token": "legacy-verification-token",
        "team_id": team_id,
        "api_app_id": "A0000001",
        "event": event,
        "type": "event_callback",
        "event_id": event_id or "Ev" + uuid.uuid4().hex[:10].upper(),
        "event_time": int(clock.timestamp()),
        "authorizations": [
            {"enterprise_id": None, "team_id": team_id, "user_id": bot_user_id, "is_bot": True, "is_enterprise_install": False}
        ],
        "is_ext_shared_channel": False,
    }


def event_request(secret: str, event: Dict[str, Any], *, event_id: Optional[str] = None, **signing: Any) -> SignedRequest:
    body = json.dumps(event_envelope(event, event_id=event_id)).encode()
    return signed(secret, body, "application/json", **signing)


def url_verification_request(secret: str, challenge: str, **signing: Any) -> SignedRequest:
    body = json.dumps({"token": "legacy", "challenge": challenge, "type": "url_verification"}).encode()
    return signed(secret, body, "application/json", **signing)


_message_ts = itertools.count(1)


def new_ts() -> str:
    return f"{int(clock.timestamp())}.{next(_message_ts):06d}"


def message_event(
    text: str,
    *,
    user: str = "UCUST0001",
    channel: str = "DCUST0001",
    channel_type: str = "im",
    ts: Optional[str] = None,
    thread_ts: Optional[str] = None,
    **extra: Any,
) -> Dict[str, Any]:
    event: Dict[str, Any] = {
        "type": "message",
        "channel": channel,
        "user": user,
        "text": text,
        "ts": ts or new_ts(),
        "team": "T0000001",
        "channel_type": channel_type,
        "client_msg_id": str(uuid.uuid4()),
    }
    event["event_ts"] = event["ts"]
    if thread_ts:
        event["thread_ts"] = thread_ts
    event.update(extra)
    return event


def app_mention_event(
    text: str, *, user: str = "UCUST0001", channel: str = "CSUPPORT1", ts: Optional[str] = None, **extra: Any
) -> Dict[str, Any]:
    event = message_event(text, user=user, channel=channel, ts=ts, **extra)
    event["type"] = "app_mention"
    event.pop("channel_type")
    return event


def block_actions_payload(
    value: Optional[str],
    *,
    user: str = "UCUST0001",
    user_name: str = "customer",
    channel: str = "DCUST0001",
    message_ts: Optional[str] = None,
    thread_ts: Optional[str] = None,
    action_id: str = "tandem_button_0",
    block_id: str = "actions",
    response_url: str = "https://hooks.slack.com/actions/T0000001/1/abc",
    url: Optional[str] = None,
) -> Dict[str, Any]:
    message_ts = message_ts or new_ts()
    action: Dict[str, Any] = {
        "type": "button",
        "action_id": action_id,
        "block_id": block_id,
        "text": {"type": "plain_text", "text": "Button", "emoji": True},
        "action_ts": f"{clock.timestamp():.6f}",
    }
    if value is not None:
        action["value"] = value
    if url is not None:
        action["url"] = url
    container: Dict[str, Any] = {"type": "message", "message_ts": message_ts, "channel_id": channel, "is_ephemeral": False}
    message: Dict[str, Any] = {"type": "message", "ts": message_ts, "bot_id": "BBOT0001", "text": "..."}
    if thread_ts:
        container["thread_ts"] = thread_ts
        message["thread_ts"] = thread_ts
    return {
        "type": "block_actions",
        "user": {"id": user, "username": user_name, "name": user_name, "team_id": "T0000001"},
        "api_app_id": "A0000001",
        "token": "legacy-verification-token",
        "container": container,
        "trigger_id": "1234.5678.abcd",
        "team": {"id": "T0000001", "domain": "tandem-test"},
        "channel": {"id": channel, "name": "directmessage" if channel.startswith("D") else "support"},
        "message": message,
        "response_url": response_url,
        "actions": [action],
    }


def interactive_request(secret: str, payload: Dict[str, Any], **signing: Any) -> SignedRequest:
    body = urlencode({"payload": json.dumps(payload)}).encode()
    return signed(secret, body, "application/x-www-form-urlencoded", **signing)
