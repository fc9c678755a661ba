"""A generic, signed webhook as Tandem's live-chat tool (``livechat.type: webhook``).

For a tool Tandem has no connector for: Tandem POSTs every outbox item to one URL,
and the tool reports what its agents did to Tandem's ``/webhooks/agent_webhook/webhook``.
Both directions are signed the same way (connectors/signing.py)::

    X-Tandem-Timestamp: <unix seconds>
    X-Tandem-Signature: sha256=<hex HMAC-SHA256 of "{timestamp}.{raw body}" with the shared secret>

A receiver must reject a signature that does not match or a timestamp more than five
minutes away from its clock.

Outbound (``WebhookConnector``), config ``url``, ``secret``, optional ``timeout``::

    POST {url}
    Content-Type: application/json
    Idempotency-Key: <stable across retries of this item>
    {"type": "handoff" | "customer_message" | "closed",
     "handoff_id": "...", "conversation_id": "...",
     "payload": {...},            # see connectors/handoff/livechat.py for each type
     "idempotency_key": "..."}

Delivery is at least once: the receiver must treat a repeated ``Idempotency-Key`` as
already done (and answer 2xx). 2xx means delivered; 408, 429, 5xx and network errors
are retried with backoff; any other 4xx parks the item for an operator.

Inbound (``WebhookAgentInput``), secret from credentials ``secret``, env
``TANDEM_WEBHOOK_SECRET`` or endpoints.yml ``livechat.secret``::

    POST /webhooks/agent_webhook/webhook
    {"event_id": "unique per event, reused on retries",
     "handoff_id": "...",
     "type": "claim" | "message" | "note" | "close",
     "text": "required for message and note",
     "status": "resolved" | "returned_to_bot" | "abandoned",   # close only; default resolved
     "agent": {"id": "...", "name": "..."}}

Answers: 200 ``{"status": "ok"}`` or ``{"status": "duplicate"}`` (event_id seen before),
400 malformed (``{"error", "message"}`` says what to fix), 401 bad or stale signature,
404 unknown handoff, 409 not possible in the handoff's state (claiming a closed one),
413 text too long, 404 not configured (no secret: the route is closed), 503 a temporary failure (retry). Never 500.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any, Awaitable, Callable, Dict, Mapping, Optional, Tuple, Union

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
    parse_timeout,
)
from connectors.rest import InvalidRequest, error_response
from connectors.signing import SignatureError, timestamped_signature, verify_timestamped
from core import clock

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT: Tuple[float, float] = (3.05, 10.0)
ENV_SECRET = "TANDEM_WEBHOOK_SECRET"
SOURCE = "agent_webhook"
EVENT_TYPES = ("claim", "message", "note", "close")
CLOSE_STATUSES = ("resolved", "returned_to_bot", "abandoned")
MAX_TEXT_CHARS = 5000
MAX_ID_CHARS = 200
MIN_SECRET_CHARS = 16

ActionsSource = Union[AgentActions, Callable[[], AgentActions]]


class WebhookConnector(LiveChatConnector):
    """POSTs each outbox item, signed, to the configured URL; see the module docstring."""

    type_name = "webhook"

    def __init__(
        self,
        url: str,
        secret: str,
        timeout: Tuple[float, float] = DEFAULT_TIMEOUT,
        session: Optional[requests.Session] = None,
    ) -> None:
        self.url = url
        self._secret = secret
        self.timeout = timeout
        self._session = session or requests.Session()

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any]) -> WebhookConnector:
        """Validate the ``livechat`` section of endpoints.yml; ``ValueError`` names the key at fault."""
        if not isinstance(cfg, Mapping):
            raise ValueError("livechat: expected a mapping with type: webhook, url, secret")
        if cfg.get("type", "webhook") != "webhook":
            raise ValueError(f"livechat.type: expected 'webhook', got {cfg.get('type')!r}")
        url = cfg.get("url")
        if not isinstance(url, str) or not url.strip():
            raise ValueError("livechat.url: missing (where Tandem POSTs handoffs, e.g. https://tool.example/tandem)")
        url = url.strip()
        if not url.startswith(("http://", "https://")) or not url.split("://", 1)[1].strip("/"):
            raise ValueError("livechat.url: must be an http:// or https:// URL")
        secret = cfg.get("secret")
        if not isinstance(secret, str) or not secret.strip():
            raise ValueError("livechat.secret: missing (the shared secret both sides sign requests with)")
        if len(secret.strip()) < MIN_SECRET_CHARS:
            raise ValueError(f"livechat.secret: too short; use at least {MIN_SECRET_CHARS} random characters")
        return cls(url=url, secret=secret.strip(), timeout=parse_timeout(cfg.get("timeout"), DEFAULT_TIMEOUT))

    def __repr__(self) -> str:
        return f"WebhookConnector(url={self.url!r}, secret='***', timeout={self.timeout!r})"

    def body(self, item: OutboxItem) -> bytes:
        return json.dumps(
            {
                "type": item.kind,
                "handoff_id": item.handoff_id,
                "conversation_id": item.conversation_id,
                "payload": dict(item.payload),
                "idempotency_key": item.idempotency_key,
            },
            ensure_ascii=False,
            separators=(",", ":"),
            default=str,
        ).encode()

    def deliver(self, item: OutboxItem) -> Optional[Dict[str, Any]]:
        body = self.body(item)
        timestamp = str(int(clock.timestamp()))  # signed afresh on every attempt: a retry is never stale
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": item.idempotency_key,
            "X-Tandem-Timestamp": timestamp,
            "X-Tandem-Signature": timestamped_signature(self._secret, timestamp, body),
        }
        try:
            reply = self._session.post(self.url, data=body, headers=headers, timeout=self.timeout)
        except requests.Timeout:
            raise DeliveryError("webhook: timed out", retryable=True) from None
        except requests.RequestException as error:
            raise DeliveryError(f"webhook: {type(error).__name__}", retryable=True) from None
        status = reply.status_code
        if 200 <= status < 300:
            return None
        retryable = status >= 500 or status in (408, 429)
        raise DeliveryError(f"webhook: the receiver answered {status}", retryable=retryable)


# --- inbound -------------------------------------------------------------------------------


def _text(value: Any, field: str, limit: int = MAX_ID_CHARS) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidRequest(400, f"missing_{field.replace('.', '_')}", f"'{field}' must be a non-empty string.")
    if len(value) > limit:
        raise InvalidRequest(400, f"invalid_{field.replace('.', '_')}", f"'{field}' can be at most {limit} characters.")
    return value.strip()


def parse_event(body: bytes) -> Dict[str, Any]:
    """The validated event, or ``InvalidRequest`` naming what to fix."""
    try:
        event = json.loads(body)
    except ValueError:
        event = None
    if not isinstance(event, dict):
        raise InvalidRequest(400, "invalid_json", "The body must be a JSON object; see docs/chatwoot.md (generic webhook).")
    kind = event.get("type")
    if kind not in EVENT_TYPES:
        raise InvalidRequest(400, "invalid_type", f"'type' must be one of {', '.join(EVENT_TYPES)}.")
    agent = event.get("agent")
    if not isinstance(agent, dict):
        raise InvalidRequest(400, "missing_agent", '\'agent\' must be an object like {"id": "...", "name": "..."}.')
    parsed: Dict[str, Any] = {
        "event_id": _text(event.get("event_id"), "event_id"),
        "handoff_id": _text(event.get("handoff_id"), "handoff_id"),
        "type": kind,
        "agent_id": _text(str(agent["id"]) if isinstance(agent.get("id"), int) else agent.get("id"), "agent.id"),
        "agent_name": _text(agent.get("name"), "agent.name"),
    }
    if kind in ("message", "note"):
        text = event.get("text")
        if not isinstance(text, str) or not text.strip():
            raise InvalidRequest(400, "missing_text", f"'text' must be a non-empty string for a {kind}.")
        if len(text) > MAX_TEXT_CHARS:
            raise InvalidRequest(413, "text_too_long", f"'text' has {len(text)} characters; the limit is {MAX_TEXT_CHARS}.")
        parsed["text"] = text.strip()
    if kind == "close":
        status = event.get("status") or "resolved"
        if status not in CLOSE_STATUSES:
            raise InvalidRequest(400, "invalid_status", f"'status' must be one of {', '.join(CLOSE_STATUSES)}.")
        parsed["status"] = status
    return parsed


def _livechat_secret() -> Optional[str]:
    try:
        from connectors.handoff.config import settings

        livechat = settings().livechat
    except Exception:  # settings are optional here; credentials or env suffice
        return None
    secret = livechat.get("secret") if livechat.get("type") == "webhook" else None
    return secret if isinstance(secret, str) and secret else None


class WebhookAgentInput(InputChannel):
    """Agents' events from the tool behind the generic webhook; see the module docstring."""

    @classmethod
    def name(cls) -> str:
        return "agent_webhook"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> WebhookAgentInput:
        credentials = credentials or {}
        return cls(secret=credentials.get("secret") or os.environ.get(ENV_SECRET) or _livechat_secret())

    def __init__(self, secret: Optional[str] = None, actions: ActionsSource = runtime.agent_actions) -> None:
        self.secret = secret or None
        self._actions = actions
        if not self.secret:
            logger.warning("agent_webhook: no secret (credentials 'secret' / %s); every request gets 404", ENV_SECRET)

    def __repr__(self) -> str:
        return f"WebhookAgentInput(secret={'***' if self.secret else None})"

    def actions(self) -> AgentActions:
        return self._actions if isinstance(self._actions, AgentActions) else self._actions()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        hooks = Blueprint(f"tandem_agent_webhook_{id(self)}", __name__)

        @hooks.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.secret else "not_configured"})

        @hooks.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            try:
                result = await self.handle(request.body or b"", request.headers)
            except InvalidRequest as error:
                return error_response(error)
            except UnknownHandoff:
                return response.json({"error": "unknown_handoff", "message": "No handoff with that handoff_id."}, status=404)
            except InvalidTransition as error:
                return response.json({"error": "invalid_transition", "message": str(error)}, status=409)
            except Exception:
                logger.exception("agent_webhook: event not handled")
                return response.json(
                    {"error": "unavailable", "message": "Tandem could not handle this event; please retry."}, status=503
                )
            return response.json(result)

        return hooks

    async def handle(self, body: bytes, headers: Mapping[str, str]) -> Dict[str, Any]:
        if not self.secret:
            raise InvalidRequest(404, "not_configured", "Tandem has no secret for this webhook; set TANDEM_WEBHOOK_SECRET.")
        try:
            verify_timestamped(self.secret, headers.get("X-Tandem-Signature"), headers.get("X-Tandem-Timestamp"), body)
        except SignatureError as error:
            raise InvalidRequest(401, "invalid_signature", f"Signature rejected: {error}.") from None
        event = parse_event(body)
        actions = self.actions()
        if await actions.already_processed(SOURCE, event["event_id"]):
            return {"status": "duplicate"}
        handoff_id, agent_id, agent_name = event["handoff_id"], event["agent_id"], event["agent_name"]
        try:
            if event["type"] == "claim":
                await actions.claim(handoff_id, agent_id, agent_name)
            elif event["type"] == "message":
                await actions.agent_message(handoff_id, event["text"], agent_id, agent_name)
            elif event["type"] == "note":
                await actions.note(handoff_id, event["text"], agent_id, agent_name)
            else:
                await actions.close(handoff_id, event["status"], agent_id, agent_name)
        except Exception:
            await actions.forget(SOURCE, event["event_id"])  # the tool's retry must be applied, not dropped
            raise
        logger.info("agent_webhook: %s recorded for handoff %s", event["type"], handoff_id)
        return {"status": "ok"}
