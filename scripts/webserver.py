"""Serves the demo shop page and the chat widget on loopback.

  /                          the demo page (web/static/index.html)
  /static/<file>             the widget and its assets (web/static/)
  /static/vendor/<file>      socket.io-client's browser build (web/node_modules)
  /health                    liveness

The page's socket URL placeholder is filled with --rasa-url, so the same page
works for `make run` and for the tests' own ports.
"""

from __future__ import annotations

import argparse
import mimetypes
from functools import partial
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "web" / "static"
VENDOR = ROOT / "web" / "node_modules" / "socket.io-client" / "dist"
SOCKET_URL_PLACEHOLDER = "__TANDEM_SOCKET_URL__"


def resolve(path: str) -> Optional[Path]:
    """The file behind a URL path, or None; never a file outside the served folders."""
    path = path.split("?", 1)[0].split("#", 1)[0]
    if path in ("/", "/index.html"):
        return STATIC / "index.html"
    for prefix, folder in (("/static/vendor/", VENDOR), ("/static/", STATIC)):
        if path.startswith(prefix):
            candidate = (folder / path[len(prefix) :]).resolve()
            if candidate.is_file() and folder.resolve() in candidate.parents:
                return candidate
            return None
    return None


class Handler(BaseHTTPRequestHandler):
    def __init__(self, *args, rasa_url: str, **kwargs) -> None:
        self.rasa_url = rasa_url
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if self.path == "/health":
            return self._send(HTTPStatus.OK, b'{"status": "ok"}', "application/json")
        file = resolve(self.path)
        if file is None:
            return self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain")
        body = file.read_bytes()
        if file.suffix == ".html":
            body = body.replace(SOCKET_URL_PLACEHOLDER.encode(), self.rasa_url.encode())
        content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        self._send(HTTPStatus.OK, body, content_type)

    def _send(self, status: HTTPStatus, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:  # keep test output quiet
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the Tandem demo page.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--rasa-url", default="http://127.0.0.1:5005")
    args = parser.parse_args()
    server = ThreadingHTTPServer((args.host, args.port), partial(Handler, rasa_url=args.rasa_url))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
