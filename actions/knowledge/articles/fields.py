"""The checks of each front-matter value on its own, and of the rules that relate two of them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Callable, Mapping, Optional
from urllib.parse import urlparse

from actions.knowledge.articles.model import (
    KEBAB_CASE,
    MAX_QUESTION,
    MAX_QUESTIONS,
    MAX_SHORT_ANSWER,
    STATUSES,
    ArticleProblem,
)


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


def check_values(values: dict[str, Any], lines: Mapping[str, int], stem: str, shown: str, problems: list[ArticleProblem]) -> None:
    """Check each value on its own, then the rules that relate two of them; turn topics into a tuple."""
    valid = set()
    for key, value in values.items():
        message = _CHECKS[key](value)
        if message is None:
            valid.add(key)
        else:
            problems.append(ArticleProblem(shown, lines[key], f"{key} {message}"))
    if "id" in valid and values["id"] != stem:
        problems.append(ArticleProblem(shown, lines["id"], f"id {values['id']!r} must equal the file name ({stem!r})"))
    if {"last_reviewed", "review_by"} <= valid and values["review_by"] <= values["last_reviewed"]:
        message = f"review_by must be after last_reviewed ({values['last_reviewed'].isoformat()})"
        problems.append(ArticleProblem(shown, lines["review_by"], message))
    if "topics" in valid:
        values["topics"] = tuple(values["topics"])
