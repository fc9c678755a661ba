"""Tandem's action server: rasa-sdk's server, on loopback, answering only our Rasa server.

  python -m scripts.action_server [--host 127.0.0.1] [--port 5055] [-v | -vv | --quiet]

It is ``rasa run actions --actions actions`` (the same rasa-sdk app, actions package,
logging, worker count, TLS options and graceful shutdown) with two differences:

- it listens on ``--host``, 127.0.0.1 unless told otherwise (rasa-sdk binds every
  interface, or ``SANIC_HOST``, which this server ignores);
- every request except ``GET /health`` (and CORS preflights, which run nothing) must
  carry the shared secret in the ``X-Tandem-Action-Token`` header, or it is answered
  401 before any action runs.
  The secret is ``TANDEM_ACTION_TOKEN``; when that is unset, one is generated once
  into ``var/action-token`` (core/secrets.py). The Rasa server sends it from
  endpoints.yml: ``action_endpoint.headers.X-Tandem-Action-Token: ${TANDEM_ACTION_TOKEN}``
  (unquoted: Rasa expands ``${VAR}`` only in plain YAML scalars).
"""

from __future__ import annotations

import argparse
import hmac
import logging
import os
import re
import sys
from typing import TYPE_CHECKING, List, Mapping, Optional, Union

from core.secrets import SecretError, local_secret

if TYPE_CHECKING:  # sanic is imported when a server is built: scripts/stack.py only needs action_token()
    from sanic import Sanic
    from sanic.request import Request
    from sanic.response import HTTPResponse

TOKEN_ENV = "TANDEM_ACTION_TOKEN"
TOKEN_HEADER = "X-Tandem-Action-Token"
TOKEN_FILE = "action-token"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_ACTIONS = "actions"
#: the only route open without the token: liveness, for supervisors and scripts/stack.py
OPEN_PATHS = frozenset({"/health"})
# A header value that survives HTTP untouched: visible ASCII, no spaces.
_TOKEN_SHAPE = re.compile(r"[\x21-\x7e]+")

# The name rasa-sdk's own run() logs under: the same lines as before, and into --log-file.
logger = logging.getLogger("rasa_sdk.endpoint")


class TokenError(ValueError):
    """``TANDEM_ACTION_TOKEN`` cannot be used as a header value; the message says why."""


def action_token(env: Optional[Mapping[str, str]] = None) -> str:
    """The shared secret: ``TANDEM_ACTION_TOKEN``, else the one kept in ``var/action-token``."""
    env = os.environ if env is None else env
    token = (env.get(TOKEN_ENV) or "").strip()
    if not token:
        return local_secret(TOKEN_FILE)
    if not _TOKEN_SHAPE.fullmatch(token):
        raise TokenError(f"{TOKEN_ENV} must be printable ASCII without spaces")
    return token


def require_token(app: Sanic, token: str) -> None:
    """Answer 401 to every request but ``OPEN_PATHS`` that lacks ``token`` in ``TOKEN_HEADER``.

    Runs before every route and before middleware that plugins add. Only sanic-cors
    answers before it, and only CORS preflights (``OPTIONS``: an empty 200 that runs
    nothing, as under ``rasa run actions``; browsers send no custom header in them)."""
    from sanic import response

    if not token:
        raise TokenError("the action token is empty")
    expected = token.encode()

    async def check_token(request: Request) -> Optional[HTTPResponse]:
        if request.path in OPEN_PATHS:
            return None
        sent = request.headers.get(TOKEN_HEADER)
        if sent is not None and hmac.compare_digest(sent.strip().encode("utf-8", "surrogateescape"), expected):
            return None
        reason = f"no {TOKEN_HEADER} header" if sent is None else f"wrong {TOKEN_HEADER}"
        logger.warning("Refused %s %s from %s: %s.", request.method, request.path, request.ip or "?", reason)
        return response.json(
            {"error": "unauthorized", "message": f"{reason}: this action server only answers Tandem's Rasa server"},
            status=401,
            headers={"WWW-Authenticate": TOKEN_HEADER},
        )

    app.register_middleware(check_token, "request")


def create_app(
    token: str,
    actions: str = DEFAULT_ACTIONS,
    cors_origins: Union[str, List[str], None] = None,
    auto_reload: bool = False,
) -> Sanic:
    """rasa-sdk's app for ``actions``, behind the token check."""
    from rasa_sdk.endpoint import create_app as create_sdk_app

    app = create_sdk_app(actions, cors_origins=cors_origins, auto_reload=auto_reload)
    require_token(app, token)
    return app


def run(
    token: str,
    host: str = DEFAULT_HOST,
    port: int = 5055,
    actions: str = DEFAULT_ACTIONS,
    cors_origins: Union[str, List[str], None] = None,
    ssl_certificate: Optional[str] = None,
    ssl_keyfile: Optional[str] = None,
    ssl_password: Optional[str] = None,
    auto_reload: bool = False,
) -> None:
    """``rasa_sdk.endpoint.run`` with a host and the token check; returns when the server stops."""
    from rasa_sdk import utils
    from rasa_sdk.endpoint import create_ssl_context
    from rasa_sdk.plugin import plugin_manager

    logger.info("Starting action endpoint server...")
    app = create_app(token, actions, cors_origins=cors_origins, auto_reload=auto_reload)
    logger.info("Starting plugins...")
    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    ssl_context = create_ssl_context(ssl_certificate, ssl_keyfile, ssl_password)
    protocol = "https" if ssl_context else "http"
    logger.info(f"Action endpoint is up and running on {protocol}://{host}:{port}")
    logger.info(f"Requests other than GET /health need the {TOKEN_HEADER} header.")
    # Sanic stops gracefully on SIGINT and SIGTERM, as under `rasa run actions`.
    app.run(host, port, ssl=ssl_context, workers=utils.number_of_sanic_workers())


def argument_parser() -> argparse.ArgumentParser:
    """rasa-sdk's own options (port, actions, CORS, TLS, auto-reload, logging) plus ``--host``."""
    from rasa_sdk.endpoint import create_argument_parser

    parser = create_argument_parser()
    parser.description = "Tandem's action server: rasa-sdk's, on loopback, answering only requests with the action token."
    parser.add_argument("--host", default=DEFAULT_HOST, help="interface to listen on (default: %(default)s)")
    parser.set_defaults(actions=DEFAULT_ACTIONS)
    return parser


def configure_logging(args: argparse.Namespace) -> None:
    """As ``rasa run actions`` does (rasa_sdk.__main__.main_from_args, plus Rasa's asyncio level)."""
    from rasa_sdk import utils
    from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME, DEFAULT_LOG_LEVEL_LIBRARIES, ENV_LOG_LEVEL_LIBRARIES

    logging.getLogger("matplotlib").setLevel(logging.WARN)
    utils.configure_colored_logging(args.loglevel)
    utils.configure_file_logging(
        logging.getLogger(APPLICATION_ROOT_LOGGER_NAME), args.log_file, args.loglevel, args.logging_config_file
    )
    utils.update_sanic_log_level()
    logging.getLogger("asyncio").setLevel(os.environ.get(ENV_LOG_LEVEL_LIBRARIES, DEFAULT_LOG_LEVEL_LIBRARIES))


def main(argv: Optional[List[str]] = None) -> int:
    args = argument_parser().parse_args(argv)
    configure_logging(args)
    try:
        token = action_token()
    except (TokenError, SecretError, OSError) as error:
        logger.error("Cannot start the action server: %s", error)
        return 2
    run(
        token,
        host=args.host,
        port=args.port,
        actions=args.actions,
        cors_origins=args.cors,
        ssl_certificate=args.ssl_certificate,
        ssl_keyfile=args.ssl_keyfile,
        ssl_password=args.ssl_password,
        auto_reload=args.auto_reload,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
