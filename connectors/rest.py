"""The REST channel at ``/webhooks/rest/webhook``, strict about its input.

Rasa's stock ``RestInput`` passes whatever the body holds to the processor: a
missing ``message`` or a non-JSON body ends in a 500, and a failure logs the
customer's text. This subclass answers every malformed request with a 400 or
413 and a message that says what to fix, and never logs message text.
"""

from __future__ import annotations

import logging
from asyncio import CancelledError
from typing import Any, Awaitable, Callable, Dict, Tuple

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors.handoff import runtime
from core.inputs import (
    CLIENT_KEY,
    CUSTOMER_METADATA_KEYS,
    MAX_BODY_BYTES,
    ClientInputError,
    check_identifier,
    check_metadata,
    check_text,
    known_metadata,
)

logger = logging.getLogger(__name__)

# The same rules on every inbound route (core/inputs.py); re-exported for the other channels.
InvalidRequest = ClientInputError


def error_response(error: ClientInputError) -> HTTPResponse:
    return response.json({"error": error.code, "message": error.message}, status=error.status)


def parse_body(request: Request) -> Tuple[str, str, Dict[str, Any]]:
    """Sender, message and the known metadata keys of a webhook call, or ``ClientInputError``."""
    if len(request.body or b"") > MAX_BODY_BYTES:
        raise ClientInputError(413, "body_too_large", f"The request body is limited to {MAX_BODY_BYTES} bytes.")
    try:
        body = request.json
    except Exception:  # sanic raises InvalidUsage (400) with an HTML body otherwise
        body = None
    if not isinstance(body, dict):
        raise ClientInputError(400, "invalid_json", 'The body must be a JSON object like {"sender": "...", "message": "..."}.')
    sender = check_identifier(body.get("sender"), "sender")
    message = check_text(body.get("message"), "message")
    metadata = check_metadata(body.get("metadata"))
    return sender, message, known_metadata(metadata, CUSTOMER_METADATA_KEYS)


class RestInput(RestInput):  # noqa: F811 - same name on purpose: it replaces the stock "rest" channel
    """Drop-in replacement for Rasa's REST channel with input validation."""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = Blueprint(f"tandem_webhook_{type(self).__name__}", __name__)
        on_new_message = runtime.relay_incoming(on_new_message, self.name())
        runtime.start_with(webhook)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            # Readiness without Rasa's HTTP API: whether a model is loaded to answer with.
            agent = getattr(request.app.ctx, "agent", None)
            return response.json({"status": "ok", "model_loaded": bool(agent is not None and agent.is_ready())})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                sender_id, text, metadata = parse_body(request)
            except ClientInputError as error:
                return error_response(error)

            key = runtime.client_key(request.remote_addr or request.ip)
            if key:
                metadata = {**metadata, CLIENT_KEY: key}
            collector = CollectingOutputChannel()
            try:
                await on_new_message(
                    UserMessage(
                        text,
                        collector,
                        sender_id,
                        input_channel=self.name(),
                        metadata=metadata or None,
                    )
                )
            except CancelledError:
                logger.error("rest: timed out handling a message of conversation %s", sender_id)
                return response.json(
                    {"error": "timeout", "message": "The assistant took too long to answer; please retry."},
                    status=503,
                )
            except Exception:
                # The traceback is logged, the customer's text is not.
                logger.exception("rest: failed to handle a message of conversation %s", sender_id)
                return response.json(
                    {"error": "unavailable", "message": "The assistant could not answer right now; please retry."},
                    status=503,
                )
            return response.json(collector.messages)

        return webhook
