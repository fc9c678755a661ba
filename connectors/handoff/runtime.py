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
from typing import Any, Awaitable, Callable, Dict, Mapping, Optional

from rasa.core.channels.channel import OutputChannel, UserMessage

logger = logging.getLogger(__name__)

OutputFactory = Callable[[str, Mapping[str, Any]], Optional[OutputChannel]]

_outputs: Dict[str, OutputFactory] = {}


def register_output(channel: str, factory: OutputFactory) -> None:
    _outputs[channel] = factory


def output_for(channel: Optional[str], conversation_id: str, metadata: Mapping[str, Any]) -> Optional[OutputChannel]:
    factory = _outputs.get(channel or "")
    return factory(conversation_id, metadata) if factory else None


def relay_incoming(
    on_new_message: Callable[[UserMessage], Awaitable[Any]], channel: str
) -> Callable[[UserMessage], Awaitable[Any]]:
    async def handle(message: UserMessage) -> Any:
        from connectors.handoff.relay import relay

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


def agent_actions():
    """The ``AgentActions`` of this process (connectors/handoff/livechat.py)."""
    from connectors.handoff.relay import relay

    return relay()


def start_with(blueprint: Any) -> None:
    """Start the relay's background work (outbox dispatcher, queue updates) when the
    server that mounts ``blueprint`` starts, and apply Tandem's Rasa speed-ups
    (policies/speedups.py). Every handoff-aware channel calls this; both happen
    once per process."""

    @blueprint.listener("after_server_start")
    async def start_relay(app: Any, _: Any) -> None:
        from connectors.handoff.relay import relay
        from policies import speedups

        speedups.apply()
        relay().start(app)
