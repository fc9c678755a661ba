"""An in-process fake of Chatwoot's Application API, and webhook events as Chatwoot sends them.

Endpoints, under ``/api/v1/accounts/{account_id}`` (shapes from Chatwoot's OpenAPI files,
``swagger/`` in github.com/chatwoot/chatwoot, and its jbuilder views; documented at
https://www.chatwoot.com/developers/api/):

Each endpoint as ``request`` → answer [route name for ``fail``]:

- ``GET /contacts/search?q=`` → ``{"meta": {"count", "current_page"}, "payload": [contact]}``
  [``contacts.search``]
- ``POST /contacts`` → ``{"payload": {"contact", "contact_inbox": {"inbox", "source_id"}}}``,
  422 when the identifier is taken [``contacts.create``]
- ``POST /contacts/{id}/contact_inboxes`` → ``{"source_id", "inbox"}`` [``contact_inboxes.create``]
- ``GET /contacts/{id}/conversations`` → ``{"payload": [conversation]}`` [``contacts.conversations``]
- ``POST /conversations`` → conversation, ``id`` being the display id [``conversations.create``]
- ``GET /conversations/{id}`` → conversation [``conversations.show``]
- ``POST /conversations/{id}/toggle_status`` → ``{"meta": {}, "payload": {"success",
  "conversation_id", "current_status", "snoozed_until"}}`` [``conversations.toggle``]
- ``GET /conversations/{id}/messages`` → ``{"meta": {...}, "payload": [message]}``, the
  latest 20 [``messages.index``]
- ``POST /conversations/{id}/messages`` → message; ``incoming`` reopens a resolved
  conversation [``messages.create``]

Contacts carry ``contact_inboxes`` (``[{"source_id", "inbox"}]``); conversations follow
``api/v1/conversations/partials/_conversation`` (``meta.sender``, ``meta.assignee``,
``custom_attributes``, ``status``, ...); messages ``message_type`` is an integer
(0 incoming, 1 outgoing, 2 activity, 3 template) and keep ``source_id`` and
``content_attributes``. Without the ``api_access_token`` header (or with another token)
every endpoint answers 401 ``{"error": "Invalid Access Token"}``; unknown ids 404
``{"error": "Resource could not be found"}``.

Switches: ``fail(route, kind, times)`` makes the next calls of a route fail (``FAILURES``:
``http_503``, ``http_500``, ``ratelimited``, ``http_401``, ``http_404``, ``http_422``,
``disconnect`` (no answer, nothing done), ``lost`` (done, then the answer is lost),
``slow``); ``go_down("http_503" | "disconnect" | "refused")`` fails everything until
``come_back()`` (``refused`` closes the port). Every request is recorded (``requests``).

Webhooks (https://www.chatwoot.com/docs/product/others/webhook-events):
``message_created_event``, ``conversation_status_changed_event`` and
``conversation_updated_event`` build payloads; ``signed_webhook`` signs them like Chatwoot
(``X-Chatwoot-Signature: sha256=<hmac of "{timestamp}.{body}">``, ``X-Chatwoot-Timestamp``,
``X-Chatwoot-Delivery``), or ``forged``, ``stale`` (replayed) or ``unsigned``.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, ClassVar, Dict, List, Optional, Tuple
from urllib.parse import parse_qs, urlparse

from connectors.signing import timestamped_signature
from core import clock as product_clock

FAILURES = ("http_503", "http_500", "ratelimited", "http_401", "http_404", "http_422", "disconnect", "lost", "slow")
MESSAGE_TYPES = {"incoming": 0, "outgoing": 1, "activity": 2, "template": 3}
STATUSES = ("open", "resolved", "pending", "snoozed")
PAGE_SIZE = 20


@dataclass
class Recorded:
    route: str
    method: str
    path: str  # relative to /api/v1/accounts/{account_id}
    query: Dict[str, str]
    headers: Dict[str, str]
    body: Any
    status: int = 200
    outcome: str = "ok"  # "ok" or the failure the fake simulated / the error it answered


@dataclass
class SignedWebhook:
    body: bytes
    headers: Dict[str, str]


@dataclass
class FakeChatwoot:
    token: str = "cw-fake-access-token"
    account_id: int = 1
    inbox_id: int = 7
    inbox_name: str = "Tandem handoffs"
    #: the user the access token belongs to: sender of ``outgoing`` messages
    token_user: Dict[str, Any] = field(default_factory=lambda: {"id": 1, "name": "Tandem integration", "type": "user"})
    other_inbox_ids: Tuple[int, ...] = (8,)

    def __post_init__(self) -> None:
        self.contacts: Dict[int, Dict[str, Any]] = {}
        self.contact_inboxes: List[Dict[str, Any]] = []
        self.conversations: Dict[int, Dict[str, Any]] = {}
        self.messages: Dict[int, List[Dict[str, Any]]] = {}
        self.requests: List[Recorded] = []
        self._failures: Dict[str, List[Tuple[str, float]]] = {}
        self._down: Optional[str] = None
        self._lock = threading.RLock()
        self._ids = {name: itertools.count(1) for name in ("contact", "conversation", "message")}
        self._server: Optional[ThreadingHTTPServer] = None
        self._port = 0

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> FakeChatwoot:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stalls

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:
                fake._handle(self)

            def do_POST(self) -> None:
                fake._handle(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", self._port), Handler)
        self._server.daemon_threads = True
        self._port = self._server.server_address[1]
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-chatwoot", daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeChatwoot:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._port, "start() the fake first"
        return f"http://127.0.0.1:{self._port}"

    def config(self, **overrides: Any) -> Dict[str, Any]:
        """A ``livechat`` section pointing at this fake."""
        return {
            "type": "chatwoot",
            "url": self.url,
            "account_id": self.account_id,
            "inbox_id": self.inbox_id,
            "api_access_token": self.token,
            **overrides,
        }

    # -- switches and inspection ------------------------------------------------------------

    def fail(self, route: str, kind: str, times: int = 1, seconds: float = 0) -> None:
        """The next ``times`` calls of ``route`` fail as ``kind`` (``slow`` waits ``seconds`` then answers)."""
        assert kind in FAILURES, kind
        with self._lock:
            self._failures.setdefault(route, []).extend([(kind, seconds)] * times)

    def go_down(self, how: str = "http_503") -> None:
        assert how in ("http_503", "disconnect", "refused"), how
        self._down = how
        if how == "refused":
            self.stop()

    def come_back(self) -> None:
        if self._down == "refused":
            self.start()
        self._down = None

    def calls(self, route: Optional[str] = None, ok_only: bool = True) -> List[Recorded]:
        with self._lock:
            return [r for r in self.requests if (route is None or r.route == route) and (not ok_only or r.outcome == "ok")]

    def contact_by_identifier(self, identifier: str) -> List[Dict[str, Any]]:
        return [c for c in self.contacts.values() if c["identifier"] == identifier]

    def notes(self, conversation_id: int) -> List[Dict[str, Any]]:
        return [m for m in self.messages.get(conversation_id, []) if m["private"]]

    def incoming(self, conversation_id: int) -> List[Dict[str, Any]]:
        return [m for m in self.messages.get(conversation_id, []) if m["message_type"] == MESSAGE_TYPES["incoming"]]

    def status_changes(self, conversation_id: int) -> List[str]:
        return [
            r.body.get("status")
            for r in self.calls("conversations.toggle")
            if r.path == f"/conversations/{conversation_id}/toggle_status" and isinstance(r.body, dict)
        ]

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

    # -- HTTP -------------------------------------------------------------------------------

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

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        url = urlparse(request.path)
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        headers = {k: v for k, v in request.headers.items()}
        try:
            body: Any = json.loads(raw) if raw else {}
        except ValueError:
            body = None

        prefix = f"/api/v1/accounts/{self.account_id}"
        path = url.path[len(prefix) :] if url.path.startswith(prefix + "/") else url.path
        route, args = "unknown", ()
        for method, pattern, name in self.ROUTES:
            match = re.fullmatch(pattern, path)
            if method == request.command and match and url.path.startswith(prefix + "/"):
                route, args = name, tuple(int(a) for a in match.groups())
                break
        record = Recorded(route, request.command, path, query, headers, body)
        with self._lock:
            self.requests.append(record)

        if self._down == "http_503":
            return self._answer(request, record, 503, {"error": "Service Unavailable"}, "down")
        if self._down == "disconnect":
            record.status, record.outcome = 0, "down"
            request.close_connection = True
            return

        failure = self._next_failure(route)
        if failure is not None and failure[0] == "slow":
            time.sleep(failure[1])
            failure = None
        if failure is not None and failure[0] != "lost":
            return self._fail(request, record, failure[0])

        if request.headers.get("api_access_token") != self.token:
            return self._answer(request, record, 401, {"error": "Invalid Access Token"}, "unauthorized")
        if route == "unknown":
            return self._answer(request, record, 404, {"error": "Resource could not be found"}, "not_found")
        if body is None or not isinstance(body, dict):
            return self._answer(request, record, 400, {"error": "Invalid JSON"}, "bad_request")

        with self._lock:
            status, answer = getattr(self, "_" + route.replace(".", "_"))(query, body, *args)
        if failure is not None:  # "lost": the work is done, the answer never arrives
            record.status, record.outcome = 0, "lost"
            request.close_connection = True
            return
        self._answer(request, record, status, answer, "ok" if status < 400 else f"error_{status}")

    def _next_failure(self, route: str) -> Optional[Tuple[str, float]]:
        with self._lock:
            queue = self._failures.get(route)
            return queue.pop(0) if queue else None

    def _fail(self, request: BaseHTTPRequestHandler, record: Recorded, kind: str) -> None:
        if kind == "disconnect":
            record.status, record.outcome = 0, kind
            request.close_connection = True
            return
        status, body, headers = {
            "http_503": (503, {"error": "Service Unavailable"}, {}),
            "http_500": (500, {"error": "Internal Server Error"}, {}),
            "ratelimited": (429, {"error": "Rate limit exceeded"}, {"Retry-After": "1"}),
            "http_401": (401, {"error": "Invalid Access Token"}, {}),
            "http_404": (404, {"error": "Resource could not be found"}, {}),
            "http_422": (422, {"message": "Unprocessable Entity", "attributes": []}, {}),
        }[kind]
        self._answer(request, record, status, body, kind, headers)

    def _answer(
        self,
        request: BaseHTTPRequestHandler,
        record: Recorded,
        status: int,
        body: Any,
        outcome: str,
        headers: Optional[Dict[str, str]] = None,
    ) -> None:
        record.status, record.outcome = status, outcome
        data = json.dumps(body).encode()
        try:
            request.send_response(status)
            request.send_header("Content-Type", "application/json; charset=utf-8")
            request.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                request.send_header(name, value)
            request.end_headers()
            request.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a ``slow`` answer)
            request.close_connection = True

    # -- endpoints ----------------------------------------------------------------------------

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


# --- webhook events ------------------------------------------------------------------------------


def _conversation_payload(conversation_id: int, status: str, inbox_id: int, assignee: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    meta: Dict[str, Any] = {
        "sender": {"id": 12, "name": "Customer cus_0123456789abcdef", "identifier": "cus_0123456789abcdef", "type": "contact"}
    }
    if assignee:
        meta["assignee"] = assignee
    return {
        "additional_attributes": {},
        "can_reply": True,
        "channel": "Channel::Api",
        "contact_inbox": {"id": 12, "contact_id": 12, "inbox_id": inbox_id, "source_id": "c5a4e0d6-1b5f-4a3c-9c51-2b0e3c7d9f10"},
        "id": conversation_id,
        "inbox_id": inbox_id,
        "messages": [],
        "labels": [],
        "meta": meta,
        "status": status,
        "custom_attributes": {},
        "snoozed_until": None,
        "unread_count": 0,
        "agent_last_seen_at": 0,
        "contact_last_seen_at": 0,
        "timestamp": 1700000000,
        "created_at": 1700000000,
        "updated_at": 1700000000.5,
    }


def agent(agent_id: int = 3, name: str = "Ana Lima") -> Dict[str, Any]:
    """A human agent as webhooks show one (``sender`` of a message, ``meta.assignee``)."""
    return {
        "id": agent_id,
        "name": name,
        "available_name": name,
        "avatar_url": "",
        "type": "user",
        "availability_status": "online",
    }


def message_created_event(
    conversation_id: int,
    content: Optional[str],
    *,
    message_id: int = 118,
    message_type: str = "outgoing",
    private: bool = False,
    sender: Optional[Dict[str, Any]] = None,
    inbox_id: int = 7,
    source_id: Optional[str] = None,
    content_attributes: Optional[Dict[str, Any]] = None,
    status: str = "open",
    **extra: Any,
) -> Dict[str, Any]:
    """A ``message_created`` payload (``Message#webhook_data`` + ``event``); sender defaults to a human agent."""
    return {
        "account": {"id": 1, "name": "Acme Inc"},
        "additional_attributes": {},
        "content_attributes": content_attributes or {},
        "content_type": "text",
        "content": content,
        "conversation": _conversation_payload(conversation_id, status, inbox_id, None),
        "created_at": "2024-05-01T09:05:00.000Z",
        "id": message_id,
        "inbox": {"id": inbox_id, "name": "Tandem handoffs"},
        "message_type": message_type,
        "private": private,
        "sender": agent() if sender is None else sender,
        "source_id": source_id,
        "event": "message_created",
        **extra,
    }


def conversation_status_changed_event(
    conversation_id: int, status: str, *, assignee: Optional[Dict[str, Any]] = None, inbox_id: int = 7
) -> Dict[str, Any]:
    payload = _conversation_payload(conversation_id, status, inbox_id, assignee)
    payload.update(
        event="conversation_status_changed", changed_attributes=[{"status": {"previous_value": "open", "current_value": status}}]
    )
    return payload


def conversation_updated_event(
    conversation_id: int,
    changes: Dict[str, Tuple[Any, Any]],
    *,
    status: str = "open",
    assignee: Optional[Dict[str, Any]] = None,
    inbox_id: int = 7,
) -> Dict[str, Any]:
    """``changes``: attribute → (previous, current), sent as ``changed_attributes``."""
    payload = _conversation_payload(conversation_id, status, inbox_id, assignee)
    payload.update(
        event="conversation_updated",
        changed_attributes=[{name: {"previous_value": old, "current_value": new}} for name, (old, new) in changes.items()],
    )
    return payload


def signed_webhook(
    secret: str,
    payload: Any,
    *,
    forged: bool = False,
    stale: bool = False,
    unsigned: bool = False,
    bare_hex: bool = False,
    timestamp: Optional[int] = None,
    delivery_id: Optional[str] = None,
    raw: Optional[bytes] = None,
    clock: Callable[[], float] = product_clock.timestamp,
) -> SignedWebhook:
    """A webhook request as Chatwoot sends it; ``forged`` signs with another secret, ``stale``
    is ten minutes old (a replay), ``bare_hex`` omits the ``sha256=`` prefix (older versions)."""
    body = raw if raw is not None else json.dumps(payload).encode()
    ts = str(int(timestamp if timestamp is not None else clock() - (600 if stale else 0)))
    signature = timestamped_signature("not-the-secret" if forged else secret, ts, body)
    headers = {"Content-Type": "application/json", "X-Chatwoot-Delivery": delivery_id or str(uuid.uuid4())}
    if not unsigned:
        headers["X-Chatwoot-Timestamp"] = ts
        headers["X-Chatwoot-Signature"] = signature[len("sha256=") :] if bare_hex else signature
    return SignedWebhook(body, headers)
