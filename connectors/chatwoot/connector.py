"""Outbound: handoffs, customer messages and closes delivered to a Chatwoot API-channel inbox.

One ``handoff`` delivery takes up to five API calls (find or create the contact, find or
create the conversation, post the packet as a private note, open the conversation). The
dispatcher retries a failed delivery from the start, and ``DeliveryError`` cannot carry
the references of the steps that did succeed, so every step is made resumable twice:

- in this process, the references each step produced are kept per idempotency key
  (``_progress``) and a retry skips those steps;
- across restarts (or when a request succeeded but its answer was lost), each step first
  looks for its own result in Chatwoot: the contact by ``identifier`` (the packet's
  pseudonymous ``customer.id``), the conversation by its custom attribute
  ``tandem_handoff_id``, a message by the marker Tandem puts on everything it posts
  (``source_id: "tandem:<idempotency key>"`` and ``content_attributes.tandem_key``).

The marker is also how the inbound webhook (connectors/chatwoot/inbound.py) recognises
Tandem's own messages and ignores them.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from typing import Any, Dict, Mapping, Optional, Tuple

import requests

from connectors.chatwoot.client import DEFAULT_TIMEOUT, ChatwootClient, ChatwootError, ChatwootRejected, Timeout
from connectors.handoff.livechat import DeliveryError, LiveChatConnector, OutboxItem, parse_timeout

logger = logging.getLogger(__name__)

HANDOFF_ATTRIBUTE = "tandem_handoff_id"
MARKER_ATTRIBUTE = "tandem_key"
SOURCE_PREFIX = "tandem:"
#: Chatwoot refuses message content over 150,000 characters; a packet note stays well below.
MAX_NOTE_CHARS = 100_000
#: Idempotency keys whose partial progress is remembered (a retry normally follows within minutes).
PROGRESS_ENTRIES = 1000


def marker_source_id(idempotency_key: str) -> str:
    return SOURCE_PREFIX + idempotency_key


def is_tandem_message(message: Mapping[str, Any]) -> bool:
    """True for a message Tandem posted (webhook payload or API answer)."""
    attributes = message.get("content_attributes")
    if isinstance(attributes, Mapping) and attributes.get(MARKER_ATTRIBUTE):
        return True
    source_id = message.get("source_id")
    return isinstance(source_id, str) and source_id.startswith(SOURCE_PREFIX)


def render_note(packet: Mapping[str, Any], handoff_id: str = "") -> str:
    """The packet as the agent's note: ``core.packet.render_text`` when available and the
    packet renders, else the JSON itself (still complete, only less pleasant to read)."""
    try:
        from core.packet import render_text
    except ImportError:
        render_text = None
    if render_text is not None:
        try:
            return str(render_text(packet))[:MAX_NOTE_CHARS]
        except Exception as error:  # a packet of another version must still reach the agent
            logger.warning("chatwoot: handoff %s: packet not renderable (%s); posting its JSON", handoff_id, type(error).__name__)
    text = json.dumps(packet, indent=2, ensure_ascii=False, sort_keys=True, default=str)
    return ("**Handoff packet**\n\n```json\n" + text)[: MAX_NOTE_CHARS - 4] + "\n```"


# --- configuration ---------------------------------------------------------------------------


def _required_text(cfg: Mapping[str, Any], key: str, hint: str) -> str:
    value = cfg.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError(f"livechat.{key}: missing ({hint})")
    if not isinstance(value, str):
        raise ValueError(f"livechat.{key}: must be a string ({hint})")
    return value.strip()


def _url(cfg: Mapping[str, Any], key: str, hint: str) -> str:
    url = _required_text(cfg, key, hint)
    if not url.startswith(("http://", "https://")) or len(url.split("://", 1)[1].strip("/")) == 0:
        raise ValueError(f"livechat.{key}: must be an http:// or https:// URL ({hint})")
    return url.rstrip("/")


def _positive_int(cfg: Mapping[str, Any], key: str, hint: str) -> int:
    value = cfg.get(key)
    if value is None or value == "":
        raise ValueError(f"livechat.{key}: missing ({hint})")
    if isinstance(value, bool):
        raise ValueError(f"livechat.{key}: must be a positive integer, got {value!r}")
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValueError(f"livechat.{key}: must be a positive integer, got {value!r}") from None
    if number <= 0:
        raise ValueError(f"livechat.{key}: must be a positive integer, got {value!r}")
    return number


class ChatwootConnector(LiveChatConnector):
    """Delivers outbox items to a Chatwoot API-channel inbox; see the module docstring."""

    type_name = "chatwoot"

    def __init__(
        self,
        url: str,
        account_id: int,
        inbox_id: int,
        api_access_token: str,
        webhook_secret: Optional[str] = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        session: Optional[requests.Session] = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.account_id = account_id
        self.inbox_id = inbox_id
        self.webhook_secret = webhook_secret
        self.client = ChatwootClient(self.url, account_id, api_access_token, timeout, session)
        self._progress: OrderedDict[str, Dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any]) -> ChatwootConnector:
        """Validate the ``livechat`` section of endpoints.yml; ``ValueError`` names the key at fault."""
        if not isinstance(cfg, Mapping):
            raise ValueError("livechat: expected a mapping with type: chatwoot, url, account_id, inbox_id, api_access_token")
        if cfg.get("type", "chatwoot") != "chatwoot":
            raise ValueError(f"livechat.type: expected 'chatwoot', got {cfg.get('type')!r}")
        secret = cfg.get("webhook_secret")
        if secret is not None and not isinstance(secret, str):
            raise ValueError("livechat.webhook_secret: must be a string when given")
        return cls(
            url=_url(cfg, "url", "the Chatwoot base URL, e.g. https://app.chatwoot.com"),
            account_id=_positive_int(cfg, "account_id", "the number in /app/accounts/<id>/ of the dashboard URL"),
            inbox_id=_positive_int(cfg, "inbox_id", "the id of an API-channel inbox (Settings → Inboxes)"),
            api_access_token=_required_text(
                cfg, "api_access_token", "an access token of a Chatwoot agent (Profile settings → Access token)"
            ),
            webhook_secret=(secret.strip() or None) if isinstance(secret, str) else None,
            timeout=parse_timeout(cfg.get("timeout"), DEFAULT_TIMEOUT),
        )

    def __repr__(self) -> str:
        return (
            f"ChatwootConnector(url={self.url!r}, account_id={self.account_id}, inbox_id={self.inbox_id}, "
            f"api_access_token='***', webhook_secret={'***' if self.webhook_secret else None}, "
            f"timeout={self.client.timeout!r})"
        )

    # -- progress of a delivery across retries in this process -------------------------------------

    def _done(self, item: OutboxItem) -> Dict[str, Any]:
        with self._lock:
            return {**dict(item.remote), **self._progress.get(item.idempotency_key, {})}

    def _remember(self, item: OutboxItem, **refs: Any) -> None:
        with self._lock:
            entry = self._progress.setdefault(item.idempotency_key, {})
            entry.update(refs)
            self._progress.move_to_end(item.idempotency_key)
            while len(self._progress) > PROGRESS_ENTRIES:
                self._progress.popitem(last=False)

    def _forget(self, item: OutboxItem) -> None:
        with self._lock:
            self._progress.pop(item.idempotency_key, None)

    # -- delivery --------------------------------------------------------------------------

    def deliver(self, item: OutboxItem) -> Optional[Dict[str, Any]]:
        handlers = {"handoff": self._handoff, "customer_message": self._customer_message, "closed": self._closed}
        handler = handlers.get(item.kind)
        if handler is None:
            raise DeliveryError(f"chatwoot: unknown outbox item kind {item.kind!r}", retryable=False)
        try:
            refs = handler(item)
        except ChatwootError as error:
            raise DeliveryError(str(error), retryable=error.retryable) from None
        self._forget(item)
        return refs

    def _handoff(self, item: OutboxItem) -> Dict[str, Any]:
        packet = item.payload.get("packet")
        customer = packet.get("customer") if isinstance(packet, Mapping) else None
        customer_id = customer.get("id") if isinstance(customer, Mapping) else None
        if not isinstance(customer_id, str) or not customer_id.strip():
            raise DeliveryError("chatwoot: handoff packet has no customer.id", retryable=False)
        done = self._done(item)

        contact_id, source_id = done.get("contact_id"), done.get("contact_source_id")
        if not contact_id:
            contact_id, source_id = self._contact(customer_id)
            self._remember(item, contact_id=contact_id, contact_source_id=source_id)

        conversation_id, created = done.get("conversation_id"), False
        if not conversation_id:
            conversation_id, created = self._conversation(item.handoff_id, contact_id, source_id)
            self._remember(item, conversation_id=conversation_id)

        note_id = done.get("note_message_id")
        if not done.get("note_posted"):
            marker = marker_source_id(item.idempotency_key)
            note_id = None if created else self._marked_message(conversation_id, marker)
            if note_id is None:
                note = self.client.create_message(
                    conversation_id,
                    render_note(packet, item.handoff_id),
                    message_type="outgoing",
                    private=True,
                    content_attributes={MARKER_ATTRIBUTE: item.idempotency_key, HANDOFF_ATTRIBUTE: item.handoff_id},
                    source_id=marker,
                )
                note_id = note.get("id")
            self._remember(item, note_posted=True, note_message_id=note_id)

        if not done.get("opened"):
            self.client.toggle_status(conversation_id, "open")
            self._remember(item, opened=True)

        logger.info("chatwoot: handoff %s delivered as conversation %s", item.handoff_id, conversation_id)
        return {
            "account_id": self.account_id,
            "inbox_id": self.inbox_id,
            "contact_id": contact_id,
            "conversation_id": conversation_id,
            "note_posted": True,
            "note_message_id": note_id,
            "opened": True,
        }

    def _contact(self, identifier: str) -> Tuple[int, Optional[str]]:
        """The contact whose identifier is the customer's pseudonym, created when missing, and
        its source id in our inbox when already known (None: look it up only if needed)."""
        contact = self._find_contact(identifier)
        if contact is None:
            try:
                created = self.client.create_contact(self.inbox_id, f"Customer {identifier}", identifier)
            except ChatwootRejected as error:
                if error.status != 422:
                    raise
                # Identifier taken: created by a concurrent delivery or one whose answer was lost.
                contact = self._find_contact(identifier)
                if contact is None:
                    raise
            else:
                contact = created["contact"]
                contact_inbox = created.get("contact_inbox")
                if isinstance(contact_inbox, Mapping) and contact_inbox.get("source_id"):
                    inbox = contact_inbox.get("inbox")
                    if not isinstance(inbox, Mapping) or inbox.get("id") in (None, self.inbox_id):
                        return int(contact["id"]), str(contact_inbox["source_id"])
        return int(contact["id"]), self._inbox_source_id(contact)

    def _find_contact(self, identifier: str) -> Optional[Dict[str, Any]]:
        # The search matches substrings of several fields: only an exact identifier is ours.
        for contact in self.client.search_contacts(identifier):
            if contact.get("identifier") == identifier and isinstance(contact.get("id"), int):
                return contact
        return None

    def _inbox_source_id(self, contact: Mapping[str, Any]) -> Optional[str]:
        for contact_inbox in contact.get("contact_inboxes") or []:
            if not isinstance(contact_inbox, Mapping):
                continue
            inbox = contact_inbox.get("inbox")
            if isinstance(inbox, Mapping) and inbox.get("id") == self.inbox_id and contact_inbox.get("source_id"):
                return str(contact_inbox["source_id"])
        return None

    def _conversation(self, handoff_id: str, contact_id: int, source_id: Optional[str]) -> Tuple[int, bool]:
        """This handoff's conversation: found by its ``tandem_handoff_id`` or created (pending
        until the packet is posted, so no agent picks up an empty conversation)."""
        for conversation in self.client.contact_conversations(contact_id):
            attributes = conversation.get("custom_attributes")
            if isinstance(attributes, Mapping) and attributes.get(HANDOFF_ATTRIBUTE) == handoff_id:
                return int(conversation["id"]), False
        if not source_id:
            contact_inbox = self.client.create_contact_inbox(contact_id, self.inbox_id)
            source_id = contact_inbox.get("source_id")
            if not source_id:
                raise DeliveryError("chatwoot: contact inbox created without a source_id", retryable=True)
        conversation = self.client.create_conversation(
            str(source_id), self.inbox_id, contact_id, {HANDOFF_ATTRIBUTE: handoff_id}, status="pending"
        )
        attributes = conversation.get("custom_attributes")
        # An inbox locked to a single conversation hands back the contact's existing one.
        fresh = not isinstance(attributes, Mapping) or attributes.get(HANDOFF_ATTRIBUTE, handoff_id) == handoff_id
        return int(conversation["id"]), fresh and not conversation.get("messages")

    def _marked_message(self, conversation_id: int, marker: str) -> Optional[int]:
        """The id of the message Tandem posted with ``marker``, if Chatwoot has it."""
        key = marker[len(SOURCE_PREFIX) :]
        for message in self.client.messages(conversation_id):
            attributes = message.get("content_attributes")
            if message.get("source_id") == marker or (
                isinstance(attributes, Mapping) and attributes.get(MARKER_ATTRIBUTE) == key
            ):
                return message.get("id") or 0
        return None

    def _customer_message(self, item: OutboxItem) -> None:
        conversation_id = item.remote.get("conversation_id")
        if not conversation_id:
            raise DeliveryError("chatwoot: no conversation for this handoff yet (packet not delivered)", retryable=True)
        text = item.payload.get("text")
        if not isinstance(text, str) or not text.strip():
            raise DeliveryError("chatwoot: customer_message without text", retryable=False)
        marker = marker_source_id(item.idempotency_key)
        if self._marked_message(conversation_id, marker) is not None:
            return None  # an earlier attempt posted it and its answer was lost
        self.client.create_message(
            conversation_id,
            text,
            message_type="incoming",
            private=False,
            content_attributes={MARKER_ATTRIBUTE: item.idempotency_key},
            source_id=marker,
        )
        return None

    def _closed(self, item: OutboxItem) -> None:
        conversation_id = item.remote.get("conversation_id")
        if not conversation_id:
            logger.info("chatwoot: handoff %s closed before it reached Chatwoot; nothing to resolve", item.handoff_id)
            return None
        try:
            if self.client.conversation(conversation_id).get("status") == "resolved":
                return None
            self.client.toggle_status(conversation_id, "resolved")
        except ChatwootRejected as error:
            if error.status == 404:
                raise DeliveryError(f"chatwoot: conversation {conversation_id} no longer exists", retryable=False) from None
            raise
        logger.info("chatwoot: handoff %s resolved conversation %s", item.handoff_id, conversation_id)
        return None
