"""``FakeChatwoot``: the fake's HTTP server, its switches and what it recorded.

Without the ``api_access_token`` header (or with another token) every endpoint answers
401 ``{"error": "Invalid Access Token"}``. ``fail(route, kind, times)`` makes the next
calls of a route fail (``FAILURES``); ``go_down(how)`` fails everything until
``come_back()``. Every request is recorded (``requests``, ``calls``).
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any, ClassVar, Dict, List, Optional, Tuple
from urllib.parse import parse_qs

from tests.fakes.chatwoot.endpoints import ChatwootEndpoints
from tests.fakes.http import LoopbackHTTPFake, read_request, reply

FAILURES = ("http_503", "http_500", "ratelimited", "http_401", "http_404", "http_422", "disconnect", "lost", "slow")


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
class FakeChatwoot(ChatwootEndpoints, LoopbackHTTPFake):
    token: str = "cw-fake-access-token"
    account_id: int = 1
    inbox_id: int = 7
    inbox_name: str = "Tandem handoffs"
    #: the user the access token belongs to: sender of ``outgoing`` messages
    token_user: Dict[str, Any] = field(default_factory=lambda: {"id": 1, "name": "Tandem integration", "type": "user"})
    other_inbox_ids: Tuple[int, ...] = (8,)

    thread_name: ClassVar[str] = "fake-chatwoot"

    def __post_init__(self) -> None:
        self._lock = threading.RLock()
        self._init_records()
        self.requests: List[Recorded] = []
        self._failures: Dict[str, List[Tuple[str, float]]] = {}
        self._down: Optional[str] = None

    @property
    def url(self) -> str:
        return self.origin

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

    def status_changes(self, conversation_id: int) -> List[str]:
        return [
            r.body.get("status")
            for r in self.calls("conversations.toggle")
            if r.path == f"/conversations/{conversation_id}/toggle_status" and isinstance(r.body, dict)
        ]

    # -- HTTP -------------------------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        url, raw, headers = read_request(request)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
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
        reply(request, status, body, headers)
