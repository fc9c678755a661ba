"""Fixtures of the Chatwoot tests: the fake Chatwoot, a connector pointing at it, a delivered
handoff, and the inbound channel served on loopback with recording actions behind it."""

from __future__ import annotations

from typing import Any, AsyncIterator, Dict, Iterator

import pytest
from sanic import Sanic

from connectors.chatwoot import ChatwootAgentInput, ChatwootConnector
from tests.connectors.chatwoot.harness import HANDOFF, SECRET, ChatwootInbound, item
from tests.connectors.inbound import serving
from tests.fakes import RecordingActions
from tests.fakes.chatwoot import FakeChatwoot


@pytest.fixture
def fake() -> Iterator[FakeChatwoot]:
    with FakeChatwoot() as api:
        yield api


@pytest.fixture
def connector(fake: FakeChatwoot) -> ChatwootConnector:
    return ChatwootConnector.from_config(fake.config(timeout=[1, 2]))


@pytest.fixture
def delivered(fake: FakeChatwoot, connector: ChatwootConnector) -> Dict[str, Any]:
    refs = connector.deliver(item())
    assert refs is not None
    return {"connector": "chatwoot", **refs}


@pytest.fixture(autouse=True)
def sanic_test_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    """Several apps in one process: Sanic's test mode skips its one-off code rewriting (touchup)."""
    monkeypatch.setattr(Sanic, "test_mode", True)


@pytest.fixture
def actions() -> RecordingActions:
    recording = RecordingActions()
    recording.link("chatwoot", "conversation_id", 42, HANDOFF)
    return recording


@pytest.fixture
async def inbound(actions: RecordingActions) -> AsyncIterator[ChatwootInbound]:
    async with serving(ChatwootInbound, ChatwootAgentInput(SECRET, inbox_id=7, actions=lambda: actions), actions) as harness:
        yield harness
