"""Delivers the outbox to the live-chat tool: at least once, in order per handoff, with backoff.

Runs as a task inside each Rasa server process. Several processes can run it on one
database: items are leased (core/handoff/outbox.py), and a lease left by a
killed process expires. The connector is called in a worker thread, so a slow tool
never blocks the customers' event loop.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Awaitable, Callable, Optional

from connectors.handoff.livechat import DeliveryError, LiveChatConnector, OutboxItem
from core.handoff.store import HandoffStore

logger = logging.getLogger(__name__)

# Poll often: the time from the escalating message to the packet reaching the tool is a product target.
POLL_SECONDS = 0.2
# How long a worker holds an item it is delivering; ``livechat.lease_seconds`` in endpoints.yml.
LEASE_SECONDS = 60.0

# Called after each attempt: (item, delivered, retryable) -> awaitable; the relay tells the customer.
AttemptListener = Callable[[OutboxItem, bool, bool], Awaitable[None]]


class Dispatcher:
    def __init__(
        self,
        store: HandoffStore,
        connector: LiveChatConnector,
        on_attempt: Optional[AttemptListener] = None,
        lease_seconds: float = LEASE_SECONDS,
    ) -> None:
        self.store = store
        self.lease_seconds = lease_seconds
        self.connector = connector
        self.on_attempt = on_attempt
        self.owner = uuid.uuid4().hex[:12]
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Something was just queued: look now instead of at the next poll."""
        self._wake.set()

    async def run_forever(self) -> None:
        while True:
            try:
                await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database is down: keep trying, the outbox keeps everything
                logger.exception("handoff dispatcher: pass failed; retrying")
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=POLL_SECONDS)
            except asyncio.TimeoutError:
                pass
            self._wake.clear()

    async def run_once(self) -> int:
        items = await asyncio.to_thread(self.store.lease_due, self.owner, 10, self.lease_seconds)
        for item in items:
            await self._deliver(item)
        return len(items)

    async def _deliver(self, item: OutboxItem) -> None:
        try:
            refs = await asyncio.to_thread(self.connector.deliver, item)
        except DeliveryError as error:
            await asyncio.to_thread(self.store.failed, item.id, str(error), error.retryable)
            logger.warning(
                "handoff %s: %s delivery to %s failed (attempt %d, %s): %s",
                item.handoff_id,
                item.kind,
                self.connector.type_name,
                item.attempts + 1,
                "will retry" if error.retryable else "parked",
                error,
            )
            await self._notify(item, False, error.retryable)
            return
        except Exception as error:  # a connector bug must not stop the other deliveries
            logger.exception("handoff %s: %s delivery raised unexpectedly", item.handoff_id, item.kind)
            await asyncio.to_thread(self.store.failed, item.id, type(error).__name__, True)
            await self._notify(item, False, True)
            return
        if refs:
            refs = {"connector": self.connector.type_name, **refs}
        await asyncio.to_thread(self.store.delivered, item.id, self.owner, refs)
        await self._notify(item, True, False)

    async def _notify(self, item: OutboxItem, delivered: bool, retryable: bool) -> None:
        if self.on_attempt is None:
            return
        try:
            await self.on_attempt(item, delivered, retryable)
        except Exception:
            logger.exception("handoff %s: could not tell the customer about the delivery", item.handoff_id)
