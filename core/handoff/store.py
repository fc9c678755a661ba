"""Handoffs, their messages and the delivery outbox, in any SQLAlchemy database.

What a handoff is and its lifecycle: core/handoff/model.py; the tables:
core/handoff/tables.py; the outbox and its leases: core/handoff/outbox.py.

Times are naive UTC so SQLite and PostgreSQL agree.

Errors: ``UnknownHandoff`` and ``InvalidTransition`` (core/handoff/model.py);
``sqlalchemy.exc.SQLAlchemyError`` when the database fails (not wrapped).
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, List, Mapping, Optional

from sqlalchemy import create_engine, func, select, update
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from core import clock, db
from core.escalation.risk_catalogue import FALLBACK_TEAM
from core.handoff.model import ACTIVE, CLOSED, MESSAGE_KINDS, PRIORITY_ORDER, Handoff, InvalidTransition, Message, UnknownHandoff
from core.handoff.outbox import OutboxStore
from core.handoff.tables import AgentRow, Base, HandoffRequestRow, HandoffRow, InboundEventRow, MessageRow


def _handoff(row: HandoffRow) -> Handoff:
    return Handoff(
        id=row.id,
        conversation_id=row.conversation_id,
        channel=row.channel,
        status=row.status,
        reason=row.reason,
        priority=row.priority,
        queue=row.queue,
        packet=json.loads(row.packet),
        remote=row.remote_refs(),
        agent_id=row.agent_id,
        agent_name=row.agent_name,
        after_hours=bool(row.after_hours),
        follow_up_email=row.follow_up_email,
        told_position=row.told_position,
        satisfaction=row.satisfaction,
        created_at=row.created_at,
        assigned_at=row.assigned_at,
        closed_at=row.closed_at,
    )


def _message(row: MessageRow) -> Message:
    return Message(row.id, row.handoff_id, row.kind, row.author, row.text, row.created_at)


def _engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # Two processes (action server, Rasa server) write this file: wait for the lock instead of failing.
        return db.create_engine(url, connect_args={"timeout": 15}, future=True)
    return create_engine(url, pool_pre_ping=True, future=True)


class HandoffStore(OutboxStore):
    def __init__(self, url: str) -> None:
        self.engine = _engine(url)
        Base.metadata.create_all(self.engine)
        self._session = sessionmaker(self.engine, future=True, expire_on_commit=False)

    # --- handoffs -----------------------------------------------------------------

    def create(
        self,
        conversation_id: str,
        channel: Optional[str],
        packet: Mapping[str, Any],
        *,
        after_hours: bool = False,
        told_position: Optional[int] = None,
        handoff_id: Optional[str] = None,
        client_key: Optional[str] = None,
        now: Optional[datetime] = None,
    ) -> Handoff:
        """A new queued handoff and its ``handoff`` outbox item, in one transaction.

        If the conversation already has an active handoff, that one is returned and nothing
        is written: a customer who asks twice is not queued twice."""
        now = now or clock.utcnow()
        with self._session.begin() as session:
            existing = self._active_row(session, conversation_id)
            if existing is not None:
                return _handoff(existing)
            handoff_id = handoff_id or uuid.uuid4().hex
            priority = str(packet.get("priority") or "P3")
            row = HandoffRow(
                id=handoff_id,
                conversation_id=conversation_id,
                channel=channel,
                status="queued",
                reason=str((packet.get("reason") or {}).get("code") or "customer_request"),
                priority=priority,
                priority_rank=PRIORITY_ORDER.get(priority, 3),
                queue=str(packet.get("queue") or FALLBACK_TEAM),
                packet=json.dumps(packet),
                remote="{}",
                after_hours=after_hours,
                told_position=told_position,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            if client_key:
                session.add(HandoffRequestRow(client_key=client_key[:64], handoff_id=handoff_id, created_at=now))
            self._enqueue(session, handoff_id, "handoff", {"packet": dict(packet)}, f"{handoff_id}:handoff", now)
            return _handoff(row)

    def recent_handoffs(
        self, *, client_key: Optional[str] = None, conversation_id: Optional[str] = None, within_seconds: float, now=None
    ) -> int:
        """Handoffs created within the window by one client (network address) or for one conversation."""
        since = (now or clock.utcnow()) - timedelta(seconds=within_seconds)
        with self._session() as session:
            if client_key is not None:
                query = (
                    select(func.count())
                    .select_from(HandoffRequestRow)
                    .where(HandoffRequestRow.client_key == client_key[:64], HandoffRequestRow.created_at >= since)
                )
            else:
                query = (
                    select(func.count())
                    .select_from(HandoffRow)
                    .where(HandoffRow.conversation_id == conversation_id, HandoffRow.created_at >= since)
                )
            return int(session.execute(query).scalar_one())

    def get(self, handoff_id: str) -> Handoff:
        with self._session() as session:
            row = session.get(HandoffRow, handoff_id)
            if row is None:
                raise UnknownHandoff(handoff_id)
            return _handoff(row)

    def active_for(self, conversation_id: str) -> Optional[Handoff]:
        with self._session() as session:
            row = self._active_row(session, conversation_id)
            return _handoff(row) if row is not None else None

    def latest_for(self, conversation_id: str) -> Optional[Handoff]:
        with self._session() as session:
            row = session.execute(
                select(HandoffRow)
                .where(HandoffRow.conversation_id == conversation_id)
                .order_by(HandoffRow.created_at.desc())
                .limit(1)
            ).scalar_one_or_none()
            return _handoff(row) if row is not None else None

    @staticmethod
    def _active_row(session: Session, conversation_id: str) -> Optional[HandoffRow]:
        return session.execute(
            select(HandoffRow).where(HandoffRow.conversation_id == conversation_id, HandoffRow.status.in_(ACTIVE)).limit(1)
        ).scalar_one_or_none()

    def find_remote(self, connector: str, key: str, value: Any) -> Handoff:
        """The handoff whose remote reference ``key`` (set by ``connector``) is ``value``.

        Remote references are few per handoff and lookups rare (one per inbound webhook),
        so a scan of the recent handoffs' JSON is enough and portable across databases."""
        needle = json.dumps(value)
        with self._session() as session:
            rows = session.execute(
                select(HandoffRow).where(HandoffRow.remote.contains(needle)).order_by(HandoffRow.created_at.desc()).limit(50)
            ).scalars()
            for row in rows:
                remote = row.remote_refs()
                if remote.get(key) == value and remote.get("connector", connector) == connector:
                    return _handoff(row)
        raise UnknownHandoff(f"{connector}:{key}={value}")

    def merge_remote(self, handoff_id: str, refs: Mapping[str, Any]) -> None:
        with self._session.begin() as session:
            row = session.get(HandoffRow, handoff_id, with_for_update=True)
            if row is None:
                raise UnknownHandoff(handoff_id)
            row.merge_remote(refs)

    def assign(self, handoff_id: str, agent_id: str, agent_name: str, now: Optional[datetime] = None) -> Handoff:
        """Claim: queued -> assigned. Claiming again by the same agent is a no-op; by another agent it is a conflict."""
        now = now or clock.utcnow()
        with self._session.begin() as session:
            row = session.get(HandoffRow, handoff_id, with_for_update=True)
            if row is None:
                raise UnknownHandoff(handoff_id)
            if row.status == "assigned" and row.agent_id == agent_id:
                return _handoff(row)
            if row.status != "queued":
                holder = f" by {row.agent_name}" if row.status == "assigned" else ""
                raise InvalidTransition(f"handoff {handoff_id} is {row.status}{holder}")
            row.status, row.agent_id, row.agent_name, row.assigned_at, row.updated_at = "assigned", agent_id, agent_name, now, now
            return _handoff(row)

    def close(self, handoff_id: str, status: str, now: Optional[datetime] = None) -> Handoff:
        if status not in CLOSED:
            raise InvalidTransition(f"{status!r} is not a closing status ({', '.join(CLOSED)})")
        now = now or clock.utcnow()
        with self._session.begin() as session:
            row = session.get(HandoffRow, handoff_id, with_for_update=True)
            if row is None:
                raise UnknownHandoff(handoff_id)
            if row.status not in ACTIVE:
                raise InvalidTransition(f"handoff {handoff_id} is already {row.status}")
            row.status, row.closed_at, row.updated_at = status, now, now
            self._enqueue(session, handoff_id, "closed", {"status": status}, f"{handoff_id}:closed", now)
            return _handoff(row)

    def set_fields(self, handoff_id: str, **values: Any) -> None:
        allowed = {"follow_up_email", "satisfaction", "told_position"}
        if set(values) - allowed:
            raise ValueError(f"only {sorted(allowed)} can be set")
        with self._session.begin() as session:
            row = session.get(HandoffRow, handoff_id)
            if row is None:
                raise UnknownHandoff(handoff_id)
            for key, value in values.items():
                setattr(row, key, value)
            row.updated_at = clock.utcnow()

    def claim_position_update(self, handoff_id: str, told: Optional[int], position: int) -> bool:
        """Compare-and-set of the position last told to the customer, so only one instance tells them."""
        with self._session.begin() as session:
            condition = HandoffRow.told_position.is_(None) if told is None else HandoffRow.told_position == told
            result = session.execute(
                update(HandoffRow)
                .where(HandoffRow.id == handoff_id, HandoffRow.status == "queued", condition)
                .values(told_position=position)
            )
            return result.rowcount == 1

    def queue(self) -> List[Handoff]:
        """Active handoffs, most urgent first: priority, then age."""
        with self._session() as session:
            rows = session.execute(
                select(HandoffRow).where(HandoffRow.status.in_(ACTIVE)).order_by(HandoffRow.priority_rank, HandoffRow.created_at)
            ).scalars()
            return [_handoff(row) for row in rows]

    def position(self, handoff_id: str) -> Optional[int]:
        """1-based place among queued handoffs (None once assigned or closed)."""
        queued = [h.id for h in self.queue() if h.status == "queued"]
        return queued.index(handoff_id) + 1 if handoff_id in queued else None

    def recent_handle_minutes(self, sample: int) -> List[float]:
        """Minutes from assignment to close of the latest finished handoffs."""
        with self._session() as session:
            rows = session.execute(
                select(HandoffRow.assigned_at, HandoffRow.closed_at)
                .where(HandoffRow.assigned_at.is_not(None), HandoffRow.closed_at.is_not(None))
                .order_by(HandoffRow.closed_at.desc())
                .limit(sample)
            ).all()
            return [max((closed - assigned).total_seconds() / 60, 0.0) for assigned, closed in rows]

    # --- messages ---------------------------------------------------------------------

    def add_message(
        self,
        handoff_id: str,
        kind: str,
        text: str,
        author: Optional[str] = None,
        relay: bool = False,
        now: Optional[datetime] = None,
    ) -> Message:
        """Record a message; ``relay`` also queues a customer message for the live-chat tool."""
        if kind not in MESSAGE_KINDS:
            raise ValueError(f"message kind must be one of {MESSAGE_KINDS}")
        now = now or clock.utcnow()
        with self._session.begin() as session:
            if session.get(HandoffRow, handoff_id) is None:
                raise UnknownHandoff(handoff_id)
            row = MessageRow(handoff_id=handoff_id, kind=kind, author=author, text=text, created_at=now)
            session.add(row)
            session.flush()
            if relay:
                payload = {"text": text, "sent_at": now.replace(tzinfo=timezone.utc).isoformat()}
                self._enqueue(session, handoff_id, "customer_message", payload, f"{handoff_id}:message:{row.id}", now)
            return _message(row)

    def messages(self, handoff_id: str, after_id: int = 0) -> List[Message]:
        with self._session() as session:
            rows = session.execute(
                select(MessageRow).where(MessageRow.handoff_id == handoff_id, MessageRow.id > after_id).order_by(MessageRow.id)
            ).scalars()
            return [_message(row) for row in rows]

    # --- agents and inbound events ----------------------------------------------------

    def agent_seen(self, agent_id: str, name: str, now: Optional[datetime] = None) -> None:
        now = now or clock.utcnow()
        with self._session.begin() as session:
            row = session.get(AgentRow, agent_id)
            if row is None:
                session.add(AgentRow(agent_id=agent_id, name=name, last_seen=now))
            else:
                row.name, row.last_seen = name, now

    def agents_online(self, within_seconds: float, now: Optional[datetime] = None) -> int:
        since = (now or clock.utcnow()) - timedelta(seconds=within_seconds)
        with self._session() as session:
            return int(
                session.execute(select(func.count()).select_from(AgentRow).where(AgentRow.last_seen >= since)).scalar_one()
            )

    def first_time_seen(self, source: str, event_id: str) -> bool:
        """Record an inbound event id; False when it was recorded before."""
        try:
            with self._session.begin() as session:
                session.add(InboundEventRow(source=source, event_id=event_id[:200], seen_at=clock.utcnow()))
        except IntegrityError:
            return False
        return True

    def forget_event(self, source: str, event_id: str) -> None:
        with self._session.begin() as session:
            row = session.get(InboundEventRow, (source, event_id[:200]))
            if row is not None:
                session.delete(row)
