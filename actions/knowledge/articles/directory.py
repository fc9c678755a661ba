"""Checking a directory of articles: each file on its own, then against the others and the domain."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Iterable, Mapping, Optional

from actions.knowledge.articles.model import Article, ArticleProblem, FileCheck, display_path
from actions.knowledge.articles.parsing import ParsedFile, parse_file


def check_directory(directory: Path, known_intents: set[str]) -> list[FileCheck]:
    """Check every ``*.md`` file on its own and against the others; one ``FileCheck`` per file, by name."""
    if not directory.is_dir():
        raise FileNotFoundError(f"knowledge-base directory not found: {directory}")
    parsed = {path: parse_file(path) for path in sorted(directory.glob("*.md"))}
    problems: dict[Path, list[ArticleProblem]] = {path: list(item.problems) for path, item in parsed.items()}
    _check_duplicates(parsed, problems)
    # A broken file still names the article it is meant to be: links to it are not "unknown".
    statuses = {path.stem: None for path in parsed} | {article.id: article.status for article in _valid(parsed)}
    for path, item in parsed.items():
        if item.article is not None:
            problems[path].extend(_check_topics_known(item.article, item.key_lines, known_intents))
            problems[path].extend(_check_links(item.article, item.link_lines, statuses))
    return [_file_check(path, item, problems[path]) for path, item in parsed.items()]


def _valid(parsed: Mapping[Path, ParsedFile]) -> Iterable[Article]:
    return (item.article for item in parsed.values() if item.article is not None)


def validate_directory(directory: Path, known_intents: set[str]) -> tuple[list[Article], list[ArticleProblem]]:
    """The articles that pass every check, and every problem of the others, sorted by file and line."""
    checks = check_directory(directory, known_intents)
    articles = [check.article for check in checks if check.article is not None]
    return articles, sorted(problem for check in checks for problem in check.problems)


def _file_check(path: Path, parsed: ParsedFile, problems: list[ArticleProblem]) -> FileCheck:
    article = parsed.article if not problems else None
    return FileCheck(display_path(path), path.stem, article, tuple(sorted(problems)), parsed.key_lines)


def _check_duplicates(parsed: Mapping[Path, ParsedFile], problems: Mapping[Path, list[ArticleProblem]]) -> None:
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
