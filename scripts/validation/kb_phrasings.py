"""Test phrasings: every approved article needs customer phrasings in the retrieval test sets.

`make test` checks that the development set (tests/kb/retrieval_dev.yml) expects exactly the
approved articles and that the held-out set (tests/kb/retrieval_eval.yml) covers every approved
article and nothing else (tests/actions/knowledge/test_retrieval.py). A new article therefore
fails the suite until both have phrasings for it; this check says so at `make validate`, naming
the article, instead of a set comparison deep in the retrieval tests.

Only the ``expected`` ids are read; the phrasings themselves are not looked at, so the held-out
set stays held out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Sequence

import yaml
from yaml.nodes import MappingNode, SequenceNode

from actions.knowledge.articles import PROJECT_ROOT, ArticleProblem, FileCheck, display_path

PHRASING_FILES = (PROJECT_ROOT / "tests" / "kb" / "retrieval_dev.yml", PROJECT_ROOT / "tests" / "kb" / "retrieval_eval.yml")


def expected_ids(path: Path) -> tuple[list[tuple[str, int]], list[ArticleProblem]]:
    """``(article id, line)`` of every case's ``expected``, or a problem saying why the file cannot be read."""
    shown = display_path(path)
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        return [], [ArticleProblem(shown, 1, f"cannot be read: {error}")]
    cases = next(
        (value for key, value in (root.value if isinstance(root, MappingNode) else []) if key.value == "cases"),
        None,
    )
    if not isinstance(cases, SequenceNode):
        return [], [ArticleProblem(shown, 1, "cases: must be a list of {query, intent, expected}")]
    found = []
    for case in cases.value:
        for key, value in case.value if isinstance(case, MappingNode) else []:
            if key.value == "expected":
                found.append((str(value.value), key.start_mark.line + 1))
    return found, []


def check_phrasings(checks: Sequence[FileCheck], files: Iterable[Path] = PHRASING_FILES) -> list[ArticleProblem]:
    """Approved articles missing from a test set, and cases there that expect no approved article."""
    approved = {c.article.id: c for c in checks if c.article is not None and c.article.status == "approved"}
    broken = {c.article_id for c in checks if c.article is None}  # their own problems are reported already
    missing: dict[str, list[str]] = {}
    problems: list[ArticleProblem] = []
    for path in files:
        cases, unreadable = expected_ids(path)
        problems.extend(unreadable)
        if unreadable:
            continue
        covered = {article_id for article_id, _ in cases}
        for article_id in approved.keys() - covered:
            missing.setdefault(article_id, []).append(display_path(path))
        for article_id, line in cases:
            if article_id not in approved and article_id not in broken:
                message = (
                    f"expected: {article_id!r} is not an approved article (make test scores approved ones only): "
                    "remove the case or correct the id"
                )
                problems.append(ArticleProblem(display_path(path), line, message))
    for article_id, names in missing.items():
        check = approved[article_id]
        message = (
            f"status: approved article {article_id!r} has no test phrasings in {' and '.join(names)}: "
            f"add cases with 'expected: {article_id}' (make test checks every approved article there; "
            f"held-out phrasings are best written by someone who did not write the article)"
        )
        problems.append(ArticleProblem(check.path, check.key_lines.get("status", 1), message))
    return problems
