"""The handoff store: lifecycle, one active handoff per conversation, and the outbox."""

from __future__ import annotations

import os
import uuid
from datetime import datetime, timedelta
from typing import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from core.handoff.model import InvalidTransition, UnknownHandoff
from core.handoff.store import HandoffStore

T0 = datetime(2026, 11, 23, 10, 0, 0)
POSTGRES_URL = os.environ.get("TANDEM_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def packet(priority: str = "P3", reason: str = "customer_request", queue: str = "general") -> dict:
    return {"priority": priority, "reason": {"code": reason, "explanation": "why"}, "queue": queue}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request, tmp_path) -> Iterator[HandoffStore]:
    """Every contract runs on SQLite (the default) and on PostgreSQL (production), in a fresh schema."""
    if request.param == "sqlite":
        yield HandoffStore(f"sqlite:///{tmp_path / 'handoff.db'}")
        return
    name = f"handoff_test_{uuid.uuid4().hex[:12]}"
    engine = create_engine(POSTGRES_URL, future=True)
    try:
        with engine.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{name}"'))
    except OperationalError as error:
        engine.dispose()
        pytest.fail(f"PostgreSQL is not reachable at {POSTGRES_URL} (set TANDEM_TEST_POSTGRES_URL): {error}", pytrace=False)
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={name}"})
    store = HandoffStore(url.render_as_string(hide_password=False))
    yield store
    store.engine.dispose()
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
    engine.dispose()


def test_a_new_handoff_is_queued_with_its_delivery_in_the_outbox(store: HandoffStore) -> None:
    handoff = store.create("c1", "socketio", packet(), now=T0)
    assert handoff.status == "queued"
    assert [(o["kind"], o["delivered"]) for o in store.outbox_state(handoff.id)] == [("handoff", False)]


def test_asking_twice_does_not_queue_twice(store: HandoffStore) -> None:
    first = store.create("c1", "socketio", packet(), now=T0)
    second = store.create("c1", "socketio", packet("P1"), now=T0 + timedelta(seconds=5))
    assert second.id == first.id
    assert len(store.queue()) == 1
    assert len(store.outbox_state()) == 1


def test_the_queue_is_ordered_by_priority_then_age(store: HandoffStore) -> None:
    old_low = store.create("c1", None, packet("P3"), now=T0)
    new_high = store.create("c2", None, packet("P1"), now=T0 + timedelta(minutes=5))
    old_mid = store.create("c3", None, packet("P2"), now=T0 + timedelta(minutes=1))
    newer_high = store.create("c4", None, packet("P1"), now=T0 + timedelta(minutes=6))
    assert [h.id for h in store.queue()] == [new_high.id, newer_high.id, old_mid.id, old_low.id]
    assert store.position(old_low.id) == 4
    store.assign(new_high.id, "a1", "Sam")
    assert store.position(old_low.id) == 3
    assert store.position(new_high.id) is None


def test_lifecycle_and_invalid_transitions(store: HandoffStore) -> None:
    handoff = store.create("c1", None, packet(), now=T0)
    assert store.assign(handoff.id, "a1", "Sam").status == "assigned"
    assert store.assign(handoff.id, "a1", "Sam").agent_name == "Sam"  # same agent again: no-op
    with pytest.raises(InvalidTransition, match="assigned by Sam"):
        store.assign(handoff.id, "a2", "Alex")
    assert store.close(handoff.id, "returned_to_bot").status == "returned_to_bot"
    with pytest.raises(InvalidTransition):
        store.close(handoff.id, "resolved")
    with pytest.raises(InvalidTransition):
        store.assign(handoff.id, "a1", "Sam")
    with pytest.raises(UnknownHandoff):
        store.get("nope")
    # Closed: the conversation can be handed off again later.
    assert store.active_for("c1") is None
    assert store.create("c1", None, packet()).id != handoff.id


def test_closing_status_must_be_a_closing_one(store: HandoffStore) -> None:
    handoff = store.create("c1", None, packet())
    with pytest.raises(InvalidTransition):
        store.close(handoff.id, "queued")


def test_outbox_delivers_in_order_per_handoff_and_only_once(store: HandoffStore) -> None:
    handoff = store.create("c1", None, packet(), now=T0)
    store.add_message(handoff.id, "customer", "still there?", relay=True, now=T0)
    first = store.lease_due("w1", now=T0)
    assert [i.kind for i in first] == ["handoff"]  # the message waits for its packet
    assert store.lease_due("w2", now=T0) == []  # leased: nobody else takes it
    store.delivered(first[0].id, "w1", {"connector": "x", "conversation_id": 7})
    second = store.lease_due("w1", now=T0)
    assert [(i.kind, i.payload["text"]) for i in second] == [("customer_message", "still there?")]
    assert second[0].remote == {"connector": "x", "conversation_id": 7}
    store.delivered(second[0].id, "w1")
    store.delivered(second[0].id, "w1")  # a duplicate acknowledgement changes nothing
    assert store.lease_due("w1", now=T0 + timedelta(hours=1)) == []
    assert store.pending_count() == 0


def test_a_failed_delivery_backs_off_and_a_fatal_one_is_parked(store: HandoffStore) -> None:
    handoff = store.create("c1", None, packet(), now=T0)
    item = store.lease_due("w1", now=T0)[0]
    store.failed(item.id, "503 from the tool", retryable=True, now=T0)
    assert store.lease_due("w1", now=T0) == []  # backing off
    again = store.lease_due("w1", now=T0 + timedelta(seconds=2))
    assert [i.attempts for i in again] == [1]
    store.failed(again[0].id, "401 bad token", retryable=False, now=T0)
    assert store.lease_due("w1", now=T0 + timedelta(hours=1)) == []
    assert store.outbox_state(handoff.id)[0]["failed"] is True


def test_an_expired_lease_is_taken_again(store: HandoffStore) -> None:
    """A worker killed mid-delivery does not lose the item."""
    store.create("c1", None, packet(), now=T0)
    assert store.lease_due("dead-worker", lease_seconds=30, now=T0)
    retaken = store.lease_due("w2", lease_seconds=30, now=T0 + timedelta(seconds=31))
    assert [i.kind for i in retaken] == ["handoff"]


def test_remote_references_find_the_handoff(store: HandoffStore) -> None:
    handoff = store.create("c1", None, packet())
    store.merge_remote(handoff.id, {"connector": "chatwoot", "conversation_id": 42})
    assert store.find_remote("chatwoot", "conversation_id", 42).id == handoff.id
    with pytest.raises(UnknownHandoff):
        store.find_remote("chatwoot", "conversation_id", 4)
    with pytest.raises(UnknownHandoff):
        store.find_remote("slack", "conversation_id", 42)


def test_inbound_events_are_recognised_when_retried(store: HandoffStore) -> None:
    assert store.first_time_seen("chatwoot", "delivery-1") is True
    assert store.first_time_seen("chatwoot", "delivery-1") is False
    assert store.first_time_seen("slack", "delivery-1") is True


def test_only_one_instance_tells_a_new_queue_position(store: HandoffStore) -> None:
    handoff = store.create("c1", None, packet(), told_position=3)
    assert store.claim_position_update(handoff.id, 3, 2) is True
    assert store.claim_position_update(handoff.id, 3, 2) is False  # the other instance lost the race


def test_agents_online_and_handle_times(store: HandoffStore) -> None:
    store.agent_seen("a1", "Sam", now=T0)
    store.agent_seen("a2", "Alex", now=T0 - timedelta(minutes=5))
    assert store.agents_online(60, now=T0) == 1
    handoff = store.create("c1", None, packet(), now=T0)
    store.assign(handoff.id, "a1", "Sam", now=T0)
    store.close(handoff.id, "resolved", now=T0 + timedelta(minutes=8))
    assert store.recent_handle_minutes(10) == [8.0]


def test_messages_are_kept_in_order(store: HandoffStore) -> None:
    handoff = store.create("c1", None, packet())
    first = store.add_message(handoff.id, "customer", "hello")
    store.add_message(handoff.id, "agent", "Hi, Sam here", author="Sam")
    store.add_message(handoff.id, "note", "checked the order", author="Sam")
    assert [m.kind for m in store.messages(handoff.id)] == ["customer", "agent", "note"]
    assert [m.text for m in store.messages(handoff.id, after_id=first.id)] == ["Hi, Sam here", "checked the order"]
    with pytest.raises(ValueError):
        store.add_message(handoff.id, "shout", "x")
    with pytest.raises(UnknownHandoff):
        store.add_message("nope", "customer", "x")
