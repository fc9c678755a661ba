"""Knowledge-base articles: read, validate and render the Markdown files in ``data/kb/``.

An article is a Markdown file: YAML front matter carries what a support answer needs besides its
text (who owns it, when it must be reviewed again, whether it may be served at all), and the body
holds the detailed steps. Articles link to each other as ``[text](kb:<id>)`` rather than by URL, so
links are checked here and survive a move of the help centre.

Every check reports a problem with the line of the file it is about, because the people who fix
articles are editors with a text editor, not developers with a debugger:
``data/kb/track-your-order.md:9: review_by must be after last_reviewed (2026-09-02)``.

Errors:

- ``ArticleError`` (a ``ValueError``): raised by :func:`parse_article`; ``problems`` holds every
  ``ArticleProblem`` found in the file, not only the first, so all can be fixed in one pass.
- ``FileNotFoundError``: raised by :func:`check_directory` and :func:`validate_directory` when the
  directory does not exist, because "no articles" would otherwise look like "every article was
  deleted" to a sync.

Everywhere else problems are values (``ArticleProblem``), collected rather than raised.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Optional
from urllib.parse import urlparse

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node

PROJECT_ROOT = Path(__file__).resolve().parents[2]

STATUSES = ("approved", "draft", "retired")
# The front-matter keys, in the order editors write them; all are required.
# `make validate` and `make kb-report` name approved articles this close to review_by.
REVIEW_WARNING_DAYS = 30
KEYS = ("id", "title", "topics", "short_answer", "source_url", "owner", "last_reviewed", "review_by", "status", "version")
# Optional: the ways customers ask for this article, which retrieval matches against.
OPTIONAL_KEYS = ("questions",)
MAX_QUESTIONS = 30
MAX_QUESTION = 200
# The channel shows the short answer as one chat bubble; longer text belongs in the body.
MAX_SHORT_ANSWER = 300
DELIMITER = "---"

KB_LINK = re.compile(r"\[(?P<text>[^\]\n]+)\]\(kb:(?P<id>[^)\s]*)\)")
KEBAB_CASE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

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


# -- one file -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Parsed:
    """One file on its own: the article if it passed, else the problems and whatever id it declares."""

    article: Optional[Article]
    declared_id: Optional[str]
    problems: tuple[ArticleProblem, ...] = ()
    key_lines: Mapping[str, int] = field(default_factory=dict)
    link_lines: tuple[tuple[str, int], ...] = ()  # (target id, line) for every kb: link


@dataclass(frozen=True)
class _Source:
    """A file split at its front-matter delimiters; ``closing`` is the 1-based line of the second ``---``."""

    shown: str
    lines: list[str]
    closing: int

    @property
    def front_matter(self) -> str:
        return "\n".join(self.lines[1 : self.closing - 1])

    @property
    def body_lines(self) -> list[str]:
        return self.lines[self.closing :]


def parse_article(path: Path) -> Article:
    """Read one article file, or raise ``ArticleError`` listing every problem with its line."""
    parsed = _parse(path)
    if parsed.article is None:
        raise ArticleError(list(parsed.problems))
    return parsed.article


def _parse(path: Path) -> _Parsed:
    try:
        source = _split(path)
        root = _compose(source)
    except ArticleError as error:
        return _Parsed(None, None, tuple(error.problems))
    problems: list[ArticleProblem] = []
    nodes, key_lines = _key_nodes(root, source, problems)
    values = _construct(nodes, key_lines, source, problems)
    _check_values(values, key_lines, path.stem, source, problems)
    body = "\n".join(source.body_lines).strip()
    if not body:
        problems.append(
            ArticleProblem(source.shown, source.closing, "body is empty: write the detailed steps below the front matter")
        )
    declared_id = values["id"] if isinstance(values.get("id"), str) else None
    if problems:
        return _Parsed(None, declared_id, tuple(sorted(problems)), key_lines)
    article = Article(
        body=body,
        path=source.shown,
        questions=tuple(values.get("questions", ())),
        **{key: values[key] for key in KEYS},
    )
    return _Parsed(article, declared_id, (), key_lines, _link_lines(source, key_lines))


def _split(path: Path) -> _Source:
    """Find the front matter; a file without a complete one is not an article at all."""
    shown = display_path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise ArticleError([ArticleProblem(shown, 1, "the file is not UTF-8 text")]) from None
    if not lines or lines[0].strip() != DELIMITER:
        raise ArticleError([ArticleProblem(shown, 1, f"missing front matter: the file must start with a '{DELIMITER}' line")])
    closing = next((number for number, line in enumerate(lines[1:], start=2) if line.strip() == DELIMITER), None)
    if closing is None:
        raise ArticleError([ArticleProblem(shown, 1, f"unterminated front matter: no closing '{DELIMITER}' line")])
    return _Source(shown, lines, closing)


def _file_line(mark_line: int) -> int:
    """YAML marks count from 0 at the line after the opening ``---``, which is line 2 of the file."""
    return mark_line + 2


def _compose(source: _Source) -> MappingNode:
    try:
        root = yaml.compose(source.front_matter, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = _file_line(mark.line) if mark is not None else 1
        raise ArticleError([ArticleProblem(source.shown, line, f"YAML syntax error: {error.problem or error.context}")]) from None
    if not isinstance(root, MappingNode):
        raise ArticleError([ArticleProblem(source.shown, 1, "the front matter must be a mapping of 'key: value' lines")])
    return root


def _key_nodes(root: MappingNode, source: _Source, problems: list[ArticleProblem]) -> tuple[dict[str, Node], dict[str, int]]:
    """The value node and line of each known key; unknown, duplicate and missing keys become problems."""
    nodes: dict[str, Node] = {}
    lines: dict[str, int] = {}
    for key_node, value_node in root.value:
        key, line = str(key_node.value), _file_line(key_node.start_mark.line)
        if key not in KEYS and key not in OPTIONAL_KEYS:
            expected = ", ".join(KEYS + OPTIONAL_KEYS)
            problems.append(ArticleProblem(source.shown, line, f"unknown key '{key}' (expected: {expected})"))
        elif key in nodes:
            problems.append(ArticleProblem(source.shown, line, f"duplicate key '{key}' (first on line {lines[key]})"))
        else:
            nodes[key], lines[key] = value_node, line
    for key in KEYS:
        if key not in nodes:
            problems.append(ArticleProblem(source.shown, source.closing, f"missing key '{key}'"))
    return nodes, lines


def _construct(
    nodes: Mapping[str, Node], lines: Mapping[str, int], source: _Source, problems: list[ArticleProblem]
) -> dict[str, Any]:
    """Python values of the keys; a value YAML itself cannot build (2026-13-01, an unknown tag) is a problem."""
    constructor = SafeConstructor()
    values: dict[str, Any] = {}
    for key, node in nodes.items():
        try:
            values[key] = constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, TypeError) as error:
            problem = getattr(error, "problem", None) or str(error)
            problems.append(ArticleProblem(source.shown, lines[key], f"{key}: cannot read the value ({problem})"))
    return values


def _kind(value: Any) -> str:
    kinds = {bool: "true/false", int: "a number", float: "a number", list: "a list", dict: "a mapping", type(None): "nothing"}
    return kinds.get(type(value), type(value).__name__)


def _check_text(value: Any) -> Optional[str]:
    if not isinstance(value, str):
        return f"must be text, got {_kind(value)} (quote it if it is meant as text)"
    if not value.strip():
        return "must not be empty"
    return None


def _check_id(value: Any) -> Optional[str]:
    problem = _check_text(value)
    if problem is None and not KEBAB_CASE.match(value):
        return f"must be kebab-case (lowercase letters, digits and single hyphens), got {value!r}"
    return problem


def _check_topics(value: Any) -> Optional[str]:
    if not isinstance(value, list):
        return f"must be a list of intents like [order_status], got {_kind(value)}"
    if not value:
        return "must list at least one intent"
    bad = [item for item in value if _check_text(item) is not None]
    if bad:
        return f"every topic must be an intent name, got {bad!r}"
    if len(set(value)) != len(value):
        return "lists the same intent twice"
    return None


def _check_questions(value: Any) -> Optional[str]:
    if not isinstance(value, list):
        return f"must be a list of customer questions, got {_kind(value)}"
    if len(value) > MAX_QUESTIONS:
        return f"has {len(value)} entries; at most {MAX_QUESTIONS}"
    bad = [item for item in value if _check_text(item) is not None or len(item) > MAX_QUESTION]
    if bad:
        return f"every question must be non-empty text of at most {MAX_QUESTION} characters, got {bad[:3]!r}"
    if len({q.strip().lower() for q in value}) != len(value):
        return "lists the same question twice"
    return None


def _check_short_answer(value: Any) -> Optional[str]:
    problem = _check_text(value)
    if problem is None and len(value) > MAX_SHORT_ANSWER:
        return f"is {len(value)} characters; at most {MAX_SHORT_ANSWER} fit in one chat message (move detail to the body)"
    return problem


def _check_url(value: Any) -> Optional[str]:
    problem = _check_text(value)
    if problem is None:
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            return f"must be an http(s) URL, got {value!r}"
    return problem


def _check_date(value: Any) -> Optional[str]:
    if isinstance(value, datetime):
        return f"must be a date without a time (YYYY-MM-DD), got {value.isoformat()}"
    if isinstance(value, date):
        return None
    return f"must be an ISO date (YYYY-MM-DD), got {value!r}"


def _check_status(value: Any) -> Optional[str]:
    if value not in STATUSES:
        return f"must be one of {', '.join(STATUSES)}, got {value!r}"
    return None


def _check_version(value: Any) -> Optional[str]:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return f"must be a whole number of 1 or more, got {value!r}"
    return None


_CHECKS: Mapping[str, Callable[[Any], Optional[str]]] = {
    "id": _check_id,
    "title": _check_text,
    "topics": _check_topics,
    "short_answer": _check_short_answer,
    "source_url": _check_url,
    "owner": _check_text,
    "last_reviewed": _check_date,
    "review_by": _check_date,
    "status": _check_status,
    "version": _check_version,
    "questions": _check_questions,
}


def _check_values(
    values: dict[str, Any], lines: Mapping[str, int], stem: str, source: _Source, problems: list[ArticleProblem]
) -> None:
    """Check each value on its own, then the rules that relate two of them; turn topics into a tuple."""
    valid = set()
    for key, value in values.items():
        message = _CHECKS[key](value)
        if message is None:
            valid.add(key)
        else:
            problems.append(ArticleProblem(source.shown, lines[key], f"{key} {message}"))
    if "id" in valid and values["id"] != stem:
        problems.append(ArticleProblem(source.shown, lines["id"], f"id {values['id']!r} must equal the file name ({stem!r})"))
    if {"last_reviewed", "review_by"} <= valid and values["review_by"] <= values["last_reviewed"]:
        message = f"review_by must be after last_reviewed ({values['last_reviewed'].isoformat()})"
        problems.append(ArticleProblem(source.shown, lines["review_by"], message))
    if "topics" in valid:
        values["topics"] = tuple(values["topics"])


def _link_lines(source: _Source, key_lines: Mapping[str, int]) -> tuple[tuple[str, int], ...]:
    """Each kb: link with the line it is on: the key's line in the short answer, the exact line in the body."""
    found = [(match["id"], key_lines["short_answer"]) for match in KB_LINK.finditer(_short_answer_text(source, key_lines))]
    for number, line in enumerate(source.body_lines, start=source.closing + 1):
        found.extend((match["id"], number) for match in KB_LINK.finditer(line))
    return tuple(found)


def _short_answer_text(source: _Source, key_lines: Mapping[str, int]) -> str:
    """The raw lines of the short answer (a folded value spans lines up to the next key)."""
    start = key_lines["short_answer"]
    end = min((line for line in key_lines.values() if line > start), default=source.closing)
    return "\n".join(source.lines[start - 1 : end - 1])


# -- a directory --------------------------------------------------------------------------------


def check_directory(directory: Path, known_intents: set[str]) -> list[FileCheck]:
    """Check every ``*.md`` file on its own and against the others; one ``FileCheck`` per file, by name."""
    if not directory.is_dir():
        raise FileNotFoundError(f"knowledge-base directory not found: {directory}")
    parsed = {path: _parse(path) for path in sorted(directory.glob("*.md"))}
    problems: dict[Path, list[ArticleProblem]] = {path: list(item.problems) for path, item in parsed.items()}
    _check_duplicates(parsed, problems)
    # A broken file still names the article it is meant to be: links to it are not "unknown".
    statuses = {path.stem: None for path in parsed} | {article.id: article.status for article in _valid(parsed)}
    for path, item in parsed.items():
        if item.article is not None:
            problems[path].extend(_check_topics_known(item.article, item.key_lines, known_intents))
            problems[path].extend(_check_links(item.article, item.link_lines, statuses))
    return [_file_check(path, item, problems[path]) for path, item in parsed.items()]


def _valid(parsed: Mapping[Path, _Parsed]) -> Iterable[Article]:
    return (item.article for item in parsed.values() if item.article is not None)


def validate_directory(directory: Path, known_intents: set[str]) -> tuple[list[Article], list[ArticleProblem]]:
    """The articles that pass every check, and every problem of the others, sorted by file and line."""
    checks = check_directory(directory, known_intents)
    articles = [check.article for check in checks if check.article is not None]
    return articles, sorted(problem for check in checks for problem in check.problems)


def _file_check(path: Path, parsed: _Parsed, problems: list[ArticleProblem]) -> FileCheck:
    article = parsed.article if not problems else None
    return FileCheck(display_path(path), path.stem, article, tuple(sorted(problems)), parsed.key_lines)


def _check_duplicates(parsed: Mapping[Path, _Parsed], problems: Mapping[Path, list[ArticleProblem]]) -> None:
    """Two files claiming one id make every link to it ambiguous: both are rejected, each naming the other."""
    by_id: dict[str, list[Path]] = defaultdict(list)
    for path, item in parsed.items():
        if item.declared_id is not None:
            by_id[item.declared_id].append(path)
    for article_id, paths in by_id.items():
        for path in paths if len(paths) > 1 else ():
            others = ", ".join(display_path(other) for other in paths if other != path)
            message = f"duplicate id {article_id!r} (also in {others})"
            problems[path].append(ArticleProblem(display_path(path), parsed[path].key_lines["id"], message))


def _check_topics_known(article: Article, key_lines: Mapping[str, int], known_intents: set[str]) -> Iterable[ArticleProblem]:
    """Topics are how retrieval narrows by intent: a topic the NLU can never predict hides the article."""
    for topic in article.topics:
        if topic not in known_intents:
            yield ArticleProblem(article.path, key_lines["topics"], f"topic {topic!r} is not an intent in the domain")


def _check_links(
    article: Article, link_lines: Iterable[tuple[str, int]], statuses: Mapping[str, Optional[str]]
) -> Iterable[ArticleProblem]:
    """A customer must never be sent from an approved answer to a missing, draft or retired one."""
    for target, line in link_lines:
        if target not in statuses:
            yield ArticleProblem(article.path, line, f"link to unknown article 'kb:{target}'")
        elif article.status == "approved" and statuses[target] in ("draft", "retired"):
            yield ArticleProblem(article.path, line, f"approved article links to {statuses[target]} article 'kb:{target}'")


def known_intents(domain_path: Path) -> set[str]:
    """The intent names of a Rasa domain; entries may be plain names or ``{name: {options}}`` mappings."""
    domain = yaml.safe_load(domain_path.read_text(encoding="utf-8")) or {}
    names: set[str] = set()
    for entry in domain.get("intents") or []:
        if isinstance(entry, dict):
            names.update(str(name) for name in entry)
        else:
            names.add(str(entry))
    return names
