"""Inbound: what agents do in Chatwoot, reported by its webhook, turned into ``AgentActions``.

Chatwoot POSTs events to ``/webhooks/chatwoot/webhook`` (the API inbox's webhook URL, or
an account webhook subscribed to ``message_created``, ``conversation_status_changed``
and ``conversation_updated``). Payloads: https://www.chatwoot.com/docs/product/others/webhook-events

==========================================================  ===================================
Chatwoot event                                               Tandem
==========================================================  ===================================
``message_created``, ``outgoing``, public, sender ``user``   ``agent_message`` (agent's name)
``message_created``, ``outgoing``, private, sender ``user``  ``note``
``conversation_status_changed`` to ``resolved``              ``close(..., "returned_to_bot")``
``conversation_updated`` with ``status`` → ``resolved``      ``close(..., "returned_to_bot")``
``conversation_updated`` with ``assignee_id`` → an agent     ``claim`` (Chatwoot reports an
                                                             assignment this way; an
                                                             ``assignee_changed`` event is
                                                             read the same)
==========================================================  ===================================

Ignored with 200 (so Chatwoot does not retry): ``incoming`` messages (the customer's words,
which Tandem itself posted), activity and template messages, anything carrying Tandem's
marker (``source_id: "tandem:..."`` / ``content_attributes.tandem_key``, set by
connectors/chatwoot/connector.py), messages from ``agent_bot`` or other non-human senders,
events of other inboxes (when ``inbox_id`` is configured) and other event types.

With a webhook secret, ``X-Chatwoot-Signature`` / ``X-Chatwoot-Timestamp`` are verified
(connectors/signing.py, five-minute window): 401 otherwise. Retried deliveries are
answered ``{"status": "duplicate"}``: messages are deduplicated by message id, a close by
handoff (a resolve arrives both as ``conversation_status_changed`` and
``conversation_updated``), a claim by handoff and agent. Errors: 400 malformed, 404 no
handoff for the conversation, 409 not possible in the handoff's state, 503 anything
unexpected; never 500, never message text or secrets in logs.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, Mapping, Optional, Tuple, Union

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors.chatwoot.connector import is_tandem_message
from connectors.handoff import runtime
from connectors.handoff.livechat import AgentActions, InvalidTransition, UnknownHandoff
from connectors.rest import InvalidRequest, error_response
from connectors.signing import SignatureError, verify_chatwoot

logger = logging.getLogger(__name__)

ENV_WEBHOOK_SECRET = "CHATWOOT_WEBHOOK_SECRET"
ENV_INBOX_ID = "CHATWOOT_INBOX_ID"
SOURCE = "chatwoot"
DEFAULT_AGENT = ("chatwoot", "Support agent")

ActionsSource = Union[AgentActions, Callable[[], AgentActions]]


@dataclass(frozen=True)
class AgentEvent:
    """One thing an agent did, read from a webhook payload."""

    kind: str  # agent_message | note | close | claim
    conversation_id: int
    agent_id: str
    agent_name: str
    text: str = ""
    message_id: Optional[int] = None


@dataclass(frozen=True)
class Ignored:
    reason: str


def _int(value: Any, field: str) -> int:
    if isinstance(value, bool):
        raise InvalidRequest(400, "invalid_field", f"'{field}' must be an integer.")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    if value is None:
        raise InvalidRequest(400, "missing_field", f"'{field}' is missing.")
    raise InvalidRequest(400, "invalid_field", f"'{field}' must be an integer.")


def _agent(person: Any) -> Tuple[str, str]:
    if not isinstance(person, Mapping) or person.get("id") in (None, ""):
        return DEFAULT_AGENT
    name = person.get("available_name") or person.get("name")
    return str(person["id"]), (name.strip() if isinstance(name, str) and name.strip() else DEFAULT_AGENT[1])


def _inbox_of(payload: Mapping[str, Any]) -> Optional[int]:
    inbox = payload.get("inbox")
    candidates = [inbox.get("id") if isinstance(inbox, Mapping) else None, payload.get("inbox_id")]
    conversation = payload.get("conversation")
    if isinstance(conversation, Mapping):
        candidates.append(conversation.get("inbox_id"))
    for value in candidates:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def _changes(payload: Mapping[str, Any]) -> Dict[str, Any]:
    """``changed_attributes`` (a list of ``{name: {previous_value, current_value}}``) as name → current value."""
    changed = payload.get("changed_attributes")
    current: Dict[str, Any] = {}
    if isinstance(changed, list):
        for entry in changed:
            if isinstance(entry, Mapping):
                for name, values in entry.items():
                    current[str(name)] = values.get("current_value") if isinstance(values, Mapping) else values
    elif isinstance(changed, Mapping):
        for name, values in changed.items():
            current[str(name)] = values.get("current_value") if isinstance(values, Mapping) else values
    return current


def _message_text(payload: Mapping[str, Any]) -> str:
    content = payload.get("content")
    parts = [content.strip()] if isinstance(content, str) and content.strip() else []
    for attachment in payload.get("attachments") or []:
        if isinstance(attachment, Mapping) and isinstance(attachment.get("data_url"), str):
            parts.append(attachment["data_url"])
    return "\n".join(parts)


def read_event(payload: Mapping[str, Any], inbox_id: Optional[int] = None) -> Union[AgentEvent, Ignored]:
    """What the agent did, ``Ignored`` for events that are not an agent's doing, or
    ``InvalidRequest`` (400) when a relevant event lacks the fields it needs."""
    event = payload.get("event")
    if not isinstance(event, str) or not event:
        raise InvalidRequest(400, "missing_event", "'event' must name the Chatwoot event, e.g. message_created.")
    if event not in ("message_created", "conversation_status_changed", "conversation_updated", "assignee_changed"):
        return Ignored(f"event {event} is not used")
    inbox = _inbox_of(payload)
    if inbox_id is not None and inbox is not None and inbox != inbox_id:
        return Ignored("another inbox")

    if event == "message_created":
        message_id = _int(payload.get("id"), "id")
        conversation = payload.get("conversation")
        if not isinstance(conversation, Mapping):
            raise InvalidRequest(400, "missing_field", "'conversation' must be the message's conversation object.")
        conversation_id = _int(conversation.get("id"), "conversation.id")
        message_type = payload.get("message_type")
        if message_type != "outgoing":
            return Ignored(f"{message_type} message" if isinstance(message_type, str) else "message without a type")
        if is_tandem_message(payload):
            return Ignored("posted by Tandem")
        sender = payload.get("sender")
        sender_type = str(sender.get("type") or "").lower() if isinstance(sender, Mapping) else ""
        if sender_type != "user":
            return Ignored(f"sent by {sender_type or 'no one'}, not an agent")
        text = _message_text(payload)
        if not text:
            return Ignored("no text")
        agent_id, agent_name = _agent(sender)
        kind = "note" if payload.get("private") is True else "agent_message"
        return AgentEvent(kind, conversation_id, agent_id, agent_name, text, message_id)

    conversation_id = _int(payload.get("id"), "id")
    meta = payload.get("meta")
    assignee = meta.get("assignee") if isinstance(meta, Mapping) else None
    changes = _changes(payload)
    if event == "conversation_status_changed":
        status = payload.get("status")
        if status == "resolved":
            return AgentEvent("close", conversation_id, *_agent(assignee))
        return Ignored(f"status {status}")
    # Older Chatwoot versions send no changed_attributes: then the current state is all there is
    # (repeats are harmless: closes and claims are deduplicated per handoff).
    if changes.get("status") == "resolved" or (not changes and payload.get("status") == "resolved"):
        return AgentEvent("close", conversation_id, *_agent(assignee))
    if "assignee_id" in changes:
        assigned = changes["assignee_id"]
    elif not changes or event == "assignee_changed":
        assigned = assignee.get("id") if isinstance(assignee, Mapping) else None
    else:
        assigned = None
    if assigned not in (None, ""):
        agent_id, agent_name = _agent(assignee)
        if agent_id == DEFAULT_AGENT[0]:
            agent_id = str(assigned)
        return AgentEvent("claim", conversation_id, agent_id, agent_name)
    return Ignored("no change Tandem follows")


def _dedupe_key(event: AgentEvent, handoff_id: str) -> str:
    if event.message_id is not None:
        return f"message:{event.message_id}"
    if event.kind == "claim":
        return f"claim:{handoff_id}:{event.agent_id}"
    return f"{event.kind}:{handoff_id}"


def _livechat_setting(key: str) -> Any:
    """A key of endpoints.yml's ``livechat`` section when it configures Chatwoot, else None."""
    try:
        from connectors.handoff.config import settings

        livechat = settings().livechat
    except Exception:  # settings are optional here; the channel still works with credentials or env
        return None
    return livechat.get(key) if livechat.get("type") == "chatwoot" else None


class ChatwootAgentInput(InputChannel):
    """Receives Chatwoot's webhooks; agents never talk to Rasa directly."""

    @classmethod
    def name(cls) -> str:
        return "chatwoot"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> ChatwootAgentInput:
        """``webhook_secret`` (else env ``CHATWOOT_WEBHOOK_SECRET``, else endpoints.yml
        ``livechat.webhook_secret``) and optional ``inbox_id`` (same fallbacks)."""
        credentials = credentials or {}
        secret = credentials.get("webhook_secret") or os.environ.get(ENV_WEBHOOK_SECRET) or _livechat_setting("webhook_secret")
        inbox = credentials.get("inbox_id") or os.environ.get(ENV_INBOX_ID) or _livechat_setting("inbox_id")
        try:
            inbox_id = int(inbox) if inbox not in (None, "") else None
        except (TypeError, ValueError):
            raise ValueError(f"chatwoot credentials: inbox_id must be an integer, got {inbox!r}") from None
        return cls(webhook_secret=str(secret) if secret else None, inbox_id=inbox_id)

    def __init__(
        self,
        webhook_secret: Optional[str] = None,
        inbox_id: Optional[int] = None,
        actions: ActionsSource = runtime.agent_actions,
    ) -> None:
        self.webhook_secret = webhook_secret or None
        self.inbox_id = inbox_id
        self._actions = actions
        if not self.webhook_secret:
            logger.warning("chatwoot: no webhook secret (webhook_secret / %s): every webhook gets 404", ENV_WEBHOOK_SECRET)

    def __repr__(self) -> str:
        return f"ChatwootAgentInput(webhook_secret={'***' if self.webhook_secret else None}, inbox_id={self.inbox_id})"

    def actions(self) -> AgentActions:
        return self._actions if isinstance(self._actions, AgentActions) else self._actions()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        hooks = Blueprint(f"tandem_chatwoot_{id(self)}", __name__)

        @hooks.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok", "signed": bool(self.webhook_secret)})

        @hooks.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            try:
                status, body = await self.handle(request.body or b"", request.headers)
            except InvalidRequest as error:
                return error_response(error)
            except UnknownHandoff:
                return response.json(
                    {"error": "unknown_handoff", "message": "No Tandem handoff is linked to this Chatwoot conversation."},
                    status=404,
                )
            except InvalidTransition as error:
                return response.json({"error": "invalid_transition", "message": str(error)}, status=409)
            except Exception:
                logger.exception("chatwoot: webhook not handled")
                return response.json(
                    {"error": "unavailable", "message": "Tandem could not handle this event; please retry."}, status=503
                )
            return response.json(body, status=status)

        return hooks

    async def handle(self, body: bytes, headers: Mapping[str, str]) -> Tuple[int, Dict[str, Any]]:
        """Verify, read and act on one webhook; raises ``InvalidRequest``, ``UnknownHandoff``, ``InvalidTransition``."""
        if not self.webhook_secret:  # an unverified route would let anyone speak as an agent
            raise InvalidRequest(404, "not_configured", "Tandem has no Chatwoot webhook secret; set CHATWOOT_WEBHOOK_SECRET.")
        try:
            verify_chatwoot(self.webhook_secret, headers, body)
        except SignatureError as error:
            raise InvalidRequest(401, "invalid_signature", f"Chatwoot signature rejected: {error}.") from None
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            raise InvalidRequest(400, "invalid_json", "The body must be a Chatwoot webhook event (a JSON object).")

        event = read_event(payload, self.inbox_id)
        if isinstance(event, Ignored):
            return 200, {"status": "ignored", "reason": event.reason}

        actions = self.actions()
        handoff_id = await actions.find(SOURCE, "conversation_id", event.conversation_id)
        key = _dedupe_key(event, handoff_id)
        if await actions.already_processed(SOURCE, key):
            return 200, {"status": "duplicate"}
        try:
            if event.kind == "agent_message":
                await actions.agent_message(handoff_id, event.text, event.agent_id, event.agent_name)
            elif event.kind == "note":
                await actions.note(handoff_id, event.text, event.agent_id, event.agent_name)
            elif event.kind == "close":
                await actions.close(handoff_id, "returned_to_bot", event.agent_id, event.agent_name)
            else:
                await actions.claim(handoff_id, event.agent_id, event.agent_name)
        except Exception:
            await actions.forget(SOURCE, key)  # Chatwoot's retry must be applied, not answered "duplicate"
            raise
        logger.info("chatwoot: %s of conversation %s recorded for handoff %s", event.kind, event.conversation_id, handoff_id)
        return 200, {"status": "ok", "action": event.kind, "handoff_id": handoff_id}
