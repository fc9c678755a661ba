"""What a sync did and what content owners should act on, as values and as Markdown."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Sequence

from actions.knowledge.articles import REVIEW_WARNING_DAYS, ArticleProblem


@dataclass
class SyncReport:
    """What a sync did, by article id; ``stale`` lists approved articles now past review_by (not served)."""

    published: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    problems: list[ArticleProblem] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    generation: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        counts = f"{len(self.published)} published, {len(self.unchanged)} unchanged, {len(self.retired)} retired"
        return f"kb sync: {counts}, {len(self.rejected)} rejected, {len(self.stale)} stale (generation {self.generation})"


@dataclass(frozen=True)
class ArticleSummary:
    id: str
    title: str
    owner: str
    review_by: date


@dataclass(frozen=True)
class UnansweredQuery:
    query: str
    count: int


@dataclass(frozen=True)
class VerdictCount:
    article_id: str
    verdict: str
    count: int


@dataclass(frozen=True)
class KnowledgeReport:
    """What content owners should act on: stale answers, unfinished drafts, unused articles, unmet questions."""

    today: date
    generation: int
    stale: list[ArticleSummary]
    due_for_review: list[ArticleSummary]
    drafts: list[ArticleSummary]
    never_served: list[ArticleSummary]
    unanswered: list[UnansweredQuery]
    verdicts: list[VerdictCount]

    def to_markdown(self) -> str:
        sections = [
            f"# Knowledge base report, {self.today.isoformat()} (generation {self.generation})",
            _articles_section("Stale: approved but past review_by (not served)", self.stale),
            _articles_section(f"Due for review within {REVIEW_WARNING_DAYS} days (served until review_by)", self.due_for_review),
            _articles_section("Drafts", self.drafts),
            _articles_section("Never served (approved)", self.never_served),
            _table_section(
                "Unanswered queries (no article matched)",
                ("count", "query"),
                [(str(item.count), item.query) for item in self.unanswered],
            ),
            _table_section(
                "Verdicts",
                ("article", "verdict", "count"),
                [(item.article_id, item.verdict, str(item.count)) for item in self.verdicts],
            ),
        ]
        return "\n\n".join(sections) + "\n"


def _cell(text: str) -> str:
    """Queries are customer text: keep them from breaking the table."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _table_section(title: str, header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    if not rows:
        return f"## {title}\n\nNone."
    lines = [f"## {title} ({len(rows)})", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines.extend("| " + " | ".join(_cell(value) for value in row) + " |" for row in rows)
    return "\n".join(lines)


def _articles_section(title: str, articles: list[ArticleSummary]) -> str:
    rows = [(item.id, item.title, item.owner, item.review_by.isoformat()) for item in articles]
    return _table_section(title, ("id", "title", "owner", "review by"), rows)
