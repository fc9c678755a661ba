"""The handoff machinery of one Rasa server process, created on first use.

Customer channels use two functions from here:

- ``relay_incoming(on_new_message, channel)`` wraps the ``on_new_message``
  callback a channel's blueprint receives. While a conversation is handed off,
  its messages go to the relay (connectors/handoff/relay.py), which records them
  in the tracker and queues them for the agent; the bot does not answer them.
- ``register_output(channel, factory)``: how to reach a customer of that
  channel later, when no request of theirs is in flight (an agent's reply, the
  bot after a hand-back, a queue update). ``factory(conversation_id, metadata)``
  returns a Rasa ``OutputChannel``; ``metadata`` is the metadata of the
  customer's latest message (a Slack channel and thread, for example).

Live-chat connectors' inbound routes use ``agent_actions()``.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any, Awaitable, Callable, Dict, Mapping, Optional

from rasa.core.channels.channel import OutputChannel, UserMessage
from sanic import response as sanic_response

from core.inputs import MAX_WEBHOOK_BODY_BYTES, json_has_lone_surrogate
from core.redaction import RedactionError, redact_or_refuse
from core.throttle import RateLimit, rate_from_environment

logger = logging.getLogger(__name__)

OutputFactory = Callable[[str, Mapping[str, Any]], Optional[OutputChannel]]

_outputs: Dict[str, OutputFactory] = {}
_extension_checked = False  # several channels start; one warning is enough


@lru_cache(maxsize=1)
def message_rate() -> RateLimit:
    """Per conversation, per process: TANDEM_MESSAGES_PER_MINUTE (default 30; a person types far slower)."""
    return rate_from_environment("TANDEM_MESSAGES_PER_MINUTE", default=30, per_seconds=60)


def guard(blueprint: Any) -> None:
    """Refuse, on every route of ``blueprint``, bodies over the size limit and JSON that
    carries a lone surrogate (it cannot be stored or logged), with a 4xx and a message."""

    @blueprint.middleware("request")
    async def refuse_unstorable(request: Any) -> Any:
        body = request.body or b""
        if len(body) > MAX_WEBHOOK_BODY_BYTES:
            message = f"The request body is limited to {MAX_WEBHOOK_BODY_BYTES} bytes."
            return sanic_response.json({"error": "body_too_large", "message": message}, status=413)
        if body and json_has_lone_surrogate(body):
            message = "The body contains text that is not valid Unicode (a lone surrogate)."
            return sanic_response.json({"error": "invalid_text", "message": message}, status=400)
        return None


def register_output(channel: str, factory: OutputFactory) -> None:
    _outputs[channel] = factory


def output_for(channel: Optional[str], conversation_id: str, metadata: Mapping[str, Any]) -> Optional[OutputChannel]:
    factory = _outputs.get(channel or "")
    return factory(conversation_id, metadata) if factory else None


def relay_incoming(
    on_new_message: Callable[[UserMessage], Awaitable[Any]], channel: str
) -> Callable[[UserMessage], Awaitable[Any]]:
    """Every customer message of every channel passes here first: secrets are redacted
    before anything stores, logs or parses it (refused if redaction cannot run), a
    conversation sending faster than a person types is slowed down, and a handed-off
    conversation goes to its agent."""

    async def handle(message: UserMessage) -> Any:
        from connectors.handoff.relay import relay

        try:
            message.text = redact_or_refuse(message.text or "")
        except RedactionError:
            logger.error("ingestion: redaction failed; message of conversation %s refused, not stored", message.sender_id)
            await _tell(message, "utter_message_not_accepted")
            return None
        if not message_rate().allow(message.sender_id):
            logger.warning("ingestion: conversation %s is over %d messages a minute", message.sender_id, message_rate().limit)
            await relay().keep_without_answer(message)
            await _tell(message, "utter_slow_down")
            return None
        try:
            relayed = await relay().customer_message(message, channel)
        except Exception:
            # The handoff store is unreachable: the bot answering beats the message vanishing.
            logger.exception(
                "relay: could not check conversation %s for a handoff; the bot handles the message", message.sender_id
            )
            relayed = False
        if relayed:
            return None  # a person has this conversation: the bot stays silent
        return await on_new_message(message)

    return handle


def client_key(address: Optional[str]) -> Optional[str]:
    """A pseudonym of a client's network address: enough to count its requests, not to find it."""
    if not address:
        return None
    from connectors.handoff.config import settings
    from core.redaction import pseudonym

    return pseudonym(address.encode("utf-8", "replace").decode("utf-8"), settings().pseudonym_key, prefix="net", length=24)


async def _tell(message: UserMessage, response: str) -> None:
    """Say a domain response straight back on the channel the message came from."""
    from connectors.handoff.relay import relay

    try:
        text = relay().response_text(response)
        await message.output_channel.send_text_message(message.sender_id, text)
    except Exception:
        logger.exception("ingestion: could not tell conversation %s why its message was not answered", message.sender_id)


def agent_actions():
    """The ``AgentActions`` of this process (connectors/handoff/livechat.py)."""
    from connectors.handoff.relay import relay

    return relay()


def start_with(blueprint: Any) -> None:
    """Start the relay's background work (outbox dispatcher, queue updates) when the
    server that mounts ``blueprint`` starts, once per process. Every handoff-aware
    channel calls this."""

    guard(blueprint)

    @blueprint.listener("after_server_start")
    async def start_relay(app: Any, _: Any) -> None:
        from connectors.handoff.relay import relay

        _check_extended()
        relay().start(app)

    @blueprint.listener("before_server_stop")
    async def stop_relay(app: Any, _: Any) -> None:
        from connectors.handoff.relay import relay

        await relay().stop()


def _check_extended() -> None:
    """Warn, once per process, when Rasa was started without the launcher (rasa_extensions/cli.py),
    which applies Tandem's patches before Rasa starts: plain `rasa run` works, only slower."""
    global _extension_checked
    from rasa_extensions import patches

    if _extension_checked:
        return
    _extension_checked = True
    if not patches.applied():
        logger.warning(
            "Rasa runs without Tandem's extensions (rasa_extensions/patches.py): custom actions get the whole "
            "conversation and every message costs more as it grows; start it as `python -m rasa_extensions.cli run ...`"
        )
