"""What every HTTP fake here shares: a stdlib server on a loopback port, and JSON answers.

``LoopbackHTTPFake`` runs a ``ThreadingHTTPServer`` on ``127.0.0.1`` in a daemon thread and
hands each ``GET`` and ``POST`` to the subclass's ``_handle(request)``; ``start``/``stop``
or ``with`` run it, ``origin`` is its ``http://127.0.0.1:<port>``. Stopped and started
again it takes the same port back (a peer that went away and came back).
``read_request`` reads what ``_handle`` needs; ``reply`` answers, giving up quietly when
the client has gone (it timed out on a slow answer).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Dict, Optional, Tuple, TypeVar
from urllib.parse import ParseResult, urlparse

JSON = "application/json; charset=utf-8"

Fake = TypeVar("Fake", bound="LoopbackHTTPFake")


class LoopbackHTTPFake:
    """Base of the fakes (and receivers) tests run on loopback; subclasses implement ``_handle``."""

    thread_name: ClassVar[str] = "fake-http"
    _server: Optional[ThreadingHTTPServer] = None
    _port: int = 0  # kept across stop/start: a restarted fake answers at the same address

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        raise NotImplementedError

    def start(self: Fake) -> Fake:
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
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name=self.thread_name, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self: Fake) -> Fake:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def origin(self) -> str:
        assert self._port, "start() the fake first"
        return f"http://127.0.0.1:{self._port}"


def read_request(request: BaseHTTPRequestHandler) -> Tuple[ParseResult, bytes, Dict[str, str]]:
    """The request's parsed URL, raw body and headers."""
    length = int(request.headers.get("Content-Length") or 0)
    raw = request.rfile.read(length) if length else b""
    return urlparse(request.path), raw, {k: v for k, v in request.headers.items()}


def reply(
    request: BaseHTTPRequestHandler,
    status: int,
    payload: Any,
    extra_headers: Optional[Dict[str, str]] = None,
    body: Optional[bytes] = None,
    content_type: str = JSON,
) -> None:
    """Answer ``payload`` as JSON (or ``body`` as it is); a client that gave up is no error."""
    data = body if body is not None else json.dumps(payload).encode()
    try:
        request.send_response(status)
        request.send_header("Content-Type", content_type)
        request.send_header("Content-Length", str(len(data)))
        for name, value in (extra_headers or {}).items():
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(data)
    except (BrokenPipeError, ConnectionResetError):  # the client gave up (a slow answer)
        request.close_connection = True
