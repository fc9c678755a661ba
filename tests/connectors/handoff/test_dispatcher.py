"""The dispatcher against a real handoff store and a pinned clock: leases, expiry, crashed workers."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import List

import pytest

from connectors.handoff.dispatcher import Dispatcher
from connectors.handoff.livechat import DeliveryError, OutboxItem
from core.handoff.store import HandoffStore

T0 = datetime(2026, 12, 8, 10, 30, tzinfo=timezone.utc)


class CountingTool:
    """A live-chat tool that counts every delivery it is sent (not only the first per key)."""

    type_name = "counting"

    def __init__(self) -> None:
        self.sent: List[str] = []
        self.down = False

    def deliver(self, item: OutboxItem) -> None:
        if self.down:
            raise DeliveryError("tool down", retryable=True)
        self.sent.append(item.idempotency_key)


@pytest.fixture
def store(tmp_path) -> HandoffStore:
    return HandoffStore(f"sqlite:///{tmp_path / 'handoff.db'}")


def packet() -> dict:
    return {"handoff_id": "x", "reason": {"code": "customer_request"}, "priority": "P3", "queue": "general"}


async def test_a_crashed_workers_item_is_delivered_once_after_its_lease_expires(store: HandoffStore, pin_clock) -> None:
    clock = pin_clock(T0)
    store.create("c1", "rest", packet())
    tool = CountingTool()
    crashed = Dispatcher(store, tool, lease_seconds=30)
    survivor = Dispatcher(store, tool, lease_seconds=30)

    taken = store.lease_due(crashed.owner, 10, 30)  # leased, then the process died before delivering
    assert len(taken) == 1
    assert await survivor.run_once() == 0  # still leased: not taken twice

    clock.advance(seconds=29)
    assert await survivor.run_once() == 0
    clock.advance(seconds=2)  # the lease has expired
    assert await survivor.run_once() == 1
    assert tool.sent == [taken[0].idempotency_key]

    clock.advance(seconds=3600)  # long after every lease: nothing is sent again
    assert await survivor.run_once() == 0
    assert await crashed.run_once() == 0
    assert tool.sent == [taken[0].idempotency_key]


async def test_a_late_finish_by_the_first_worker_does_not_resend(store: HandoffStore, pin_clock) -> None:
    """A worker slower than its lease: the item goes out again with the same idempotency key
    (at least once), and whichever finishes first marks it delivered for both."""
    clock = pin_clock(T0)
    store.create("c1", "rest", packet())
    tool = CountingTool()
    slow = store.lease_due("slow", 10, 30)
    clock.advance(seconds=31)
    fast = Dispatcher(store, tool, lease_seconds=30)
    assert await fast.run_once() == 1
    store.delivered(slow[0].id, "slow")  # the slow worker finishes afterwards

    (row,) = store.outbox_state()
    assert row["delivered"] and row["attempts"] == 1
    clock.advance(seconds=3600)
    assert await fast.run_once() == 0
    assert tool.sent == [slow[0].idempotency_key]


async def test_a_tool_that_is_down_is_retried_with_backoff_on_the_clock(store: HandoffStore, pin_clock) -> None:
    clock = pin_clock(T0)
    store.create("c1", "rest", packet())
    tool = CountingTool()
    tool.down = True
    dispatcher = Dispatcher(store, tool, lease_seconds=30)
    assert await dispatcher.run_once() == 1
    assert await dispatcher.run_once() == 0  # backing off
    tool.down = False
    clock.advance(seconds=2)
    assert await dispatcher.run_once() == 1
    assert len(tool.sent) == 1
    clock.advance(seconds=3600)
    assert await dispatcher.run_once() == 0
    assert len(tool.sent) == 1
