"""The handoff store's tables (SQLAlchemy ORM): handoffs, their messages, the outbox, requests, agents, inbound events.

Times are naive UTC so SQLite and PostgreSQL agree.
"""

from __future__ import annotations

import json
from typing import Any, Dict, Mapping

from sqlalchemy import Boolean, Column, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import declarative_base

# SQLAlchemy 1.4 ships without types: the declarative base is Any to the type checker.
Base: Any = declarative_base()


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

    # ``remote`` is a JSON object of the live-chat connector's references (its ids for this handoff).
    def remote_refs(self) -> Dict[str, Any]:
        return json.loads(self.remote or "{}")

    def merge_remote(self, refs: Mapping[str, Any]) -> None:
        """Add or replace references, keeping the others (a connector learns them one delivery at a time)."""
        self.remote = json.dumps({**self.remote_refs(), **refs})


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
