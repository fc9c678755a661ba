"""The knowledge-base store's tables (SQLAlchemy ORM): articles, every published version, sync runs, events.

Times are stored as naive UTC so SQLite and PostgreSQL agree.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import CheckConstraint, Column, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import declarative_base

# SQLAlchemy 1.4 ships without types: the declarative base is Any to the type checker.
Base: Any = declarative_base()


class ArticleRow(Base):
    """One row per article id ever published; ``status`` is the current version's, or ``retired`` once its file is gone."""

    __tablename__ = "kb_articles"

    id = Column(String(200), primary_key=True)
    status = Column(String(16), nullable=False)
    current_version = Column(Integer, nullable=False)
    retired_at = Column(DateTime, nullable=True)
    created_at = Column(DateTime, nullable=False)
    updated_at = Column(DateTime, nullable=False)


class VersionRow(Base):
    """Every version ever published, never updated or deleted: the audit trail of what customers could see."""

    __tablename__ = "kb_article_versions"
    __table_args__ = (UniqueConstraint("article_id", "version", name="uq_kb_article_versions_article_version"),)

    id = Column(Integer, primary_key=True, autoincrement=True)
    article_id = Column(String(200), ForeignKey("kb_articles.id"), nullable=False, index=True)
    version = Column(Integer, nullable=False)
    content_hash = Column(String(64), nullable=False)
    title = Column(Text, nullable=False)
    topics = Column(Text, nullable=False)  # JSON list of intent names
    short_answer = Column(Text, nullable=False)
    questions = Column(Text, nullable=False, default="[]")  # JSON list: how customers ask for it
    body = Column(Text, nullable=False)
    source_url = Column(Text, nullable=False)
    owner = Column(String(200), nullable=False)
    last_reviewed = Column(Date, nullable=False)
    review_by = Column(Date, nullable=False)
    status = Column(String(16), nullable=False)
    path = Column(Text, nullable=False)
    published_at = Column(DateTime, nullable=False)


class SyncRunRow(Base):
    """One row per sync; the id is the store's generation. Id lists and problems are JSON text."""

    __tablename__ = "kb_sync_runs"

    id = Column(Integer, primary_key=True, autoincrement=True)
    started_at = Column(DateTime, nullable=False)
    finished_at = Column(DateTime, nullable=False)
    published = Column(Text, nullable=False)
    unchanged = Column(Text, nullable=False)
    retired = Column(Text, nullable=False)
    rejected = Column(Text, nullable=False)
    problems = Column(Text, nullable=False)


class EventRow(Base):
    """What happened in conversations: an article served, a query nothing matched, a customer's verdict."""

    __tablename__ = "kb_events"
    __table_args__ = (CheckConstraint("kind IN ('served', 'no_match', 'verdict')", name="ck_kb_events_kind"),)

    id = Column(Integer, primary_key=True, autoincrement=True)
    at = Column(DateTime, nullable=False)
    kind = Column(String(16), nullable=False, index=True)
    article_id = Column(String(200), nullable=True)
    conversation_id = Column(String(255), nullable=False)
    query = Column(Text, nullable=True)
    intent = Column(String(100), nullable=True)
    verdict = Column(String(32), nullable=True)
