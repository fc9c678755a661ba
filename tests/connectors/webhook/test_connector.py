"""Outbound: ``WebhookConnector`` delivers outbox items, signed, to a tiny local receiver,
and classifies its errors for the dispatcher."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler
from typing import Any, ClassVar, Dict, Iterator, List, Optional, Tuple

import pytest

from connectors.handoff.livechat import DeliveryError, OutboxItem
from connectors.signing import SignatureError, timestamped_signature, verify_timestamped
from connectors.webhook import WebhookConnector
from core import clock
from tests.fakes.http import LoopbackHTTPFake, read_request, reply

SECRET = "shared-webhook-secret-0123456789"
HANDOFF = "h-42"
PACKET = {"handoff_id": HANDOFF, "customer": {"id": "cus_0123456789abcdef"}, "priority": "P2"}


# --- a receiver as a tool would run it ------------------------------------------------------------


@dataclass
class Receiver(LoopbackHTTPFake):
    """Verifies Tandem's signature, honours ``Idempotency-Key`` (a repeat is acknowledged, not redone)."""

    secret: str = SECRET
    answers: List[int] = field(default_factory=list)  # statuses to answer next, before behaving normally
    delay: float = 0.0
    received: List[Dict[str, Any]] = field(default_factory=list)
    handoffs: Dict[str, Dict[str, Any]] = field(default_factory=dict)  # by idempotency key
    rejected: List[str] = field(default_factory=list)

    thread_name: ClassVar[str] = "webhook-receiver"

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"{self.origin}/tandem/handoffs"

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        _, body, _ = read_request(request)
        status, answer = self.handle(request.headers, body)
        reply(request, status, answer, content_type="application/json")  # Tandem may have timed out first: no error

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


def test_the_receiver_in_these_tests_checks_signatures() -> None:
    """Guard: a receiver that accepted anything would make the delivery tests meaningless."""
    receiver = Receiver()
    body = b'{"idempotency_key": "k"}'
    assert receiver.handle({"Idempotency-Key": "k"}, body)[0] == 401
    ts = str(int(clock.timestamp()))
    headers = {"Idempotency-Key": "k", "X-Tandem-Timestamp": ts, "X-Tandem-Signature": timestamped_signature(SECRET, ts, body)}
    assert receiver.handle(headers, body)[0] == 201
