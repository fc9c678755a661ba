"""Fixtures of the Slack tests: a fake Slack Web API, Sanic's test mode, the customers' channel running."""

from __future__ import annotations

from typing import Any, AsyncIterator, Dict, Iterator

import pytest
from sanic import Sanic

from tests.connectors.slack.channel_harness import Harness, RecordingAgent, Waits, make_channel
from tests.fakes import serve
from tests.fakes.slack_api import FakeSlackApi


@pytest.fixture(autouse=True)
def sanic_test_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    """Several apps in one process: Sanic's test mode skips its one-off code rewriting (touchup)."""
    monkeypatch.setattr(Sanic, "test_mode", True)


@pytest.fixture
def fake() -> Iterator[FakeSlackApi]:
    with FakeSlackApi() as api:
        yield api


@pytest.fixture
async def slack(fake: FakeSlackApi) -> AsyncIterator[Harness]:
    registered: Dict[str, Any] = {}
    waits = Waits()
    channel = make_channel(fake, registered, waits=waits)
    agent = RecordingAgent()
    server, url = await serve(channel, agent)
    try:
        yield Harness(fake, channel, agent, url, registered, waits)
    finally:
        if agent.gate is not None:
            agent.gate.set()
        await channel.idle()
        await server.before_stop()
        server.close()
        await server.wait_closed()
