"""The front-matter values: their shape checked against ``article.schema.json``, then the rules a schema cannot say."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Collection, Mapping

from actions.knowledge.articles.model import ArticleProblem
from core.yaml_schema import problems as schema_problems

SCHEMA = Path(__file__).with_name("article.schema.json")


def check_values(
    values: dict[str, Any], unreadable: Collection[str], lines: Mapping[str, int], closing: int, stem: str, shown: str
) -> list[ArticleProblem]:
    """Every problem of the values, one per key, at the key's line (a missing key: at the closing ``---``).

    ``unreadable`` keys are present but YAML could not build their value (already a problem of their own).
    Turns topics into a tuple."""
    found: dict[str, ArticleProblem] = {}
    for problem in schema_problems({**values, **dict.fromkeys(unreadable)}, SCHEMA):
        key = str(problem.where[0])
        if key not in unreadable and key not in found:  # the first problem of a key is the one to fix
            found[key] = ArticleProblem(shown, lines.get(key, closing), problem.reason)
    valid = set(values) - set(found)
    problems = list(found.values())
    if "id" in valid and values["id"] != stem:
        problems.append(ArticleProblem(shown, lines["id"], f"id {values['id']!r} must equal the file name ({stem!r})"))
    if {"last_reviewed", "review_by"} <= valid and values["review_by"] <= values["last_reviewed"]:
        message = f"review_by must be after last_reviewed ({values['last_reviewed'].isoformat()})"
        problems.append(ArticleProblem(shown, lines["review_by"], message))
    # The schema's uniqueItems compares exactly; retrieval does not see case or surrounding spaces.
    if "questions" in valid and len({q.strip().lower() for q in values["questions"]}) != len(values["questions"]):
        problems.append(ArticleProblem(shown, lines["questions"], "questions lists the same question twice"))
    if "topics" in valid:
        values["topics"] = tuple(values["topics"])
    return problems
