"""Reading one article file: front matter split from the body, every problem located at its line."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Optional

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node

from actions.knowledge.articles.fields import check_values
from actions.knowledge.articles.model import (
    DELIMITER,
    KB_LINK,
    KEYS,
    Article,
    ArticleError,
    ArticleProblem,
    display_path,
)


@dataclass(frozen=True)
class ParsedFile:
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
    parsed = parse_file(path)
    if parsed.article is None:
        raise ArticleError(list(parsed.problems))
    return parsed.article


def parse_file(path: Path) -> ParsedFile:
    try:
        source = _split(path)
        root = _compose(source)
    except ArticleError as error:
        return ParsedFile(None, None, tuple(error.problems))
    problems: list[ArticleProblem] = []
    nodes, key_lines = _key_nodes(root, source, problems)
    values = _construct(nodes, key_lines, source, problems)
    unreadable = set(nodes) - set(values)
    problems += check_values(values, unreadable, key_lines, source.closing, path.stem, source.shown)
    body = "\n".join(source.body_lines).strip()
    if not body:
        problems.append(
            ArticleProblem(source.shown, source.closing, "body is empty: write the detailed steps below the front matter")
        )
    declared_id = values["id"] if isinstance(values.get("id"), str) else None
    if problems:
        return ParsedFile(None, declared_id, tuple(sorted(problems)), key_lines)
    article = Article(
        body=body,
        path=source.shown,
        questions=tuple(values.get("questions", ())),
        **{key: values[key] for key in KEYS},
    )
    return ParsedFile(article, declared_id, (), key_lines, _link_lines(source, key_lines))


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
    """The value node and line of each key; a duplicate key is a problem (the schema sees only one of them)."""
    nodes: dict[str, Node] = {}
    lines: dict[str, int] = {}
    for key_node, value_node in root.value:
        key, line = str(key_node.value), _file_line(key_node.start_mark.line)
        if key in nodes:
            problems.append(ArticleProblem(source.shown, line, f"duplicate key '{key}' (first on line {lines[key]})"))
        else:
            nodes[key], lines[key] = value_node, line
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
