"""The published knowledge base: articles with their full version history, and what happened when serving them.

Editors write ``data/kb/*.md``; the assistant serves from this store. :meth:`KnowledgeStore.sync`
copies validated articles in and is built so that no edit can take an answer away by accident:

- a file that fails validation is rejected and its last good version stays current and servable;
- changed content without a higher ``version`` is rejected (two different texts must never share a
  version number, or "which version did the customer see" has no answer);
- a deleted file retires its article but keeps every version; the file coming back revives it;
- every run is recorded in ``kb_sync_runs``, whose latest id (:meth:`KnowledgeStore.generation`)
  tells readers such as a retrieval index when to rebuild.

Events (served, no match, verdict) are stored for the content report; free-text queries are
redacted before they are written, because customers type card numbers and passwords into chat
boxes: first by :func:`core.redaction.redact` (cards, CVVs, passwords, one-time codes, IBANs, each
replaced by a label saying what was removed), then by stricter rules that only an analytics table
can afford (emails, runs of 8+ digits, anything after "password").

Times are stored as naive UTC so SQLite and PostgreSQL agree.

Errors:

- ``FileNotFoundError`` from :meth:`KnowledgeStore.sync` when the article directory does not exist
  (nothing is retired, nothing is written).
- ``ValueError`` from :meth:`KnowledgeStore.record_verdict` for an empty verdict or one longer than 32 characters.
- ``sqlalchemy.exc.SQLAlchemyError`` when the database is unreachable or refuses a write; it is not
  wrapped, and a failed sync changes nothing (one transaction).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Optional

from sqlalchemy import func, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from actions.knowledge.articles import Article, ArticleProblem, FileCheck, check_directory
from actions.knowledge.query_redaction import redact
from actions.knowledge.reports import ArticleSummary, KnowledgeReport, SyncReport, UnansweredQuery, VerdictCount
from actions.knowledge.tables import ArticleRow, Base, EventRow, SyncRunRow, VersionRow
from core import clock, db

EVENT_KINDS = ("served", "no_match", "verdict")
MAX_VERDICT_LENGTH = 32

# -- the store ----------------------------------------------------------------------------------


def _now() -> datetime:
    return clock.utcnow()


def _to_article(row: VersionRow) -> Article:
    return Article(
        id=row.article_id,
        title=row.title,
        topics=tuple(json.loads(row.topics)),
        short_answer=row.short_answer,
        body=row.body,
        source_url=row.source_url,
        owner=row.owner,
        last_reviewed=row.last_reviewed,
        review_by=row.review_by,
        status=row.status,
        version=row.version,
        path=row.path,
        questions=tuple(json.loads(row.questions or "[]")),
    )


def _version_row(article: Article, now: datetime) -> VersionRow:
    return VersionRow(
        article_id=article.id,
        version=article.version,
        content_hash=article.content_hash,
        title=article.title,
        topics=json.dumps(list(article.topics)),
        short_answer=article.short_answer,
        questions=json.dumps(list(article.questions)),
        body=article.body,
        source_url=article.source_url,
        owner=article.owner,
        last_reviewed=article.last_reviewed,
        review_by=article.review_by,
        status=article.status,
        path=article.path,
        published_at=now,
    )


def _is_stale_and_approved(article: Article, today: date) -> bool:
    """Stale drafts are not news; a stale approved article is an answer customers can no longer get."""
    return article.status == "approved" and article.is_stale(today)


def _summary(article: Article) -> ArticleSummary:
    return ArticleSummary(article.id, article.title, article.owner, article.review_by)


class KnowledgeStore:
    """Articles and events in one SQL database (SQLite or PostgreSQL), reached through ``url``.

    Nothing is opened until first use, so constructing a store is free at import or config time;
    the tables are created then, if missing.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: Optional[Engine] = None
        self._sessions: Optional[sessionmaker] = None

    def __repr__(self) -> str:
        return f"KnowledgeStore({make_url(self.url).render_as_string(hide_password=True)!r})"

    def _session(self) -> Session:
        if self._sessions is None:
            self._engine = self._create_engine()
            Base.metadata.create_all(self._engine)
            self._sessions = sessionmaker(bind=self._engine, future=True, expire_on_commit=False)
        return self._sessions()

    def _create_engine(self) -> Engine:
        url = make_url(self.url)
        if (
            url.get_backend_name() == "sqlite"
            and url.database
            and url.database != ":memory:"
            and not url.database.startswith("file:")
        ):
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        return db.create_engine(url, future=True)

    def close(self) -> None:
        """Release pooled connections (a test dropping its schema needs them gone); the store reopens on use."""
        if self._engine is not None:
            self._engine.dispose()
        self._engine, self._sessions = None, None

    # -- publishing ------------------------------------------------------------------------------

    def sync(self, directory: Path, known_intents: set[str], today: date | None = None) -> SyncReport:
        """Publish the articles of ``directory``: new and properly versioned ones in, removed ones retired.

        Idempotent: a second run without edits publishes nothing. ``today`` only decides which
        articles the report lists as stale.
        """
        started = _now()
        checks = check_directory(directory, known_intents)
        report = SyncReport()
        with self._session() as session, session.begin():
            rows = {row.id: row for row in session.execute(select(ArticleRow)).scalars()}
            for check in checks:
                self._sync_file(session, rows.get(check.article_id), check, report, started)
            present = {check.article_id for check in checks}
            for row in rows.values():
                if row.id not in present and row.retired_at is None:
                    row.status, row.retired_at, row.updated_at = "retired", started, started
                    report.retired.append(row.id)
            run = self._record_run(session, report, started)
            session.flush()
            report.generation = run.id
        today = today or clock.today()
        report.stale = [article.id for article in self.current_articles() if _is_stale_and_approved(article, today)]
        return report

    def _sync_file(
        self, session: Session, row: Optional[ArticleRow], check: FileCheck, report: SyncReport, now: datetime
    ) -> None:
        """Publish, keep or reject one file; the current version is only replaced by a higher version."""
        article = check.article
        if article is None:
            report.rejected.append(check.article_id)
            report.problems.extend(check.problems)
        elif row is None:
            session.add(
                ArticleRow(id=article.id, status=article.status, current_version=article.version, created_at=now, updated_at=now)
            )
            session.add(_version_row(article, now))
            report.published.append(article.id)
        elif self._current_hash(session, row) == article.content_hash:
            if row.retired_at is None:
                report.unchanged.append(article.id)
            else:  # the file came back exactly as it was
                self._make_current(row, article, now)
                report.published.append(article.id)
        elif article.version > row.current_version:
            session.add(_version_row(article, now))
            self._make_current(row, article, now)
            report.published.append(article.id)
        else:
            message = f"content changed but version was not increased (stored {row.current_version})"
            report.rejected.append(article.id)
            report.problems.append(ArticleProblem(check.path, check.key_lines["version"], message))

    @staticmethod
    def _current_hash(session: Session, row: ArticleRow) -> str:
        query = select(VersionRow.content_hash).where(VersionRow.article_id == row.id, VersionRow.version == row.current_version)
        return session.execute(query).scalar_one()

    @staticmethod
    def _make_current(row: ArticleRow, article: Article, now: datetime) -> None:
        row.status, row.current_version, row.retired_at, row.updated_at = article.status, article.version, None, now

    @staticmethod
    def _record_run(session: Session, report: SyncReport, started: datetime) -> SyncRunRow:
        problems = [{"path": p.path, "line": p.line, "message": p.message} for p in report.problems]
        run = SyncRunRow(
            started_at=started,
            finished_at=_now(),
            published=json.dumps(report.published),
            unchanged=json.dumps(report.unchanged),
            retired=json.dumps(report.retired),
            rejected=json.dumps(report.rejected),
            problems=json.dumps(problems, ensure_ascii=False),
        )
        session.add(run)
        return run

    # -- reading ---------------------------------------------------------------------------------

    @staticmethod
    def _current_rows(session: Session, article_id: Optional[str] = None) -> list[VersionRow]:
        """Current versions of articles whose file exists; retired ones stay in the tables but are not current."""
        query = (
            select(VersionRow)
            .join(ArticleRow, (ArticleRow.id == VersionRow.article_id) & (ArticleRow.current_version == VersionRow.version))
            .where(ArticleRow.retired_at.is_(None))
            .order_by(VersionRow.article_id)
        )
        if article_id is not None:
            query = query.where(ArticleRow.id == article_id)
        return list(session.execute(query).scalars())

    def current_articles(self) -> list[Article]:
        """The current version of every article whose file exists, whatever its status (drafts included)."""
        with self._session() as session:
            return [_to_article(row) for row in self._current_rows(session)]

    def servable_articles(self, today: date) -> list[Article]:
        """What may be shown to a customer today: approved and not past review_by."""
        return [article for article in self.current_articles() if article.is_servable(today)]

    def article(self, article_id: str) -> Optional[Article]:
        """The current version, or None if unknown or retired because its file was removed; usable as a link resolver."""
        with self._session() as session:
            return next((_to_article(row) for row in self._current_rows(session, article_id)), None)

    def article_version(self, article_id: str, version: int) -> Optional[Article]:
        """Any published version, retired or superseded: what a customer saw at the time."""
        query = select(VersionRow).where(VersionRow.article_id == article_id, VersionRow.version == version)
        with self._session() as session:
            row = session.execute(query).scalar_one_or_none()
            return _to_article(row) if row is not None else None

    def versions(self, article_id: str) -> list[int]:
        """Every published version number of an article, oldest first (kept after retirement too)."""
        query = select(VersionRow.version).where(VersionRow.article_id == article_id).order_by(VersionRow.version)
        with self._session() as session:
            return list(session.execute(query).scalars())

    def generation(self) -> int:
        """Id of the latest sync run, 0 before the first: a reader rebuilds its index when this changes."""
        with self._session() as session:
            return session.execute(select(func.max(SyncRunRow.id))).scalar() or 0

    # -- events ----------------------------------------------------------------------------------

    def _add_event(self, **values: Optional[str]) -> None:
        with self._session() as session, session.begin():
            session.add(EventRow(at=_now(), **values))

    def record_served(self, article_id: str, conversation_id: str) -> None:
        self._add_event(kind="served", article_id=article_id, conversation_id=conversation_id)

    def record_no_match(self, query: str, intent: Optional[str], conversation_id: str) -> None:
        """A question no article answered; the query is redacted before it is stored."""
        self._add_event(kind="no_match", query=redact(query), intent=intent, conversation_id=conversation_id)

    def record_verdict(self, article_id: str, conversation_id: str, verdict: str) -> None:
        """The customer's answer to "did that help?" about an article, as a short label the caller chooses.

        The labels are the dialogue's business (e.g. "solved", "not_it"), so any is stored; the report counts each.
        """
        if not verdict.strip() or len(verdict) > MAX_VERDICT_LENGTH:
            raise ValueError(f"verdict must be a label of 1 to {MAX_VERDICT_LENGTH} characters, got {verdict!r}")
        self._add_event(kind="verdict", article_id=article_id, conversation_id=conversation_id, verdict=verdict)

    # -- report ----------------------------------------------------------------------------------

    def report(self, today: date, unanswered_limit: int = 20) -> KnowledgeReport:
        """The content owners' to-do list as of ``today``."""
        current = self.current_articles()
        approved = [article for article in current if article.status == "approved"]
        served = self._served_ids()
        return KnowledgeReport(
            today=today,
            generation=self.generation(),
            stale=[_summary(article) for article in current if _is_stale_and_approved(article, today)],
            due_for_review=[_summary(article) for article in current if article.is_due_for_review(today)],
            drafts=[_summary(article) for article in current if article.status == "draft"],
            never_served=[_summary(article) for article in approved if article.id not in served],
            unanswered=self._unanswered(unanswered_limit),
            verdicts=self._verdicts(),
        )

    def _served_ids(self) -> set[str]:
        query = select(EventRow.article_id).where(EventRow.kind == "served").distinct()
        with self._session() as session:
            return set(session.execute(query).scalars())

    def _unanswered(self, limit: int) -> list[UnansweredQuery]:
        """Most frequent first; case is ignored so "Where is X" and "where is x" count together."""
        normalized = func.lower(EventRow.query)
        count = func.count(EventRow.id)
        query = (
            select(normalized, count)
            .where(EventRow.kind == "no_match", EventRow.query.is_not(None))
            .group_by(normalized)
            .order_by(count.desc(), normalized)
            .limit(limit)
        )
        with self._session() as session:
            return [UnansweredQuery(text, total) for text, total in session.execute(query)]

    def _verdicts(self) -> list[VerdictCount]:
        """Per article and label, most frequent first: an article often marked unhelpful needs rewriting."""
        count = func.count(EventRow.id)
        query = (
            select(EventRow.article_id, EventRow.verdict, count)
            .where(EventRow.kind == "verdict")
            .group_by(EventRow.article_id, EventRow.verdict)
            .order_by(count.desc(), EventRow.article_id, EventRow.verdict)
        )
        with self._session() as session:
            return [VerdictCount(article_id, verdict, total) for article_id, verdict, total in session.execute(query)]
