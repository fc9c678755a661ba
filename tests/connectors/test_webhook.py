"""The generic signed webhook: delivery to a tiny local receiver, error classification, and
agents' signed events through ``WebhookAgentInput`` on a real Sanic server."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, AsyncIterator, Dict, Iterator, List, Optional, Tuple

import aiohttp
import pytest
from sanic import Sanic

from connectors.handoff.livechat import DeliveryError, OutboxItem
from connectors.signing import SignatureError, timestamped_signature, verify_timestamped
from connectors.webhook import WebhookAgentInput, WebhookConnector
from core import clock
from tests.fakes import RecordingActions, serve

SECRET = "shared-webhook-secret-0123456789"
HANDOFF = "h-42"
PACKET = {"handoff_id": HANDOFF, "customer": {"id": "cus_0123456789abcdef"}, "priority": "P2"}


# --- a receiver as a tool would run it ------------------------------------------------------------


@dataclass
class Receiver:
    """Verifies Tandem's signature, honours ``Idempotency-Key`` (a repeat is acknowledged, not redone)."""

    secret: str = SECRET
    answers: List[int] = field(default_factory=list)  # statuses to answer next, before behaving normally
    delay: float = 0.0
    received: List[Dict[str, Any]] = field(default_factory=list)
    handoffs: Dict[str, Dict[str, Any]] = field(default_factory=dict)  # by idempotency key
    rejected: List[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._server: Optional[ThreadingHTTPServer] = None

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                status, body = receiver.handle(self.headers, self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # Tandem timed out first
                    self.close_connection = True

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/tandem/handoffs"

    def handle(self, headers: Any, body: bytes) -> Tuple[int, Dict[str, Any]]:
        if self.delay:
            time.sleep(self.delay)
        with self._lock:
            if self.answers:
                return self.answers.pop(0), {"error": "as configured"}
            try:
                verify_timestamped(self.secret, headers.get("X-Tandem-Signature"), headers.get("X-Tandem-Timestamp"), body)
            except SignatureError as error:
                self.rejected.append(str(error))
                return 401, {"error": str(error)}
            event = json.loads(body)
            self.received.append({"headers": dict(headers.items()), "event": event})
            key = headers.get("Idempotency-Key")
            if key != event["idempotency_key"]:
                return 400, {"error": "Idempotency-Key header and body disagree"}
            if key in self.handoffs:
                return 200, {"status": "already done"}
            self.handoffs[key] = event
            return 201, {"status": "created"}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver().start()
    yield running
    running.stop()


@pytest.fixture
def connector(receiver: Receiver) -> WebhookConnector:
    return WebhookConnector.from_config({"type": "webhook", "url": receiver.url, "secret": SECRET, "timeout": [1, 2]})


def item(kind: str = "handoff", payload: Optional[Dict[str, Any]] = None, attempts: int = 0, item_id: int = 1) -> OutboxItem:
    return OutboxItem(
        id=item_id,
        handoff_id=HANDOFF,
        conversation_id="rasa-sender-9",
        kind=kind,
        payload=payload if payload is not None else {"packet": PACKET, "queue_position": 1},
        idempotency_key=f"{HANDOFF}:{kind}:{item_id}",
        attempts=attempts,
    )


# --- configuration -------------------------------------------------------------------------


def test_from_config(receiver: Receiver) -> None:
    connector = WebhookConnector.from_config({"type": "webhook", "url": receiver.url, "secret": SECRET})

    assert connector.type_name == "webhook" and connector.timeout == (3.05, 10.0)
    assert SECRET not in repr(connector) and "***" in repr(connector)


def test_the_handoff_config_builds_this_connector(receiver: Receiver) -> None:
    from connectors.handoff.tools import connector_for

    assert isinstance(connector_for({"type": "webhook", "url": receiver.url, "secret": SECRET}), WebhookConnector)


@pytest.mark.parametrize(
    ("cfg", "key"),
    [
        ({"secret": SECRET}, "url"),
        ({"url": "ftp://tool.example/x", "secret": SECRET}, "url"),
        ({"url": "https://tool.example/x"}, "secret"),
        ({"url": "https://tool.example/x", "secret": "short"}, "secret"),
        ({"url": "https://tool.example/x", "secret": SECRET, "timeout": "soon"}, "timeout"),
        ({"type": "chatwoot", "url": "https://tool.example/x", "secret": SECRET}, "type"),
    ],
)
def test_from_config_names_the_bad_key(cfg: Dict[str, Any], key: str) -> None:
    with pytest.raises(ValueError, match=rf"livechat\.{key}\b") as error:
        WebhookConnector.from_config(cfg)
    assert SECRET not in str(error.value)


# --- outbound ------------------------------------------------------------------------------


def test_an_item_is_posted_signed_with_its_idempotency_key(connector: WebhookConnector, receiver: Receiver, pin_clock) -> None:
    pin_clock(datetime(2026, 12, 8, 10, 30, tzinfo=timezone.utc))
    assert connector.deliver(item()) is None

    (call,) = receiver.received
    headers, event = call["headers"], call["event"]
    assert headers["Content-Type"] == "application/json"
    assert headers["Idempotency-Key"] == f"{HANDOFF}:handoff:1"
    assert headers["X-Tandem-Signature"].startswith("sha256=")
    assert headers["X-Tandem-Timestamp"] == str(int(datetime(2026, 12, 8, 10, 30, tzinfo=timezone.utc).timestamp()))
    assert event == {
        "type": "handoff",
        "handoff_id": HANDOFF,
        "conversation_id": "rasa-sender-9",
        "payload": {"packet": PACKET, "queue_position": 1},
        "idempotency_key": f"{HANDOFF}:handoff:1",
    }


def test_delivered_twice_the_receiver_keeps_one_handoff(connector: WebhookConnector, receiver: Receiver) -> None:
    first = item()
    connector.deliver(first)
    connector.deliver(OutboxItem(**{**first.__dict__, "attempts": 1}))  # e.g. the first answer was lost

    assert len(receiver.received) == 2 and len(receiver.handoffs) == 1
    assert receiver.received[0]["headers"]["Idempotency-Key"] == receiver.received[1]["headers"]["Idempotency-Key"]


def test_every_item_kind_is_sent(connector: WebhookConnector, receiver: Receiver) -> None:
    connector.deliver(item())
    connector.deliver(item("customer_message", {"text": "still there?", "sent_at": "2024-05-01T09:06:00Z"}, item_id=2))
    connector.deliver(item("closed", {"status": "resolved"}, item_id=3))

    assert [r["event"]["type"] for r in receiver.received] == ["handoff", "customer_message", "closed"]
    assert receiver.received[1]["event"]["payload"]["text"] == "still there?"


def test_a_receiver_with_another_secret_rejects_the_delivery(receiver: Receiver) -> None:
    receiver.secret = "the-receivers-other-secret"
    connector = WebhookConnector.from_config({"url": receiver.url, "secret": SECRET})

    with pytest.raises(DeliveryError) as error:
        connector.deliver(item())
    assert not error.value.retryable and receiver.rejected == ["signature does not match"]


@pytest.mark.parametrize(
    ("status", "retryable"),
    [
        (408, True),
        (429, True),
        (500, True),
        (502, True),
        (503, True),
        (400, False),
        (401, False),
        (403, False),
        (404, False),
        (410, False),
        (422, False),
    ],
)
def test_errors_are_classified_for_the_dispatcher(
    connector: WebhookConnector, receiver: Receiver, status: int, retryable: bool
) -> None:
    receiver.answers.append(status)

    with pytest.raises(DeliveryError) as error:
        connector.deliver(item())
    assert error.value.retryable is retryable and str(status) in str(error.value)


@pytest.mark.parametrize("status", [200, 201, 202, 204])
def test_any_2xx_is_delivered(connector: WebhookConnector, receiver: Receiver, status: int) -> None:
    receiver.answers.append(status)
    assert connector.deliver(item()) is None


def test_a_receiver_that_is_down_is_retried_and_a_timeout_too(receiver: Receiver) -> None:
    url = receiver.url
    receiver.stop()
    with pytest.raises(DeliveryError) as refused:
        WebhookConnector.from_config({"url": url, "secret": SECRET}).deliver(item())

    slow = Receiver(delay=1.0).start()
    try:
        with pytest.raises(DeliveryError, match="timed out") as timed_out:
            WebhookConnector.from_config({"url": slow.url, "secret": SECRET, "timeout": [1, 0.2]}).deliver(item())
    finally:
        slow.stop()
    assert refused.value.retryable and timed_out.value.retryable


# --- inbound ---------------------------------------------------------------------------------


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


class Inbound:
    def __init__(self, actions: RecordingActions, url: str) -> None:
        self.actions, self.url = actions, url

    async def post(self, body: bytes, headers: Dict[str, str]) -> Tuple[int, Dict[str, Any]]:
        async with aiohttp.ClientSession() as session:
            async with session.post(f"{self.url}/webhooks/agent_webhook/webhook", data=body, headers=headers) as reply:
                return reply.status, await reply.json(content_type=None)

    async def event(self, event: Any, **signing: Any) -> Tuple[int, Dict[str, Any]]:
        return await self.post(*signed(event, **signing))


@pytest.fixture
def actions() -> RecordingActions:
    recording = RecordingActions()
    recording.handoffs.add(HANDOFF)
    return recording


async def start(channel: WebhookAgentInput, actions: RecordingActions) -> AsyncIterator[Inbound]:
    server, url = await serve(channel)
    try:
        yield Inbound(actions, url)
    finally:
        server.close()
        await server.wait_closed()


@pytest.fixture
async def inbound(actions: RecordingActions) -> AsyncIterator[Inbound]:
    async for harness in start(WebhookAgentInput(SECRET, actions=lambda: actions), actions):
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
async def test_signed_events_become_agent_actions(inbound: Inbound, event: Dict[str, Any], call: Tuple[Any, ...]) -> None:
    status, body = await inbound.event(event)

    assert (status, body) == (200, {"status": "ok"})
    assert inbound.actions.calls == [call]


@pytest.mark.parametrize(
    ("signing", "reason"),
    [({"secret": "someone-elses-secret-value"}, "does not match"), ({"age": 600}, "five-minute window")],
    ids=["forged", "replayed-later"],
)
async def test_unverified_events_are_refused(inbound: Inbound, signing: Dict[str, Any], reason: str) -> None:
    status, body = await inbound.event(agent_event("claim"), **signing)

    assert status == 401 and body["error"] == "invalid_signature" and reason in body["message"]
    assert inbound.actions.calls == []


async def test_an_unsigned_event_is_refused(inbound: Inbound) -> None:
    status, body = await inbound.post(json.dumps(agent_event("claim")).encode(), {"Content-Type": "application/json"})
    assert status == 401 and "missing" in body["message"]


async def test_a_replayed_or_retried_event_is_processed_once(inbound: Inbound) -> None:
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
    inbound: Inbound, event: Any, raw: Optional[bytes], status: int, error: str
) -> None:
    reply_status, body = await inbound.event(event, raw=raw)

    assert (reply_status, body["error"]) == (status, error) and body["message"]
    assert inbound.actions.calls == []


async def test_an_unknown_handoff_is_404(inbound: Inbound) -> None:
    status, body = await inbound.event({**agent_event("claim"), "handoff_id": "h-nope"})
    assert status == 404 and body["error"] == "unknown_handoff"


async def test_an_action_the_handoff_no_longer_allows_is_409(inbound: Inbound) -> None:
    inbound.actions.closed.add(HANDOFF)

    status, body = await inbound.event(agent_event("message", text="hello?"))

    assert status == 409 and body["error"] == "invalid_transition"


async def test_an_unexpected_failure_is_503(inbound: Inbound) -> None:
    inbound.actions.fail_with = RuntimeError("boom")
    status, body = await inbound.event(agent_event("claim"))
    assert status == 503 and body["error"] == "unavailable"


async def test_without_a_secret_every_event_is_refused(actions: RecordingActions) -> None:
    async for harness in start(WebhookAgentInput(None, actions=actions), actions):
        status, body = await harness.event(agent_event("claim"))
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{harness.url}/webhooks/agent_webhook/") as reply:
                health = await reply.json()
    assert status == 404 and body["error"] == "not_configured"
    assert health == {"status": "not_configured"} and actions.calls == []


def test_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TANDEM_WEBHOOK_SECRET", "secret-from-the-environment")

    assert WebhookAgentInput.name() == "agent_webhook"
    assert WebhookAgentInput.from_credentials(None).secret == "secret-from-the-environment"
    assert WebhookAgentInput.from_credentials({"secret": "from-credentials-yml"}).secret == "from-credentials-yml"
    assert "secret-from-the-environment" not in repr(WebhookAgentInput.from_credentials(None))


def test_the_receiver_in_these_tests_checks_signatures() -> None:
    """Guard: a receiver that accepted anything would make the delivery tests meaningless."""
    receiver = Receiver()
    body = b'{"idempotency_key": "k"}'
    assert receiver.handle({"Idempotency-Key": "k"}, body)[0] == 401
    ts = str(int(clock.timestamp()))
    headers = {"Idempotency-Key": "k", "X-Tandem-Timestamp": ts, "X-Tandem-Signature": timestamped_signature(SECRET, ts, body)}
    assert receiver.handle(headers, body)[0] == 201
