"""Inbound: agents' signed events through ``WebhookAgentInput`` on a real Sanic server."""

from __future__ import annotations

import json
from typing import Any, AsyncIterator, Dict, Optional, Tuple

import pytest
from sanic import Sanic

from connectors.signing import timestamped_signature
from connectors.webhook import WebhookAgentInput
from core import clock
from tests.connectors.inbound import Inbound, serving
from tests.fakes import RecordingActions

SECRET = "shared-webhook-secret-0123456789"
HANDOFF = "h-42"


@pytest.fixture(autouse=True)
def sanic_test_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    """Several apps in one process: Sanic's test mode skips its one-off code rewriting (touchup)."""
    monkeypatch.setattr(Sanic, "test_mode", True)


def signed(event: Any, *, secret: str = SECRET, age: float = 0, raw: Optional[bytes] = None) -> Tuple[bytes, Dict[str, str]]:
    body = raw if raw is not None else json.dumps(event).encode()
    timestamp = str(int(clock.timestamp() - age))
    return body, {
        "Content-Type": "application/json",
        "X-Tandem-Timestamp": timestamp,
        "X-Tandem-Signature": timestamped_signature(secret, timestamp, body),
    }


def agent_event(kind: str, event_id: str = "ev-1", **fields: Any) -> Dict[str, Any]:
    return {"event_id": event_id, "handoff_id": HANDOFF, "type": kind, "agent": {"id": "a-7", "name": "Ana Lima"}, **fields}


class WebhookInbound(Inbound):
    """A tool's agent events to ``WebhookAgentInput``, signed with ``SECRET`` unless told otherwise."""

    channel = "agent_webhook"

    async def event(self, event: Any, **signing: Any) -> Tuple[int, Dict[str, Any]]:
        return await self.post(*signed(event, **signing))


@pytest.fixture
def actions() -> RecordingActions:
    recording = RecordingActions()
    recording.handoffs.add(HANDOFF)
    return recording


@pytest.fixture
async def inbound(actions: RecordingActions) -> AsyncIterator[WebhookInbound]:
    async with serving(WebhookInbound, WebhookAgentInput(SECRET, actions=lambda: actions), actions) as harness:
        yield harness


@pytest.mark.parametrize(
    ("event", "call"),
    [
        (agent_event("claim"), ("claim", HANDOFF, "a-7", "Ana Lima")),
        (agent_event("message", text=" Hi, Ana here. "), ("agent_message", HANDOFF, "Hi, Ana here.", "a-7", "Ana Lima")),
        (agent_event("note", text="refund approved"), ("note", HANDOFF, "refund approved", "a-7", "Ana Lima")),
        (agent_event("close", status="returned_to_bot"), ("close", HANDOFF, "returned_to_bot", "a-7", "Ana Lima")),
        (agent_event("close"), ("close", HANDOFF, "resolved", "a-7", "Ana Lima")),
        ({**agent_event("claim"), "agent": {"id": 7, "name": "Ana Lima"}}, ("claim", HANDOFF, "7", "Ana Lima")),
    ],
    ids=["claim", "message", "note", "close-returned", "close-default", "numeric-agent-id"],
)
async def test_signed_events_become_agent_actions(inbound: WebhookInbound, event: Dict[str, Any], call: Tuple[Any, ...]) -> None:
    status, body = await inbound.event(event)

    assert (status, body) == (200, {"status": "ok"})
    assert inbound.actions.calls == [call]


@pytest.mark.parametrize(
    ("signing", "reason"),
    [({"secret": "someone-elses-secret-value"}, "does not match"), ({"age": 600}, "five-minute window")],
    ids=["forged", "replayed-later"],
)
async def test_unverified_events_are_refused(inbound: WebhookInbound, signing: Dict[str, Any], reason: str) -> None:
    status, body = await inbound.event(agent_event("claim"), **signing)

    assert status == 401 and body["error"] == "invalid_signature" and reason in body["message"]
    assert inbound.actions.calls == []


async def test_an_unsigned_event_is_refused(inbound: WebhookInbound) -> None:
    status, body = await inbound.post(json.dumps(agent_event("claim")).encode(), {"Content-Type": "application/json"})
    assert status == 401 and "missing" in body["message"]


async def test_a_replayed_or_retried_event_is_processed_once(inbound: WebhookInbound) -> None:
    request = signed(agent_event("message", text="only once"))

    first = await inbound.post(*request)
    replayed = await inbound.post(*request)
    resent = await inbound.event(agent_event("message", text="only once"))

    assert first == (200, {"status": "ok"})
    assert replayed == resent == (200, {"status": "duplicate"})
    assert len(inbound.actions.calls) == 1


@pytest.mark.parametrize(
    ("event", "raw", "status", "error"),
    [
        (None, b"{nope", 400, "invalid_json"),
        (["claim"], None, 400, "invalid_json"),
        ({**agent_event("claim"), "type": "transfer"}, None, 400, "invalid_type"),
        ({k: v for k, v in agent_event("claim").items() if k != "event_id"}, None, 400, "missing_event_id"),
        ({**agent_event("claim"), "handoff_id": ""}, None, 400, "missing_handoff_id"),
        ({**agent_event("claim"), "agent": "Ana"}, None, 400, "missing_agent"),
        ({**agent_event("claim"), "agent": {"id": "a-7"}}, None, 400, "missing_agent_name"),
        (agent_event("message"), None, 400, "missing_text"),
        (agent_event("note", text="   "), None, 400, "missing_text"),
        (agent_event("close", status="deleted"), None, 400, "invalid_status"),
        (agent_event("message", text="x" * 5001), None, 413, "text_too_long"),
        ({**agent_event("claim"), "event_id": "e" * 201}, None, 400, "invalid_event_id"),
    ],
    ids=[
        "broken-json",
        "array",
        "unknown-type",
        "no-event-id",
        "empty-handoff-id",
        "agent-not-object",
        "no-agent-name",
        "message-without-text",
        "blank-note",
        "bad-close-status",
        "text-too-long",
        "event-id-too-long",
    ],
)
async def test_malformed_events_get_a_clear_4xx(
    inbound: WebhookInbound, event: Any, raw: Optional[bytes], status: int, error: str
) -> None:
    reply_status, body = await inbound.event(event, raw=raw)

    assert (reply_status, body["error"]) == (status, error) and body["message"]
    assert inbound.actions.calls == []


async def test_an_unknown_handoff_is_404(inbound: WebhookInbound) -> None:
    status, body = await inbound.event({**agent_event("claim"), "handoff_id": "h-nope"})
    assert status == 404 and body["error"] == "unknown_handoff"


async def test_an_action_the_handoff_no_longer_allows_is_409(inbound: WebhookInbound) -> None:
    inbound.actions.closed.add(HANDOFF)

    status, body = await inbound.event(agent_event("message", text="hello?"))

    assert status == 409 and body["error"] == "invalid_transition"


async def test_an_unexpected_failure_is_503(inbound: WebhookInbound) -> None:
    inbound.actions.fail_with = RuntimeError("boom")
    status, body = await inbound.event(agent_event("claim"))
    assert status == 503 and body["error"] == "unavailable"


async def test_without_a_secret_every_event_is_refused(actions: RecordingActions) -> None:
    async with serving(WebhookInbound, WebhookAgentInput(None, actions=actions), actions) as harness:
        status, body = await harness.event(agent_event("claim"))
        _, health = await harness.health()
    assert status == 404 and body["error"] == "not_configured"
    assert health == {"status": "not_configured"} and actions.calls == []


def test_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TANDEM_WEBHOOK_SECRET", "secret-from-the-environment")

    assert WebhookAgentInput.name() == "agent_webhook"
    assert WebhookAgentInput.from_credentials(None).secret == "secret-from-the-environment"
    assert WebhookAgentInput.from_credentials({"secret": "from-credentials-yml"}).secret == "from-credentials-yml"
    assert "secret-from-the-environment" not in repr(WebhookAgentInput.from_credentials(None))
