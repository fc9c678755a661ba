"""The customers' Slack channel (connectors/slack/channel.py) as the test_channel*.py modules run it.

``make_channel`` builds a ``SlackInput`` against the fake Slack Web API with the handoff
relay replaced by a pass-through; Rasa's ``register`` calls ``app.ctx.agent.handle_message``,
and ``RecordingAgent`` records each message and answers through ``message.output_channel``
(text + buttons), so the real output channel posts to the fake. ``Harness`` posts signed
requests to the running channel; the ``slack`` fixture (conftest.py) runs one.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Dict, List, Optional, Tuple

import aiohttp
from rasa.core.channels.channel import UserMessage

from connectors.slack.channel import HandoffHooks, SlackInput
from connectors.slack.retry import RetryPolicy
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_requests import SignedRequest

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BUTTONS = [{"title": "Track my order", "payload": "/order_status"}, {"title": "Talk to a person", "payload": "/request_human"}]


class RecordingAgent:
    """Stands in for rasa.core.agent.Agent: records messages, replies with text and buttons."""

    def __init__(self) -> None:
        self.messages: List[UserMessage] = []
        self.gate: Optional[asyncio.Event] = None  # set to hold handling (ack-speed test)

    async def handle_message(self, message: UserMessage) -> None:
        self.messages.append(message)
        if self.gate is not None:
            await self.gate.wait()
        await message.output_channel.send_response(message.sender_id, {"text": f"You said: {message.text}", "buttons": BUTTONS})


class Waits:
    """The retry policy's sleep: records how long each wait would be and returns at once."""

    def __init__(self) -> None:
        self.seconds: List[float] = []

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


class Harness:
    def __init__(
        self,
        fake: FakeSlackApi,
        channel: SlackInput,
        agent: RecordingAgent,
        url: str,
        registered: Dict[str, Any],
        waits: Optional[Waits] = None,
    ) -> None:
        self.fake, self.channel, self.agent, self.url, self.registered = fake, channel, agent, url, registered
        self.waits = waits or Waits()

    async def post(self, request: SignedRequest, path: str = "/webhooks/slack/webhook") -> Tuple[int, str, float]:
        started = time.monotonic()
        async with aiohttp.ClientSession() as session:
            async with session.post(self.url + path, data=request.body, headers=request.headers) as reply:
                return reply.status, await reply.text(), time.monotonic() - started

    async def settle(self) -> None:
        await asyncio.wait_for(self.channel.idle(), timeout=30)


def make_channel(
    fake: FakeSlackApi, registered: Dict[str, Any], secret: Optional[str] = SECRET, waits: Optional[Waits] = None, **kwargs: Any
) -> SlackInput:
    return SlackInput(
        slack_token=fake.token,
        slack_signing_secret=secret,
        slack_api_url=fake.base_url,
        handoff=HandoffHooks(
            relay_incoming=kwargs.pop("relay_incoming", lambda on_new_message, name: on_new_message),
            register_output=lambda name, factory: registered.__setitem__(name, factory),
            start_with=lambda blueprint: None,
        ),
        delivery_retry=RetryPolicy(sleep=waits or Waits()),
        **kwargs,
    )


def texts(agent: RecordingAgent) -> List[str]:
    return [m.text for m in agent.messages]
