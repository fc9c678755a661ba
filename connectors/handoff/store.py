"""Handoffs, their messages and the delivery outbox, in any SQLAlchemy database.

Lifecycle of a handoff: ``queued`` (waiting for a person) -> ``assigned`` (an agent
claimed it) -> ``resolved`` / ``returned_to_bot`` / ``abandoned``. At most one
handoff per conversation is active (queued or assigned) at a time.

The outbox is written in the same transaction as the change that causes it, so a
handoff can never exist without its delivery being queued, whatever process dies
when. Workers lease items with a conditional UPDATE (works the same on SQLite and
PostgreSQL, and lets several Rasa instances share one outbox); a lease that is
not released (a killed worker) expires and the item is taken again. Each item
carries an idempotency key, so a tool that sees it twice can tell.

Times are naive UTC so SQLite and PostgreSQL agree.

Errors: ``UnknownHandoff`` and ``InvalidTransition`` (connectors/handoff/livechat.py);
``sqlalchemy.exc.SQLAlchemyError`` when the database fails (not wrapped).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Mapping, Optional

from sqlalchemy import Boolean, Column, DateTime, Index, Integer, String, Text, and_, create_engine, func, select, update
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, declarative_base, sessionmaker

from connectors.handoff.livechat import InvalidTransition, OutboxItem, UnknownHandoff
from core import clock, db

STATUSES = ("queued", "assigned", "resolved", "returned_to_bot", "abandoned")
ACTIVE = ("queued", "assigned")
CLOSED = ("resolved", "returned_to_bot", "abandoned")
PRIORITY_ORDER = {"P1": 1, "P2": 2, "P3": 3}
MESSAGE_KINDS = ("customer", "agent", "note", "system")
MAX_BACKOFF_SECONDS = 300.0

Base = declarative_base()


def utcnow() -> datetime:
    return clock.utcnow()


class HandoffRow(Base):
    __tablename__ = "handoffs"

    id = Column(String(64), primary_key=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(64), nullable=True)
    status = Column(String(20), nullable=False, index=True)
    reason = Column(String(40), nullable=False)
    priority = Column(String(2), nullable=False)
    priority_rank = Column(Integer, nullable=False)
    queue = Column(String(40), nullable=False)
    packet = Column(Text, nullable=False)
    remote = Column(Text, nullable=False, default="{}")
    agent_id = Column(String(128), nullable=True)
    agent_name = Column(String(128), nullable=True)
    after_hours = Column(Boolean, nullable=False, default=False)
    follow_up_email = Column(String(320), nullable=True)
    told_position = Column(Integer, nullable=True)
    satisfaction = Column(String(16), nullable=True)
    created_at = Column(DateTime, nullable=False)
    assigned_at = Column(DateTime, nullable=True)
    closed_at = Column(DateTime, nullable=True)
    updated_at = Column(DateTime, nullable=False)


class MessageRow(Base):
    __tablename__ = "handoff_messages"

    id = Column(Integer, primary_key=True, autoincrement=True)
    handoff_id = Column(String(64), nullable=False, index=True)
    kind = Column(String(16), nullable=False)
    author = Column(String(128), nullable=True)
    text = Column(Text, nullable=False)
    created_at = Column(DateTime, nullable=False)


class OutboxRow(Base):
    __tablename__ = "handoff_outbox"

    id = Column(Integer, primary_key=True, autoincrement=True)
    handoff_id = Column(String(64), nullable=False, index=True)
    kind = Column(String(32), nullable=False)
    payload = Column(Text, nullable=False)
    idempotency_key = Column(String(128), nullable=False, unique=True)
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(DateTime, nullable=False)
    lease_until = Column(DateTime, nullable=True)
    lease_owner = Column(String(64), nullable=True)
    delivered_at = Column(DateTime, nullable=True)
    failed_at = Column(DateTime, nullable=True)
    last_error = Column(String(500), nullable=True)
    created_at = Column(DateTime, nullable=False)

    __table_args__ = (Index("ix_outbox_due", "delivered_at", "failed_at", "next_attempt_at"),)


class HandoffRequestRow(Base):
    """Which client (a pseudonym of its network address) asked for each handoff: the per-client limit."""

    __tablename__ = "handoff_requests"

    id = Column(Integer, primary_key=True, autoincrement=True)
    client_key = Column(String(64), nullable=False)
    handoff_id = Column(String(64), nullable=False)
    created_at = Column(DateTime, nullable=False)

    __table_args__ = (Index("ix_handoff_requests_client", "client_key", "created_at"),)


class AgentRow(Base):
    """Desk agents seen recently: "is anybody online" for waiting estimates."""

    __tablename__ = "handoff_agents"

    agent_id = Column(String(128), primary_key=True)
    name = Column(String(128), nullable=False)
    last_seen = Column(DateTime, nullable=False)


class InboundEventRow(Base):
    """Ids of webhook deliveries already processed, so a retried delivery is not applied twice."""

    __tablename__ = "handoff_inbound_events"

    source = Column(String(32), primary_key=True)
    event_id = Column(String(200), primary_key=True)
    seen_at = Column(DateTime, nullable=False)


@dataclass(frozen=True)
class Handoff:
    id: str
    conversation_id: str
    channel: Optional[str]
    status: str
    reason: str
    priority: str
    queue: str
    packet: Dict[str, Any]
    remote: Dict[str, Any]
    agent_id: Optional[str]
    agent_name: Optional[str]
    after_hours: bool
    follow_up_email: Optional[str]
    told_position: Optional[int]
    satisfaction: Optional[str]
    created_at: datetime
    assigned_at: Optional[datetime]
    closed_at: Optional[datetime]

    @property
    def active(self) -> bool:
        return self.status in ACTIVE


@dataclass(frozen=True)
class Message:
    id: int
    handoff_id: str
    kind: str
    author: Optional[str]
    text: str
    created_at: datetime


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
        remote=json.loads(row.remote or "{}"),
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
            from pathlib import Path

            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # Two processes (action server, Rasa server) write this file: wait for the lock instead of failing.
        return db.create_engine(url, connect_args={"timeout": 15}, future=True)
    return create_engine(url, pool_pre_ping=True, future=True)


class HandoffStore:
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
        now = now or utcnow()
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
                queue=str(packet.get("queue") or "general"),
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
        since = (now or utcnow()) - timedelta(seconds=within_seconds)
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
                remote = json.loads(row.remote or "{}")
                if remote.get(key) == value and remote.get("connector", connector) == connector:
                    return _handoff(row)
        raise UnknownHandoff(f"{connector}:{key}={value}")

    def merge_remote(self, handoff_id: str, refs: Mapping[str, Any]) -> None:
        with self._session.begin() as session:
            row = session.get(HandoffRow, handoff_id, with_for_update=True)
            if row is None:
                raise UnknownHandoff(handoff_id)
            remote = json.loads(row.remote or "{}")
            remote.update(refs)
            row.remote = json.dumps(remote)

    def assign(self, handoff_id: str, agent_id: str, agent_name: str, now: Optional[datetime] = None) -> Handoff:
        """Claim: queued -> assigned. Claiming again by the same agent is a no-op; by another agent it is a conflict."""
        now = now or utcnow()
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
        now = now or utcnow()
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
            row.updated_at = utcnow()

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
        now = now or utcnow()
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
        now = now or utcnow()
        with self._session.begin() as session:
            row = session.get(AgentRow, agent_id)
            if row is None:
                session.add(AgentRow(agent_id=agent_id, name=name, last_seen=now))
            else:
                row.name, row.last_seen = name, now

    def agents_online(self, within_seconds: float, now: Optional[datetime] = None) -> int:
        since = (now or utcnow()) - timedelta(seconds=within_seconds)
        with self._session() as session:
            return int(
                session.execute(select(func.count()).select_from(AgentRow).where(AgentRow.last_seen >= since)).scalar_one()
            )

    def first_time_seen(self, source: str, event_id: str) -> bool:
        """Record an inbound event id; False when it was recorded before."""
        try:
            with self._session.begin() as session:
                session.add(InboundEventRow(source=source, event_id=event_id[:200], seen_at=utcnow()))
        except IntegrityError:
            return False
        return True

    def forget_event(self, source: str, event_id: str) -> None:
        with self._session.begin() as session:
            row = session.get(InboundEventRow, (source, event_id[:200]))
            if row is not None:
                session.delete(row)

    # --- outbox -------------------------------------------------------------------------

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
        now = now or utcnow()
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
                        remote=json.loads(handoff.remote or "{}") if handoff else {},
                    )
                )
        return taken

    def delivered(
        self, item_id: int, owner: str, refs: Optional[Mapping[str, Any]] = None, now: Optional[datetime] = None
    ) -> None:
        now = now or utcnow()
        with self._session.begin() as session:
            row = session.get(OutboxRow, item_id)
            if row is None or row.delivered_at is not None:
                return
            row.delivered_at, row.lease_until, row.attempts, row.last_error = now, None, row.attempts + 1, None
            if refs:
                handoff = session.get(HandoffRow, row.handoff_id)
                remote = json.loads(handoff.remote or "{}")
                remote.update(refs)
                handoff.remote = json.dumps(remote)

    def failed(self, item_id: int, error: str, retryable: bool, now: Optional[datetime] = None) -> None:
        """Record a failed attempt: retry later with exponential backoff, or park it for an operator."""
        now = now or utcnow()
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
