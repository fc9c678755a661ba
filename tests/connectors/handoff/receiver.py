"""A stand-in for "any other tool" behind Tandem's generic signed webhook.

It verifies every request's HMAC signature (connectors/signing.py), records what
it accepted, de-duplicates by ``Idempotency-Key`` as a well-behaved receiver
does, and can be switched down (503) and up again.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List

from connectors.signing import SignatureError, verify_timestamped


class WebhookReceiver:
    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.up = True
        self.accepted: List[Dict[str, Any]] = []
        self.keys_seen: List[str] = []
        self.rejected = 0
        self.refused = 0
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status = receiver.receive(dict(self.headers), body)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/tandem"

    def receive(self, headers: Dict[str, str], body: bytes) -> int:
        with self._lock:
            if not self.up:
                self.refused += 1
                return 503
            try:
                verify_timestamped(self.secret, headers.get("X-Tandem-Signature"), headers.get("X-Tandem-Timestamp"), body)
            except SignatureError:
                self.rejected += 1
                return 401
            key = headers.get("Idempotency-Key", "")
            self.keys_seen.append(key)
            if key not in {item["idempotency_key"] for item in self.accepted}:
                self.accepted.append(json.loads(body))
            return 200

    def handoffs(self) -> List[Dict[str, Any]]:
        with self._lock:
            return [item for item in self.accepted if item.get("type") == "handoff"]

    def __enter__(self) -> WebhookReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
