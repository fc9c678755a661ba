"""The REST channel at ``/webhooks/rest/webhook``, strict about its input.

Rasa's stock ``RestInput`` passes whatever the body holds to the processor: a
missing ``message`` or a non-JSON body ends in a 500, and a failure logs the
customer's text. This subclass answers every malformed request with a 400 or
413 and a message that says what to fix, and never logs message text.
"""

from __future__ import annotations

import logging
from asyncio import CancelledError
from typing import Any, Awaitable, Callable, Dict, Optional, Tuple

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors.handoff import runtime

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 2000
MAX_SENDER_CHARS = 128


class InvalidRequest(ValueError):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def error_response(error: InvalidRequest) -> HTTPResponse:
    return response.json({"error": error.code, "message": error.message}, status=error.status)


def parse_body(request: Request) -> Tuple[str, str, Optional[Dict[str, Any]]]:
    """Sender, message and metadata of a webhook call, or ``InvalidRequest``."""
    try:
        body = request.json
    except Exception:  # sanic raises InvalidUsage (400) with an HTML body otherwise
        body = None
    if not isinstance(body, dict):
        raise InvalidRequest(400, "invalid_json", 'The body must be a JSON object like {"sender": "...", "message": "..."}.')

    sender = body.get("sender")
    if not isinstance(sender, str) or not sender.strip():
        raise InvalidRequest(400, "missing_sender", "'sender' must be a non-empty string identifying the conversation.")
    if len(sender) > MAX_SENDER_CHARS:
        raise InvalidRequest(400, "invalid_sender", f"'sender' can be at most {MAX_SENDER_CHARS} characters.")

    message = body.get("message")
    if not isinstance(message, str):
        raise InvalidRequest(400, "missing_message", "'message' must be a string with the customer's text.")
    if not message.strip():
        raise InvalidRequest(400, "empty_message", "'message' is empty; send the customer's text.")
    if len(message) > MAX_MESSAGE_CHARS:
        raise InvalidRequest(
            413,
            "message_too_long",
            f"'message' has {len(message)} characters; the limit is {MAX_MESSAGE_CHARS}. Split it or shorten it.",
        )

    metadata = body.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise InvalidRequest(400, "invalid_metadata", "'metadata' must be a JSON object when given.")
    return sender.strip(), message, metadata


class RestInput(RestInput):  # noqa: F811 - same name on purpose: it replaces the stock "rest" channel
    """Drop-in replacement for Rasa's REST channel with input validation."""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = Blueprint(f"tandem_webhook_{type(self).__name__}", __name__)
        on_new_message = runtime.relay_incoming(on_new_message, self.name())
        runtime.start_with(webhook)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                sender_id, text, metadata = parse_body(request)
            except InvalidRequest as error:
                return error_response(error)

            collector = CollectingOutputChannel()
            try:
                await on_new_message(
                    UserMessage(
                        text,
                        collector,
                        sender_id,
                        input_channel=self.name(),
                        metadata=metadata,
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
