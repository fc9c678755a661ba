"""What both Slack input channels (customers' and agents') do with a request from Slack.

Parsing an Events API callback (JSON) or an interactivity request (a form whose
``payload`` field is JSON), the error answers, ``url_verification``, which retries to
skip, and a bounded memory of keys already seen. Request signatures: verify.py.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any, Dict, List, Mapping, Optional, Tuple
from urllib.parse import parse_qs

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

# Message subtypes that are still a person writing; the rest are joins, edits, deletions...
PERSON_SUBTYPES = frozenset({None, "", "file_share", "thread_broadcast"})


def json_error(status: int, code: str, message: str) -> HTTPResponse:
    return response.json({"error": code, "message": message}, status=status)


def not_configured() -> HTTPResponse:
    return json_error(404, "not_configured", "Slack is not configured")


def ack() -> HTTPResponse:
    return response.text("", status=200)


def content_type(request: Request) -> str:
    return (request.headers.get("content-type") or "").split(";", 1)[0].strip().lower()


class MalformedRequest(ValueError):
    """A signed request whose body is not what Slack sends: answered with 400."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def response(self) -> HTTPResponse:
        return json_error(400, self.code, self.message)


def parse_json_body(request: Request) -> Dict[str, Any]:
    try:
        body = json.loads(request.body or b"")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise MalformedRequest("invalid_json", "The body must be a JSON object (a Slack Events API callback).")
    return body


def parse_form_payload(request: Request) -> Dict[str, Any]:
    """The JSON ``payload`` form field of an interactivity request."""
    try:
        fields = parse_qs((request.body or b"").decode("utf-8"), strict_parsing=False)
        payload = json.loads(fields["payload"][0])
    except (UnicodeDecodeError, KeyError, IndexError, ValueError):
        payload = None
    if not isinstance(payload, dict):
        raise MalformedRequest("invalid_payload", "An interactivity request needs a JSON object in the 'payload' form field.")
    return payload


def url_verification(envelope: Mapping[str, Any]) -> HTTPResponse:
    """The ``challenge`` echoed back, as Slack asks when the request URL is set (https://api.slack.com/events/url_verification)."""
    challenge = envelope.get("challenge")
    if not isinstance(challenge, str):
        return json_error(400, "missing_challenge", "A url_verification request carries a 'challenge' string.")
    return response.text(challenge)


def retry_to_skip(request: Request) -> Optional[str]:
    """``X-Slack-Retry-Num`` of a retry whose first delivery reached us, else ``None``.

    Slack's reasons (https://docs.slack.dev/apis/events-api/#failure-conditions): only
    ``http_timeout`` means we got the first attempt (and acknowledged it late). After
    ``connection_failed``, ``http_error`` and the others the event never reached the
    handler, so dropping the retry would lose the message; event-id dedupe still
    guarantees it is handled once."""
    number = request.headers.get("x-slack-retry-num")
    if number is None:
        return None
    reason = (request.headers.get("x-slack-retry-reason") or "").strip()
    return number if reason in ("", "http_timeout") else None


def bot_user_ids(envelope: Mapping[str, Any]) -> Tuple[str, ...]:
    """The app's own user ids, from the callback's ``authorizations``."""
    ids: List[str] = []
    for authorization in envelope.get("authorizations") or []:
        if isinstance(authorization, dict) and authorization.get("is_bot") and isinstance(authorization.get("user_id"), str):
            ids.append(authorization["user_id"])
    return tuple(ids)


class RecentKeys:
    """A bounded set of recently seen keys (event ids, message ts): an LRU, oldest evicted."""

    def __init__(self, maxsize: int = 10_000) -> None:
        self.maxsize = maxsize
        self._keys: OrderedDict[str, None] = OrderedDict()

    def seen(self, key: str) -> bool:
        """Record ``key``; True when it was already there."""
        if key in self._keys:
            self._keys.move_to_end(key)
            return True
        self._keys[key] = None
        if len(self._keys) > self.maxsize:
            self._keys.popitem(last=False)
        return False

    def __contains__(self, key: object) -> bool:
        return key in self._keys
