"""Chatwoot's side of the fake: its contacts, conversations and messages, and their JSON views.

Contacts carry ``contact_inboxes`` (``[{"source_id", "inbox"}]``); conversations follow
``api/v1/conversations/partials/_conversation`` (``meta.sender``, ``meta.assignee``,
``custom_attributes``, ``status``, ...); messages ``message_type`` is an integer
(0 incoming, 1 outgoing, 2 activity, 3 template) and keep ``source_id`` and
``content_attributes``. ``add_contact`` and ``add_conversation`` set up Chatwoot's side
for a test; ``contact_by_identifier``, ``notes`` and ``incoming`` read it.
"""

from __future__ import annotations

import itertools
import threading
import uuid
from typing import Any, Dict, List, Optional

from core import clock as product_clock

MESSAGE_TYPES = {"incoming": 0, "outgoing": 1, "activity": 2, "template": 3}


class ChatwootRecords:
    """What one Chatwoot account holds; ``FakeChatwoot`` serves it over HTTP."""

    account_id: int
    inbox_id: int
    inbox_name: str
    _lock: threading.RLock  # the server's: requests are served in threads

    def _init_records(self) -> None:
        self.contacts: Dict[int, Dict[str, Any]] = {}
        self.contact_inboxes: List[Dict[str, Any]] = []
        self.conversations: Dict[int, Dict[str, Any]] = {}
        self.messages: Dict[int, List[Dict[str, Any]]] = {}
        self._ids = {name: itertools.count(1) for name in ("contact", "conversation", "message")}

    # -- inspection -------------------------------------------------------------------------

    def contact_by_identifier(self, identifier: str) -> List[Dict[str, Any]]:
        return [c for c in self.contacts.values() if c["identifier"] == identifier]

    def notes(self, conversation_id: int) -> List[Dict[str, Any]]:
        return [m for m in self.messages.get(conversation_id, []) if m["private"]]

    def incoming(self, conversation_id: int) -> List[Dict[str, Any]]:
        return [m for m in self.messages.get(conversation_id, []) if m["message_type"] == MESSAGE_TYPES["incoming"]]

    # -- state helpers (also for tests that set up Chatwoot's side) ---------------------------

    def add_contact(self, identifier: Optional[str], name: str, inbox_id: Optional[int] = None) -> Dict[str, Any]:
        with self._lock:
            contact_id = next(self._ids["contact"])
            contact = {
                "id": contact_id,
                "name": name,
                "identifier": identifier,
                "email": None,
                "phone_number": None,
                "thumbnail": "",
                "availability_status": "offline",
                "additional_attributes": {},
                "custom_attributes": {},
                "created_at": int(product_clock.timestamp()),
                "last_activity_at": None,
            }
            self.contacts[contact_id] = contact
            if inbox_id is not None:
                self._contact_inbox(contact_id, inbox_id)
            return contact

    def add_conversation(self, contact_id: int, custom_attributes: Optional[Dict[str, Any]] = None, status: str = "open") -> int:
        with self._lock:
            source = next((ci["source_id"] for ci in self.contact_inboxes if ci["contact_id"] == contact_id), None)
            return self._create_conversation(
                contact_id, self.inbox_id, source or str(uuid.uuid4()), custom_attributes or {}, status
            )["id"]

    def _contact_inbox(self, contact_id: int, inbox_id: int, source_id: Optional[str] = None) -> Dict[str, Any]:
        contact_inbox = {"contact_id": contact_id, "inbox_id": inbox_id, "source_id": source_id or str(uuid.uuid4())}
        self.contact_inboxes.append(contact_inbox)
        return contact_inbox

    def _create_conversation(
        self, contact_id: int, inbox_id: int, source_id: str, custom_attributes: Dict[str, Any], status: str
    ) -> Dict[str, Any]:
        conversation_id = next(self._ids["conversation"])
        now = int(product_clock.timestamp())
        conversation = {
            "id": conversation_id,
            "uuid": str(uuid.uuid4()),
            "account_id": self.account_id,
            "inbox_id": inbox_id,
            "contact_id": contact_id,
            "source_id": source_id,
            "status": status,
            "custom_attributes": dict(custom_attributes),
            "additional_attributes": {},
            "assignee": None,
            "created_at": now,
            "last_activity_at": now,
        }
        self.conversations[conversation_id] = conversation
        self.messages[conversation_id] = []
        return conversation

    # -- JSON views ---------------------------------------------------------------------------

    def _inbox_json(self, inbox_id: int) -> Dict[str, Any]:
        return {
            "id": inbox_id,
            "name": self.inbox_name if inbox_id == self.inbox_id else f"Inbox {inbox_id}",
            "channel_type": "Channel::Api",
        }

    def contact_json(self, contact: Dict[str, Any], with_contact_inboxes: bool = True) -> Dict[str, Any]:
        data = {
            k: contact[k]
            for k in (
                "additional_attributes",
                "availability_status",
                "email",
                "id",
                "name",
                "phone_number",
                "identifier",
                "thumbnail",
                "custom_attributes",
                "created_at",
                "last_activity_at",
            )
        }
        if with_contact_inboxes:
            data["contact_inboxes"] = [
                {"source_id": ci["source_id"], "inbox": self._inbox_json(ci["inbox_id"])}
                for ci in self.contact_inboxes
                if ci["contact_id"] == contact["id"]
            ]
        return data

    def message_json(self, message: Dict[str, Any]) -> Dict[str, Any]:
        return dict(message)

    def conversation_json(self, conversation: Dict[str, Any]) -> Dict[str, Any]:
        messages = self.messages.get(conversation["id"], [])
        meta: Dict[str, Any] = {
            "sender": self.contact_json(self.contacts[conversation["contact_id"]], with_contact_inboxes=False),
            "channel": "Channel::Api",
            "hmac_verified": False,
        }
        if conversation["assignee"]:
            meta["assignee"] = conversation["assignee"]
        return {
            "meta": meta,
            "id": conversation["id"],
            "messages": [self.message_json(messages[-1])] if messages else [],
            "account_id": conversation["account_id"],
            "uuid": conversation["uuid"],
            "additional_attributes": conversation["additional_attributes"],
            "agent_last_seen_at": 0,
            "assignee_last_seen_at": 0,
            "can_reply": True,
            "contact_last_seen_at": 0,
            "custom_attributes": conversation["custom_attributes"],
            "inbox_id": conversation["inbox_id"],
            "labels": [],
            "muted": False,
            "snoozed_until": None,
            "status": conversation["status"],
            "created_at": conversation["created_at"],
            "timestamp": conversation["last_activity_at"],
            "unread_count": 0,
            "last_activity_at": conversation["last_activity_at"],
            "priority": None,
            "waiting_since": 0,
        }
