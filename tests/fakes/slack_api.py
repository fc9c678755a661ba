"""An in-process fake of Slack's Web API. Requests as Slack sends them: tests/fakes/slack_requests.py.

Shapes follow Slack's reference pages:

- chat.postMessage https://docs.slack.dev/reference/methods/chat.postMessage
  (``{"ok": true, "channel", "ts", "message"}``)
- users.info https://docs.slack.dev/reference/methods/users.info
- auth.test https://docs.slack.dev/reference/methods/auth.test
- errors: HTTP 200 with ``{"ok": false, "error": "invalid_auth"}``; rate limits: HTTP 429
  with ``Retry-After`` and ``{"ok": false, "error": "ratelimited"}``
  (https://docs.slack.dev/apis/web-api/rate-limits)

``FakeSlackApi`` is a stdlib ``ThreadingHTTPServer`` on a free loopback port in a daemon
thread. Point a client at ``fake.base_url`` (``SLACK_API_URL`` for the customers'
channel). It checks ``Authorization: Bearer``, records every call, and
``fail(method, kind, times)`` makes the next calls fail.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any, ClassVar, Dict, List, Optional, Tuple
from urllib.parse import parse_qs

from core import clock
from tests.fakes.http import LoopbackHTTPFake, read_request, reply

FAILURES = ("ratelimited", "http_500", "internal_error", "invalid_auth", "channel_not_found", "disconnect", "slow")


@dataclass
class Call:
    method: str
    params: Dict[str, Any]
    headers: Dict[str, str]
    status: int = 200
    outcome: str = "ok"  # "ok" or the error/failure the fake answered with
    response: Optional[Dict[str, Any]] = None  # the JSON the fake answered, when it did


@dataclass
class FakeSlackApi(LoopbackHTTPFake):
    thread_name: ClassVar[str] = "fake-slack-api"
    # The bot token clients must send; None accepts any (an end-to-end stack then only
    # needs SLACK_API_URL pointed at the fake, whatever SLACK_BOT_TOKEN holds).
    token: Optional[str] = "xoxb-fake-token"
    bot_user_id: str = "UBOT0001"
    bot_id: str = "BBOT0001"
    team_id: str = "T0000001"
    users: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    missing_channels: set = field(default_factory=set)

    def __post_init__(self) -> None:
        self._calls: List[Call] = []
        self._failures: Dict[str, List[Tuple[str, float]]] = {}
        self._lock = threading.Lock()
        self._ts = itertools.count(1)

    @property
    def base_url(self) -> str:
        return self.origin + "/api/"

    def response_url(self, name: str = "") -> str:
        """A stand-in for an interaction's ``response_url`` (recorded as method ``response_url``)."""
        return f"{self.origin}/hooks/{name or uuid.uuid4().hex}"

    # -- configuration and inspection -------------------------------------------------------

    def add_user(self, user_id: str, display_name: str = "", real_name: str = "", name: str = "") -> None:
        self.users[user_id] = {
            "id": user_id,
            "team_id": self.team_id,
            "name": name or display_name.lower() or user_id.lower(),
            "real_name": real_name,
            "is_bot": False,
            "profile": {"display_name": display_name, "real_name": real_name, "display_name_normalized": display_name},
        }

    def fail(self, method: str, kind: str, times: int = 1, seconds: float = 0) -> None:
        """The next ``times`` calls of ``method`` fail as ``kind`` (one of ``FAILURES``).

        ``seconds`` is the ``Retry-After`` of ``ratelimited`` and the delay of ``slow``
        (which then answers normally: a client with a shorter timeout gives up first)."""
        assert kind in FAILURES, kind
        with self._lock:
            self._failures.setdefault(method, []).extend([(kind, seconds)] * times)

    def calls(self, method: Optional[str] = None, ok_only: bool = False) -> List[Call]:
        with self._lock:
            return [c for c in self._calls if (method is None or c.method == method) and (not ok_only or c.outcome == "ok")]

    def posted(self) -> List[Dict[str, Any]]:
        """Arguments of the chat.postMessage calls that succeeded."""
        return [c.params for c in self.calls("chat.postMessage", ok_only=True)]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0, ok_only: bool = True) -> List[Call]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.calls(method, ok_only=ok_only)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(f"expected {count} {method} call(s), got {len(self.calls(method, ok_only=ok_only))}")

    # -- HTTP -------------------------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        url, raw, headers = read_request(request)
        params: Dict[str, Any] = {k: v[0] for k, v in parse_qs(url.query).items()}
        kind = (request.headers.get("Content-Type") or "").split(";")[0].strip()
        if kind == "application/json" and raw:
            params.update(json.loads(raw))
        elif raw:
            params.update({k: v[0] for k, v in parse_qs(raw.decode()).items()})

        if url.path.startswith("/hooks/"):
            self._record(Call("response_url", params, headers))
            return self._reply(request, 200, {"ok": True})
        if not url.path.startswith("/api/"):
            return self._reply(request, 404, {"ok": False, "error": "unknown_method"})
        method = url.path[len("/api/") :]

        failure = self._next_failure(method)
        if failure is not None and failure[0] == "slow":
            time.sleep(failure[1])
            failure = None
        if failure is not None:
            kind_, retry_after = failure
            self._record(
                Call(
                    method,
                    params,
                    headers,
                    *self._failure_status(kind_),
                )
            )
            if kind_ == "disconnect":
                request.close_connection = True
                return  # no response at all: the client sees the connection drop
            if kind_ == "ratelimited":
                return self._reply(request, 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(int(retry_after))})
            if kind_ == "http_500":
                return self._reply(request, 500, None, body=b"<html>Internal Server Error</html>", content_type="text/html")
            return self._reply(request, 200, {"ok": False, "error": kind_})

        authorization = headers.get("Authorization") or headers.get("authorization") or ""
        token = authorization[len("Bearer ") :] if authorization.startswith("Bearer ") else params.get("token")
        if not token:
            self._record(Call(method, params, headers, 200, "not_authed"))
            return self._reply(request, 200, {"ok": False, "error": "not_authed"})
        if self.token is not None and token != self.token:
            self._record(Call(method, params, headers, 200, "invalid_auth"))
            return self._reply(request, 200, {"ok": False, "error": "invalid_auth"})

        handler = getattr(self, "_api_" + method.replace(".", "_"), None)
        if handler is None:
            self._record(Call(method, params, headers, 200, "unknown_method"))
            return self._reply(request, 200, {"ok": False, "error": "unknown_method"})
        body = handler(params)
        self._record(Call(method, params, headers, 200, "ok" if body.get("ok") else str(body.get("error")), body))
        return self._reply(request, 200, body)

    @staticmethod
    def _failure_status(kind: str) -> Tuple[int, str]:
        return {"ratelimited": 429, "http_500": 500, "disconnect": 0}.get(kind, 200), kind

    def _next_failure(self, method: str) -> Optional[Tuple[str, float]]:
        with self._lock:
            queue = self._failures.get(method)
            return queue.pop(0) if queue else None

    def _record(self, call: Call) -> None:
        with self._lock:
            self._calls.append(call)

    _reply = staticmethod(reply)

    # -- methods ----------------------------------------------------------------------------

    def _new_ts(self) -> str:
        return f"{int(clock.timestamp())}.{next(self._ts):06d}"

    def _api_chat_postMessage(self, params: Dict[str, Any]) -> Dict[str, Any]:
        channel = params.get("channel")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if channel in self.missing_channels:
            return {"ok": False, "error": "channel_not_found"}
        if not params.get("text") and not params.get("blocks") and not params.get("attachments"):
            return {"ok": False, "error": "no_text"}
        ts = self._new_ts()
        message: Dict[str, Any] = {
            "type": "message",
            "subtype": "bot_message",
            "text": params.get("text", ""),
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "ts": ts,
            "team": self.team_id,
        }
        if params.get("blocks"):
            message["blocks"] = params["blocks"] if not isinstance(params["blocks"], str) else json.loads(params["blocks"])
        if params.get("thread_ts"):
            message["thread_ts"] = params["thread_ts"]
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _api_chat_postEphemeral(self, params: Dict[str, Any]) -> Dict[str, Any]:
        if params.get("channel") in self.missing_channels:
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "message_ts": self._new_ts()}

    def _api_users_info(self, params: Dict[str, Any]) -> Dict[str, Any]:
        user = self.users.get(str(params.get("user")))
        return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}

    def _api_auth_test(self, params: Dict[str, Any]) -> Dict[str, Any]:
        return {
            "ok": True,
            "url": "https://tandem-test.slack.com/",
            "team": "Tandem Test",
            "user": "tandem",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
        }
