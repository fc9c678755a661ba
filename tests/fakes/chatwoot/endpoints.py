"""The Application API endpoints of the fake, under ``/api/v1/accounts/{account_id}``.

Each endpoint as ``request`` → answer [route name, for ``FakeChatwoot.fail``]; shapes from
Chatwoot's OpenAPI files (``swagger/`` in github.com/chatwoot/chatwoot) and its jbuilder
views, documented at https://www.chatwoot.com/developers/api/ (the list is in the
package's docstring). Unknown ids answer 404 ``{"error": "Resource could not be found"}``.
"""

from __future__ import annotations

from typing import Any, ClassVar, Dict, Tuple

from core import clock as product_clock
from tests.fakes.chatwoot.records import MESSAGE_TYPES, ChatwootRecords

STATUSES = ("open", "resolved", "pending", "snoozed")
PAGE_SIZE = 20


class ChatwootEndpoints(ChatwootRecords):
    """One method a route: ``(query, body, *path ids)`` → ``(status, answer)``, called under the lock."""

    token_user: Dict[str, Any]
    other_inbox_ids: Tuple[int, ...]

    ROUTES: ClassVar[Tuple[Tuple[str, str, str], ...]] = (
        ("GET", r"/contacts/search", "contacts.search"),
        ("POST", r"/contacts", "contacts.create"),
        ("POST", r"/contacts/(\d+)/contact_inboxes", "contact_inboxes.create"),
        ("GET", r"/contacts/(\d+)/conversations", "contacts.conversations"),
        ("POST", r"/conversations", "conversations.create"),
        ("GET", r"/conversations/(\d+)", "conversations.show"),
        ("POST", r"/conversations/(\d+)/toggle_status", "conversations.toggle"),
        ("GET", r"/conversations/(\d+)/messages", "messages.index"),
        ("POST", r"/conversations/(\d+)/messages", "messages.create"),
    )

    NOT_FOUND: ClassVar[Tuple[int, Dict[str, str]]] = (404, {"error": "Resource could not be found"})

    def _contacts_search(self, query: Dict[str, str], body: Dict[str, Any]) -> Tuple[int, Any]:
        q = (query.get("q") or "").lower()
        found = [
            self.contact_json(c)
            for c in self.contacts.values()
            if q and any(q in str(c.get(f) or "").lower() for f in ("name", "email", "phone_number", "identifier"))
        ][:15]
        return 200, {"meta": {"count": len(found), "current_page": 1}, "payload": found}

    def _contacts_create(self, query: Dict[str, str], body: Dict[str, Any]) -> Tuple[int, Any]:
        identifier = body.get("identifier")
        if identifier and self.contact_by_identifier(identifier):
            return 422, {"message": "Identifier has already been taken", "attributes": ["identifier"]}
        inbox_id = body.get("inbox_id")
        if inbox_id is not None and inbox_id not in (self.inbox_id, *self.other_inbox_ids):
            return 422, {"message": "Inbox not found"}
        contact = self.add_contact(identifier, str(body.get("name") or ""), inbox_id)
        contact_inbox = next((ci for ci in self.contact_inboxes if ci["contact_id"] == contact["id"]), None)
        return 200, {
            "payload": {
                "contact": self.contact_json(contact),
                "contact_inbox": {
                    "inbox": self._inbox_json(contact_inbox["inbox_id"]) if contact_inbox else None,
                    "source_id": contact_inbox["source_id"] if contact_inbox else None,
                },
            }
        }

    def _contact_inboxes_create(self, query: Dict[str, str], body: Dict[str, Any], contact_id: int) -> Tuple[int, Any]:
        if contact_id not in self.contacts:
            return self.NOT_FOUND
        inbox_id = body.get("inbox_id")
        if inbox_id not in (self.inbox_id, *self.other_inbox_ids):
            return 422, {"message": "Inbox not found"}
        contact_inbox = self._contact_inbox(contact_id, inbox_id, body.get("source_id"))
        return 200, {"source_id": contact_inbox["source_id"], "inbox": self._inbox_json(inbox_id)}

    def _contacts_conversations(self, query: Dict[str, str], body: Dict[str, Any], contact_id: int) -> Tuple[int, Any]:
        if contact_id not in self.contacts:
            return self.NOT_FOUND
        found = [self.conversation_json(c) for c in self.conversations.values() if c["contact_id"] == contact_id]
        return 200, {"payload": found}

    def _conversations_create(self, query: Dict[str, str], body: Dict[str, Any]) -> Tuple[int, Any]:
        source_id, inbox_id = body.get("source_id"), body.get("inbox_id")
        contact_inbox = next(
            (ci for ci in self.contact_inboxes if ci["source_id"] == source_id and ci["inbox_id"] == inbox_id), None
        )
        if not source_id or contact_inbox is None:
            return 422, {"message": "Contact inbox not found for source_id and inbox_id"}
        if body.get("contact_id") not in (None, contact_inbox["contact_id"]):
            return 422, {"message": "Contact does not match source_id"}
        status = body.get("status") or "open"
        if status not in ("open", "resolved", "pending"):
            return 422, {"message": f"'{status}' is not a valid status"}
        conversation = self._create_conversation(
            contact_inbox["contact_id"], inbox_id, source_id, body.get("custom_attributes") or {}, status
        )
        return 200, self.conversation_json(conversation)

    def _conversations_show(self, query: Dict[str, str], body: Dict[str, Any], conversation_id: int) -> Tuple[int, Any]:
        conversation = self.conversations.get(conversation_id)
        return (200, self.conversation_json(conversation)) if conversation else self.NOT_FOUND

    def _conversations_toggle(self, query: Dict[str, str], body: Dict[str, Any], conversation_id: int) -> Tuple[int, Any]:
        conversation = self.conversations.get(conversation_id)
        if conversation is None:
            return self.NOT_FOUND
        status = body.get("status") or ("resolved" if conversation["status"] == "open" else "open")
        if status not in STATUSES:
            return 422, {"message": f"'{status}' is not a valid status"}
        conversation["status"] = status
        return 200, {
            "meta": {},
            "payload": {"success": True, "conversation_id": conversation_id, "current_status": status, "snoozed_until": None},
        }

    def _messages_index(self, query: Dict[str, str], body: Dict[str, Any], conversation_id: int) -> Tuple[int, Any]:
        conversation = self.conversations.get(conversation_id)
        if conversation is None:
            return self.NOT_FOUND
        messages = [self.message_json(m) for m in self.messages[conversation_id][-PAGE_SIZE:]]
        contact = self.contacts[conversation["contact_id"]]
        return 200, {
            "meta": {"labels": [], "additional_attributes": {}, "contact": self.contact_json(contact, False), "assignee": None},
            "payload": messages,
        }

    def _messages_create(self, query: Dict[str, str], body: Dict[str, Any], conversation_id: int) -> Tuple[int, Any]:
        conversation = self.conversations.get(conversation_id)
        if conversation is None:
            return self.NOT_FOUND
        content = body.get("content")
        if not isinstance(content, str) or not content:
            return 422, {"message": "Content can't be blank"}
        message_type = body.get("message_type") or "outgoing"
        if message_type not in ("incoming", "outgoing"):
            return 422, {"message": f"'{message_type}' is not a valid message_type"}
        private = bool(body.get("private", False))
        if message_type == "incoming":
            contact = self.contacts[conversation["contact_id"]]
            sender = {"id": contact["id"], "name": contact["name"], "thumbnail": "", "type": "contact"}
            sender_type = "Contact"
            if conversation["status"] == "resolved":
                conversation["status"] = "open"  # Message#reopen_conversation
        else:
            sender, sender_type = dict(self.token_user), "User"
        message = {
            "id": next(self._ids["message"]),
            "content": content,
            "account_id": self.account_id,
            "inbox_id": conversation["inbox_id"],
            "conversation_id": conversation_id,
            "message_type": MESSAGE_TYPES[message_type],
            "created_at": int(product_clock.timestamp()),
            "private": private,
            "status": "sent",
            "source_id": body.get("source_id"),
            "content_type": body.get("content_type") or "text",
            "content_attributes": body.get("content_attributes") or {},
            "sender_type": sender_type,
            "sender_id": sender["id"],
            "sender": sender,
        }
        self.messages[conversation_id].append(message)
        conversation["last_activity_at"] = message["created_at"]
        return 200, self.message_json(message)
