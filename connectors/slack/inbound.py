"""What both Slack input channels (customers' and agents') do with a request from Slack.

Their credentials, parsing an Events API callback (JSON) or an interactivity request
(a form whose ``payload`` field is JSON), the error answers, ``url_verification``,
which retries to skip, the work done after acknowledging, and a bounded memory of
keys already seen. Request signatures: verify.py.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections import OrderedDict
from typing import Any, Coroutine, Dict, List, Mapping, Optional, Set, Tuple, Union
from urllib.parse import parse_qs

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

# Message subtypes that are still a person writing; the rest are joins, edits, deletions...
PERSON_SUBTYPES = frozenset({None, "", "file_share", "thread_broadcast"})


def credential(credentials: Mapping[str, Any], key: str, *env_names: str) -> Optional[str]:
    """The credentials.yml value of ``key``, else the first of ``env_names`` that is set, else None:
    the committed credentials.yml needs no secrets."""
    value = credentials.get(key)
    if value:
        return str(value)
    return next((os.environ[name] for name in env_names if os.environ.get(name)), None)


def json_error(status: int, code: str, message: str) -> HTTPResponse:
    return response.json({"error": code, "message": message}, status=status)


def not_configured() -> HTTPResponse:
    return json_error(404, "not_configured", "Slack is not configured")


def ack() -> HTTPResponse:
    return response.text("", status=200)


def health_status(configured: bool) -> HTTPResponse:
    return response.json({"status": "ok" if configured else "not_configured"})


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


def event_callback(request: Request, channel: str) -> Union[Dict[str, Any], HTTPResponse]:
    """The envelope of an Events API callback to handle, or the answer that ends the request here:
    400 for a malformed body, the ``url_verification`` challenge, and an acknowledgement for any
    other type and for a retry whose first delivery reached us (``retry_to_skip``). ``channel``
    names the input channel in the log."""
    try:
        envelope = parse_json_body(request)
    except MalformedRequest as error:
        return error.response()
    kind = envelope.get("type")
    if kind == "url_verification":
        return url_verification(envelope)
    if kind != "event_callback":
        return ack()
    retry = retry_to_skip(request)
    if retry is not None:
        logger.info("%s: retry #%s of event %s acknowledged without processing", channel, retry, envelope.get("event_id"))
        return ack()
    return envelope


def block_actions(request: Request) -> Union[Dict[str, Any], HTTPResponse]:
    """The payload of a ``block_actions`` interaction (a button click), or the answer that ends the
    request here: 400 for a malformed form, an acknowledgement for any other interaction."""
    try:
        payload = parse_form_payload(request)
    except MalformedRequest as error:
        return error.response()
    if payload.get("type") != "block_actions":
        return ack()
    return payload


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


class Background:
    """Work started after Slack's request is acknowledged (Slack wants the answer within 3 s).

    The tasks are kept referenced until they finish (asyncio keeps only weak references);
    ``idle`` waits for all of them (tests, graceful shutdown)."""

    def __init__(self) -> None:
        self._tasks: Set[asyncio.Task] = set()

    def start(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def idle(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
