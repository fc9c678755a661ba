"""A small client for the parts of Chatwoot's Application API that Tandem uses.

Reference: https://www.chatwoot.com/developers/api/ (Application APIs; the OpenAPI
source is ``swagger/`` in github.com/chatwoot/chatwoot). Every request carries the
``api_access_token`` header (a user's or agent bot's access token) and an explicit
``(connect, read)`` timeout; paths are relative to ``{url}/api/v1/accounts/{account_id}``.

Errors (all ``ChatwootError``, each with ``status`` (HTTP status or ``None``) and
``retryable``):

- ``ChatwootUnavailable``: retry later. The network failed or timed out, or Chatwoot
  answered 5xx, 429 (rate limited; ``retry_after`` holds its ``Retry-After``) or 408.
- ``ChatwootRejected``: a retry cannot help. Any other 4xx: a wrong token (401), a
  resource the token may not see (403), one that does not exist (404), a payload
  Chatwoot refuses (422). The response body's short reason is kept, never the
  request's content.

Messages of these errors end up in logs and in the outbox's ``last_error``: they name
the method, path and status, never the token or message text.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Mapping, Optional, Tuple, Union

import requests

logger = logging.getLogger(__name__)

#: (connect, read) seconds: connect slightly above a multiple of 3 (TCP retransmission), read generous for a busy server.
DEFAULT_TIMEOUT: Tuple[float, float] = (3.05, 10.0)
Timeout = Union[float, Tuple[float, float]]


class ChatwootError(Exception):
    """Chatwoot did not do what was asked."""

    retryable = False

    def __init__(self, message: str, status: Optional[int] = None) -> None:
        super().__init__(message)
        self.status = status


class ChatwootUnavailable(ChatwootError):
    """Network failure, timeout, 5xx, 429 or 408: the same request may succeed later."""

    retryable = True

    def __init__(self, message: str, status: Optional[int] = None, retry_after: Optional[float] = None) -> None:
        super().__init__(message, status)
        self.retry_after = retry_after


class ChatwootRejected(ChatwootError):
    """A 4xx other than 408/429: the request itself (or the token) is wrong; retrying repeats the error."""


def _reason(reply: requests.Response) -> str:
    """Chatwoot's short explanation (``error``, ``message`` or ``errors``), bounded; never the request."""
    try:
        body = reply.json()
    except ValueError:
        return ""
    if not isinstance(body, Mapping):
        return ""
    for key in ("error", "message", "errors", "description"):
        value = body.get(key)
        if value:
            text = value if isinstance(value, str) else repr(value)
            return " ".join(text.split())[:160]
    return ""


def _retry_after(reply: requests.Response) -> Optional[float]:
    try:
        return float(reply.headers.get("Retry-After", ""))
    except ValueError:
        return None


class ChatwootClient:
    """Thin wrapper: one method per endpoint, JSON in and out, typed errors.

    Not retrying itself: the handoff dispatcher owns retries (with backoff, across
    restarts), so a call fails fast and says whether a retry makes sense."""

    def __init__(
        self,
        url: str,
        account_id: int,
        api_access_token: str,
        timeout: Timeout = DEFAULT_TIMEOUT,
        session: Optional[requests.Session] = None,
    ) -> None:
        self.base = f"{url.rstrip('/')}/api/v1/accounts/{account_id}"
        self._token = api_access_token
        self.timeout = timeout
        self._session = session or requests.Session()

    def __repr__(self) -> str:
        return f"ChatwootClient(base={self.base!r}, api_access_token='***', timeout={self.timeout!r})"

    # -- transport --------------------------------------------------------------------------

    def request(
        self, method: str, path: str, *, json: Optional[Mapping[str, Any]] = None, params: Optional[Mapping[str, Any]] = None
    ) -> Any:
        """The decoded JSON body of a 2xx answer, or a ``ChatwootError``."""
        where = f"{method} {path}"
        try:
            reply = self._session.request(
                method,
                self.base + path,
                json=json,
                params=params,
                headers={"api_access_token": self._token, "Accept": "application/json"},
                timeout=self.timeout,
            )
        except requests.Timeout:
            raise ChatwootUnavailable(f"chatwoot {where}: timed out") from None
        except requests.RequestException as error:
            # The exception text can hold the URL but never the header, so its class name is enough.
            raise ChatwootUnavailable(f"chatwoot {where}: {type(error).__name__}") from None
        status = reply.status_code
        if 200 <= status < 300:
            try:
                return reply.json() if reply.content else {}
            except ValueError:
                raise ChatwootUnavailable(f"chatwoot {where}: {status} with a body that is not JSON", status) from None
        reason = _reason(reply)
        message = f"chatwoot {where}: {status}" + (f" ({reason})" if reason else "")
        if status >= 500 or status in (408, 429):
            raise ChatwootUnavailable(message, status, _retry_after(reply))
        raise ChatwootRejected(message, status)

    # -- contacts ---------------------------------------------------------------------------

    def search_contacts(self, query: str) -> List[Dict[str, Any]]:
        """GET /contacts/search?q=: contacts whose name, email, phone or identifier contain ``query``."""
        body = self.request("GET", "/contacts/search", params={"q": query})
        payload = body.get("payload") if isinstance(body, Mapping) else None
        return [c for c in payload if isinstance(c, dict)] if isinstance(payload, list) else []

    def create_contact(self, inbox_id: int, name: str, identifier: str) -> Dict[str, Any]:
        """POST /contacts: ``{"contact": {...}, "contact_inbox": {"source_id", "inbox"}}``."""
        body = self.request("POST", "/contacts", json={"inbox_id": inbox_id, "name": name, "identifier": identifier})
        payload = body.get("payload") if isinstance(body, Mapping) else None
        if not isinstance(payload, dict) or not isinstance(payload.get("contact"), dict):
            raise ChatwootUnavailable("chatwoot POST /contacts: answer without payload.contact")
        return payload

    def create_contact_inbox(self, contact_id: int, inbox_id: int) -> Dict[str, Any]:
        """POST /contacts/{id}/contact_inboxes: links the contact to the inbox; ``{"source_id", "inbox"}``."""
        body = self.request("POST", f"/contacts/{contact_id}/contact_inboxes", json={"inbox_id": inbox_id})
        return body if isinstance(body, dict) else {}

    def contact_conversations(self, contact_id: int) -> List[Dict[str, Any]]:
        """GET /contacts/{id}/conversations."""
        body = self.request("GET", f"/contacts/{contact_id}/conversations")
        payload = body.get("payload") if isinstance(body, Mapping) else None
        return [c for c in payload if isinstance(c, dict)] if isinstance(payload, list) else []

    # -- conversations ----------------------------------------------------------------------

    def create_conversation(
        self,
        source_id: str,
        inbox_id: int,
        contact_id: int,
        custom_attributes: Mapping[str, Any],
        status: str = "pending",
    ) -> Dict[str, Any]:
        """POST /conversations; the answer's ``id`` is the conversation's display id used in every other path."""
        body = self.request(
            "POST",
            "/conversations",
            json={
                "source_id": source_id,
                "inbox_id": inbox_id,
                "contact_id": contact_id,
                "custom_attributes": dict(custom_attributes),
                "status": status,
            },
        )
        if not isinstance(body, dict) or not isinstance(body.get("id"), int):
            raise ChatwootUnavailable("chatwoot POST /conversations: answer without an id")
        return body

    def conversation(self, conversation_id: int) -> Dict[str, Any]:
        """GET /conversations/{id}."""
        body = self.request("GET", f"/conversations/{conversation_id}")
        return body if isinstance(body, dict) else {}

    def toggle_status(self, conversation_id: int, status: str) -> Dict[str, Any]:
        """POST /conversations/{id}/toggle_status: ``open``, ``resolved``, ``pending`` or ``snoozed``."""
        body = self.request("POST", f"/conversations/{conversation_id}/toggle_status", json={"status": status})
        payload = body.get("payload") if isinstance(body, Mapping) else None
        return payload if isinstance(payload, dict) else {}

    # -- messages ---------------------------------------------------------------------------

    def messages(self, conversation_id: int) -> List[Dict[str, Any]]:
        """GET /conversations/{id}/messages: the latest messages (Chatwoot pages by 20)."""
        body = self.request("GET", f"/conversations/{conversation_id}/messages")
        payload = body.get("payload") if isinstance(body, Mapping) else None
        return [m for m in payload if isinstance(m, dict)] if isinstance(payload, list) else []

    def create_message(
        self,
        conversation_id: int,
        content: str,
        *,
        message_type: str = "outgoing",
        private: bool = False,
        content_attributes: Optional[Mapping[str, Any]] = None,
        source_id: Optional[str] = None,
    ) -> Dict[str, Any]:
        """POST /conversations/{id}/messages. ``incoming`` is only allowed in API-channel inboxes."""
        data: Dict[str, Any] = {"content": content, "message_type": message_type, "private": private, "content_type": "text"}
        if content_attributes:
            data["content_attributes"] = dict(content_attributes)
        if source_id:
            data["source_id"] = source_id
        body = self.request("POST", f"/conversations/{conversation_id}/messages", json=data)
        return body if isinstance(body, dict) else {}
