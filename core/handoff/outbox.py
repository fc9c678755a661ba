"""The delivery outbox of the handoff store: items written with the change that causes them, leased, retried.

The outbox is written in the same transaction as the change that causes it, so a
handoff can never exist without its delivery being queued, whatever process dies
when. Workers lease items with a conditional UPDATE (works the same on SQLite and
PostgreSQL, and lets several Rasa instances share one outbox); a lease that is
not released (a killed worker) expires and the item is taken again. Each item
carries an idempotency key, so a tool that sees it twice can tell.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any, Dict, List, Mapping, Optional

from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from core import clock
from core.handoff.model import OutboxItem
from core.handoff.tables import HandoffRow, OutboxRow

MAX_BACKOFF_SECONDS = 300.0


class OutboxStore:
    """The outbox half of :class:`core.handoff.store.HandoffStore` (which provides ``_session``)."""

    _session: sessionmaker

    @staticmethod
    def _enqueue(session: Session, handoff_id: str, kind: str, payload: Mapping[str, Any], key: str, now: datetime) -> None:
        session.add(
            OutboxRow(
                handoff_id=handoff_id,
                kind=kind,
                payload=json.dumps(payload),
                idempotency_key=key,
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        )

    def lease_due(
        self, owner: str, limit: int = 10, lease_seconds: float = 60, now: Optional[datetime] = None
    ) -> List[OutboxItem]:
        """Take up to ``limit`` due items for ``owner``, oldest first, one per handoff at a time.

        Items of one handoff go out in order: an item is only due when no older item of the
        same handoff is still undelivered (a customer message must not overtake its packet)."""
        now = now or clock.utcnow()
        taken: List[OutboxItem] = []
        with self._session() as session:
            candidates = session.execute(
                select(OutboxRow)
                .where(OutboxRow.delivered_at.is_(None), OutboxRow.failed_at.is_(None))
                .order_by(OutboxRow.id)
                .limit(200)
            ).scalars()
            blocked = set()
            due = []
            for row in candidates:
                if row.handoff_id in blocked:
                    continue
                blocked.add(row.handoff_id)
                if row.next_attempt_at <= now and (row.lease_until is None or row.lease_until <= now):
                    due.append((row.id, row.lease_until))
        for item_id, old_lease in due[:limit]:
            with self._session.begin() as session:
                lease_condition = OutboxRow.lease_until.is_(None) if old_lease is None else OutboxRow.lease_until == old_lease
                result = session.execute(
                    update(OutboxRow)
                    .where(OutboxRow.id == item_id, OutboxRow.delivered_at.is_(None), lease_condition)
                    .values(lease_until=now + timedelta(seconds=lease_seconds), lease_owner=owner)
                )
                if result.rowcount != 1:
                    continue  # another worker took it
                row = session.get(OutboxRow, item_id)
                handoff = session.get(HandoffRow, row.handoff_id)
                taken.append(
                    OutboxItem(
                        id=row.id,
                        handoff_id=row.handoff_id,
                        conversation_id=handoff.conversation_id if handoff else "",
                        kind=row.kind,
                        payload=json.loads(row.payload),
                        idempotency_key=row.idempotency_key,
                        attempts=row.attempts,
                        remote=handoff.remote_refs() if handoff else {},
                    )
                )
        return taken

    def delivered(
        self, item_id: int, owner: str, refs: Optional[Mapping[str, Any]] = None, now: Optional[datetime] = None
    ) -> None:
        now = now or clock.utcnow()
        with self._session.begin() as session:
            row = session.get(OutboxRow, item_id)
            if row is None or row.delivered_at is not None:
                return
            row.delivered_at, row.lease_until, row.attempts, row.last_error = now, None, row.attempts + 1, None
            if refs:
                session.get(HandoffRow, row.handoff_id).merge_remote(refs)

    def failed(self, item_id: int, error: str, retryable: bool, now: Optional[datetime] = None) -> None:
        """Record a failed attempt: retry later with exponential backoff, or park it for an operator."""
        now = now or clock.utcnow()
        with self._session.begin() as session:
            row = session.get(OutboxRow, item_id)
            if row is None or row.delivered_at is not None:
                return
            row.attempts += 1
            row.last_error = error[:500]
            row.lease_until = None
            if retryable:
                row.next_attempt_at = now + timedelta(seconds=min(MAX_BACKOFF_SECONDS, 0.5 * 2 ** min(row.attempts, 12)))
            else:
                row.failed_at = now

    def outbox_state(self, handoff_id: Optional[str] = None) -> List[Dict[str, Any]]:
        with self._session() as session:
            query = select(OutboxRow).order_by(OutboxRow.id)
            if handoff_id:
                query = query.where(OutboxRow.handoff_id == handoff_id)
            return [
                {
                    "id": r.id,
                    "handoff_id": r.handoff_id,
                    "kind": r.kind,
                    "attempts": r.attempts,
                    "delivered": r.delivered_at is not None,
                    "failed": r.failed_at is not None,
                    "last_error": r.last_error,
                }
                for r in session.execute(query).scalars()
            ]

    def pending_count(self) -> int:
        with self._session() as session:
            return int(
                session.execute(
                    select(func.count())
                    .select_from(OutboxRow)
                    .where(and_(OutboxRow.delivered_at.is_(None), OutboxRow.failed_at.is_(None)))
                ).scalar_one()
            )
