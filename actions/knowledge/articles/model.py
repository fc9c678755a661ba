"""What an article is: its fields, its links, when it may be served, and the problems a file can have."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Callable, Mapping, Optional

PROJECT_ROOT = Path(__file__).resolve().parents[3]

# What the front matter may hold (types, lengths, choices) is article.schema.json beside this module.
STATUSES = ("approved", "draft", "retired")
# `make validate` and `make kb-report` name approved articles this close to review_by.
REVIEW_WARNING_DAYS = 30
# The front-matter keys, in the order editors write them; all are required (``questions`` is optional).
KEYS = ("id", "title", "topics", "short_answer", "source_url", "owner", "last_reviewed", "review_by", "status", "version")
DELIMITER = "---"

KB_LINK = re.compile(r"\[(?P<text>[^\]\n]+)\]\(kb:(?P<id>[^)\s]*)\)")

Resolver = Callable[[str], Optional["Article"]]


@dataclass(frozen=True)
class Article:
    """One article as published: everything but ``path`` is content and goes into ``content_hash``."""

    id: str
    title: str
    topics: tuple[str, ...]
    short_answer: str
    body: str
    source_url: str
    owner: str
    last_reviewed: date
    review_by: date
    status: str
    version: int
    path: str = ""
    questions: tuple[str, ...] = ()

    def canonical(self) -> dict[str, Any]:
        """The content as plain JSON types; moving a file does not change it, editing a word does."""
        return {
            "id": self.id,
            "title": self.title,
            "topics": list(self.topics),
            "short_answer": self.short_answer,
            "body": self.body,
            "source_url": self.source_url,
            "owner": self.owner,
            "last_reviewed": self.last_reviewed.isoformat(),
            "review_by": self.review_by.isoformat(),
            "status": self.status,
            "version": self.version,
            "questions": list(self.questions),
        }

    @property
    def content_hash(self) -> str:
        """sha256 of the canonical content, so a sync can tell an edit from a re-save without diffing."""
        text = json.dumps(self.canonical(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def is_stale(self, today: date) -> bool:
        """Past its review date: the facts may have changed since anyone checked them."""
        return today > self.review_by

    def is_due_for_review(self, today: date, within_days: int = REVIEW_WARNING_DAYS) -> bool:
        """Approved, still served, but its review date is near: warn the owner before customers lose it."""
        return self.status == "approved" and not self.is_stale(today) and (self.review_by - today).days <= within_days

    def is_servable(self, today: date) -> bool:
        """Only approved, reviewed-in-time content may reach a customer; drafts and stale answers never do."""
        return self.status == "approved" and not self.is_stale(today)

    @property
    def links(self) -> tuple[str, ...]:
        """Ids this article links to (short answer first, then body), each once, in order of appearance."""
        found = (match["id"] for text in (self.short_answer, self.body) for match in KB_LINK.finditer(text))
        return tuple(dict.fromkeys(found))

    def rendered_body(self, resolve: Resolver) -> str:
        """The body for a channel that knows nothing of ``kb:`` links: each becomes ``text (url)``."""
        return render_links(self.body, resolve)

    def rendered_short_answer(self, resolve: Resolver) -> str:
        """The short answer, rendered like :meth:`rendered_body`."""
        return render_links(self.short_answer, resolve)


def render_links(text: str, resolve: Resolver) -> str:
    """Replace ``[text](kb:id)`` by ``text (source_url)``, or by ``text`` alone when ``resolve`` knows no such id."""

    def replace(match: re.Match[str]) -> str:
        target = resolve(match["id"])
        return f"{match['text']} ({target.source_url})" if target is not None else match["text"]

    return KB_LINK.sub(replace, text)


@dataclass(frozen=True, order=True)
class ArticleProblem:
    """A reason a file cannot be published, located at a 1-based line of the file."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class ArticleError(ValueError):
    """A file is not a publishable article; ``problems`` says every reason, each with its line."""

    def __init__(self, problems: list[ArticleProblem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


@dataclass(frozen=True)
class FileCheck:
    """The verdict on one file of a directory: the unit a sync publishes or rejects.

    ``article_id`` is the file name without ``.md``, which a valid article's id must equal, so a
    broken file still says which article it is meant to be. ``article`` is None when there are
    problems. ``key_lines`` maps each front-matter key to its line, for problems found later.
    """

    path: str
    article_id: str
    article: Optional[Article]
    problems: tuple[ArticleProblem, ...]
    key_lines: Mapping[str, int] = field(default_factory=dict, hash=False)


def display_path(path: Path) -> str:
    """The path relative to the project root when it is inside it, as editors and CI logs show it."""
    resolved = path.resolve()
    try:
        return str(resolved.relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)
