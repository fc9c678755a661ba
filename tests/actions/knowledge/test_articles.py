"""Parsing and validating articles: every bad input is a problem naming the file and the right line."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from actions.knowledge.articles import (
    PROJECT_ROOT,
    Article,
    ArticleError,
    ArticleProblem,
    known_intents,
    parse_article,
    validate_directory,
)
from tests.actions.knowledge import INTENTS, closing_line, line_of, write_article

# -- one file -----------------------------------------------------------------------------------

# (what to write, where the problem must point, a fragment of its message). "where" is the start of
# the offending line, or "close" for the closing front-matter delimiter.
BAD_FILES = [
    pytest.param({"owner": None}, "close", "missing key 'owner'", id="missing-key"),
    pytest.param({"extra": "author: jane"}, "author:", "unknown key 'author'", id="unknown-key"),
    pytest.param({"extra": "status: draft"}, "status: draft", "duplicate key 'status'", id="duplicate-key"),
    pytest.param({"title": "[Track, order]"}, "title:", "title must be text, got a list", id="title-is-a-list"),
    pytest.param({"title": "2026"}, "title:", "title must be text, got a number", id="title-is-a-number"),
    pytest.param({"owner": "yes"}, "owner:", "owner must be text, got true/false", id="owner-is-a-boolean"),
    pytest.param({"title": '""'}, "title:", "title must not be empty", id="empty-title"),
    pytest.param({"owner": "'   '"}, "owner:", "owner must not be empty", id="blank-owner"),
    pytest.param({"short_answer": ""}, "short_answer:", "short_answer must be text, got nothing", id="no-short-answer"),
    pytest.param({"topics": "order_status"}, "topics:", "topics must be a list", id="topics-not-a-list"),
    pytest.param({"topics": "[]"}, "topics:", "at least one intent", id="topics-empty"),
    pytest.param({"topics": "[order_status, 3]"}, "topics:", "every topic must be an intent name", id="topic-not-text"),
    pytest.param({"topics": "[order_status, order_status]"}, "topics:", "same intent twice", id="topic-twice"),
    pytest.param({"file_name": "tracking"}, "id:", "must equal the file name ('tracking')", id="id-not-file-name"),
    pytest.param({"last_reviewed": "2026-13-01"}, "last_reviewed:", "last_reviewed: cannot read the value", id="impossible-date"),
    pytest.param({"review_by": "next spring"}, "review_by:", "review_by must be an ISO date", id="date-in-words"),
    pytest.param({"review_by": "'03/02/2027'"}, "review_by:", "review_by must be an ISO date", id="date-not-iso"),
    pytest.param({"last_reviewed": "2026-09-02T10:00:00"}, "last_reviewed:", "without a time", id="date-with-time"),
    pytest.param({"review_by": "2026-09-01"}, "review_by:", "review_by must be after last_reviewed", id="review-before-reviewed"),
    pytest.param({"review_by": "2026-09-02"}, "review_by:", "review_by must be after last_reviewed", id="review-same-day"),
    pytest.param({"status": "published"}, "status:", "status must be one of approved, draft, retired", id="unknown-status"),
    pytest.param({"version": "0"}, "version:", "version must be a whole number of 1 or more", id="version-zero"),
    pytest.param({"version": "-2"}, "version:", "version must be a whole number", id="version-negative"),
    pytest.param({"version": "1.5"}, "version:", "version must be a whole number", id="version-fraction"),
    pytest.param({"version": "'2'"}, "version:", "version must be a whole number", id="version-quoted"),
    pytest.param({"version": "true"}, "version:", "version must be a whole number", id="version-boolean"),
    pytest.param({"short_answer": "x" * 301}, "short_answer:", "is 301 characters; at most 300", id="short-answer-too-long"),
    pytest.param({"source_url": "ftp://help.acme-store.example/x"}, "source_url:", "must be an http(s) URL", id="url-not-http"),
    pytest.param({"source_url": "help.acme-store.example/x"}, "source_url:", "must be an http(s) URL", id="url-no-scheme"),
    pytest.param({"body": ""}, "close", "body is empty", id="empty-body"),
    pytest.param({"body": "  \n\n  "}, "close", "body is empty", id="blank-body"),
    pytest.param({"title": "Track: your order"}, "title:", "YAML syntax error: mapping values are not allowed", id="yaml-syntax"),
    pytest.param({"title": "!!python/name:os.system"}, "title:", "title: cannot read the value", id="unsafe-yaml-tag"),
]


def _expected_line(path: Path, where: str) -> int:
    return closing_line(path) if where == "close" else line_of(path, where)


def _problems(path: Path) -> list[ArticleProblem]:
    with pytest.raises(ArticleError) as caught:
        parse_article(path)
    return caught.value.problems


@pytest.mark.parametrize("fields, where, message", BAD_FILES)
def test_bad_input_is_a_problem_at_its_line(tmp_path: Path, fields: dict[str, Any], where: str, message: str) -> None:
    path = write_article(tmp_path, **fields)
    line = _expected_line(path, where)
    problems = _problems(path)
    assert [str(p) for p in problems if p.line == line and message in p.message], problems
    assert all(str(problem).startswith(f"{path}:{problem.line}: ") for problem in problems)


@pytest.mark.parametrize(
    "text, message",
    [
        pytest.param("id: track-your-order\n\nSome text.\n", "missing front matter", id="no-front-matter"),
        pytest.param("", "missing front matter", id="empty-file"),
        pytest.param("---\nid: track-your-order\ntitle: Track\n\nSome text.\n", "unterminated front matter", id="unterminated"),
        pytest.param("---\n- id\n- title\n---\nSome text.\n", "must be a mapping", id="front-matter-is-a-list"),
        pytest.param("---\n---\nSome text.\n", "must be a mapping", id="front-matter-empty"),
    ],
)
def test_structural_problems_point_at_the_front_matter_start(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "track-your-order.md"
    path.write_text(text)
    assert [(p.path, p.line) for p in _problems(path) if message in p.message] == [(str(path), 1)]


def test_a_non_kebab_case_id_is_a_problem(tmp_path: Path) -> None:
    path = write_article(tmp_path, "Track_Order")
    assert [p.message for p in _problems(path)] == [
        "id must be kebab-case (lowercase letters, digits and single hyphens), got 'Track_Order'"
    ]


def test_every_problem_of_a_file_is_reported_at_once(tmp_path: Path) -> None:
    path = write_article(tmp_path, status="published", version="0", owner=None, source_url="nope")
    lines = {p.line for p in _problems(path)}
    assert lines == {line_of(path, "status:"), line_of(path, "version:"), line_of(path, "source_url:"), closing_line(path)}


def test_an_article_is_read_with_typed_values(tmp_path: Path) -> None:
    path = write_article(tmp_path, topics="[order_status, order_change]", short_answer=">-\n  Folded\n  answer.")
    article = parse_article(path)
    assert article.topics == ("order_status", "order_change")
    assert article.short_answer == "Folded answer."
    assert (article.last_reviewed, article.review_by, article.version) == (date(2026, 9, 2), date(2027, 3, 2), 1)
    assert article.body.startswith("1. Sign in") and article.path == str(path)


def test_paths_inside_the_project_are_relative() -> None:
    assert parse_article(PROJECT_ROOT / "data" / "kb" / "track-your-order.md").path == "data/kb/track-your-order.md"


# -- the article itself -------------------------------------------------------------------------


def _article(**changes: Any) -> Article:
    base = Article(
        id="track-your-order",
        title="Track your order",
        topics=("order_status",),
        short_answer="See [late parcels](kb:late-or-lost-parcel).",
        body="1. Open [orders](kb:orders-page).\n2. See [late parcels](kb:late-or-lost-parcel) or [refunds](kb:get-a-refund).",
        source_url="https://help.acme-store.example/orders/track-your-order",
        owner="orders-team",
        last_reviewed=date(2026, 9, 2),
        review_by=date(2027, 3, 2),
        status="approved",
        version=1,
        path="data/kb/track-your-order.md",
    )
    return dataclasses.replace(base, **changes)


def test_content_hash_ignores_the_path() -> None:
    assert _article().content_hash == _article(path="elsewhere/track-your-order.md").content_hash


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"title": "Track it"}, id="title"),
        pytest.param({"topics": ("order_status", "order_change")}, id="topics"),
        pytest.param({"body": "Other steps."}, id="body"),
        pytest.param({"review_by": date(2027, 3, 3)}, id="review_by"),
        pytest.param({"status": "draft"}, id="status"),
        pytest.param({"version": 2}, id="version"),
    ],
)
def test_content_hash_changes_with_the_content(change: dict[str, Any]) -> None:
    assert _article(**change).content_hash != _article().content_hash


@pytest.mark.parametrize(
    "status, today, servable, stale",
    [
        pytest.param("approved", date(2027, 3, 2), True, False, id="approved-on-review-day"),
        pytest.param("approved", date(2027, 3, 3), False, True, id="approved-past-review"),
        pytest.param("draft", date(2026, 10, 1), False, False, id="draft"),
        pytest.param("retired", date(2026, 10, 1), False, False, id="retired"),
    ],
)
def test_only_approved_and_reviewed_in_time_is_servable(status: str, today: date, servable: bool, stale: bool) -> None:
    article = _article(status=status)
    assert (article.is_servable(today), article.is_stale(today)) == (servable, stale)


def test_links_are_listed_once_in_order() -> None:
    assert _article().links == ("late-or-lost-parcel", "orders-page", "get-a-refund")


def test_rendered_body_replaces_links_by_their_urls() -> None:
    known = {"late-or-lost-parcel": _article(id="late-or-lost-parcel", source_url="https://help.example/late")}
    resolve = known.get
    assert _article().rendered_body(resolve) == "1. Open orders.\n2. See late parcels (https://help.example/late) or refunds."
    assert _article().rendered_short_answer(resolve) == "See late parcels (https://help.example/late)."


# -- a directory --------------------------------------------------------------------------------


def _validate(directory: Path) -> tuple[list[str], list[ArticleProblem]]:
    articles, problems = validate_directory(directory, INTENTS)
    return [article.id for article in articles], problems


def test_duplicate_ids_reject_both_files_each_naming_the_other(tmp_path: Path) -> None:
    first = write_article(tmp_path, "track-your-order")
    second = write_article(tmp_path, "track-your-order", file_name="tracking")
    ids, problems = _validate(tmp_path)
    duplicates = [(p.path, p.line, p.message) for p in problems if "duplicate id" in p.message]
    assert duplicates == [
        (str(first), line_of(first, "id:"), f"duplicate id 'track-your-order' (also in {second})"),
        (str(second), line_of(second, "id:"), f"duplicate id 'track-your-order' (also in {first})"),
    ]
    assert ids == []


def test_a_topic_that_is_not_an_intent_is_a_problem(tmp_path: Path) -> None:
    path = write_article(tmp_path, topics="[order_status, weather]")
    ids, problems = _validate(tmp_path)
    assert [str(p) for p in problems] == [f"{path}:{line_of(path, 'topics:')}: topic 'weather' is not an intent in the domain"]
    assert ids == []


def test_a_link_to_an_unknown_article_points_at_its_body_line(tmp_path: Path) -> None:
    path = write_article(tmp_path, body="1. Open Account > Orders.\n2. Late? See [late parcels](kb:late-parcel).")
    _, problems = _validate(tmp_path)
    assert [str(p) for p in problems] == [f"{path}:{line_of(path, '2. Late?')}: link to unknown article 'kb:late-parcel'"]


def test_a_link_in_the_short_answer_points_at_the_key(tmp_path: Path) -> None:
    path = write_article(tmp_path, short_answer=">-\n  Open Account > Orders or see\n  [refunds](kb:refunds).")
    _, problems = _validate(tmp_path)
    assert [(p.line, p.message) for p in problems] == [(line_of(path, "short_answer:"), "link to unknown article 'kb:refunds'")]


@pytest.mark.parametrize("status", ["draft", "retired"])
def test_an_approved_article_must_not_link_to_unpublished_ones(tmp_path: Path, status: str) -> None:
    write_article(tmp_path, "get-a-refund", status=status, topics="[refund_request]")
    path = write_article(tmp_path, body="See [refunds](kb:get-a-refund).")
    ids, problems = _validate(tmp_path)
    assert [str(p) for p in problems] == [
        f"{path}:{line_of(path, 'See')}: approved article links to {status} article 'kb:get-a-refund'"
    ]
    assert ids == ["get-a-refund"]


def test_a_draft_may_link_to_a_draft(tmp_path: Path) -> None:
    write_article(tmp_path, "get-a-refund", status="draft", topics="[refund_request]")
    write_article(tmp_path, status="draft", body="See [refunds](kb:get-a-refund).")
    assert _validate(tmp_path) == (["get-a-refund", "track-your-order"], [])


def test_a_link_to_a_broken_article_is_reported_on_the_broken_file_only(tmp_path: Path) -> None:
    broken = write_article(tmp_path, "get-a-refund", owner=None, topics="[refund_request]")
    write_article(tmp_path, body="See [refunds](kb:get-a-refund).")
    ids, problems = _validate(tmp_path)
    assert {p.path for p in problems} == {str(broken)}
    assert ids == ["track-your-order"]


def test_a_missing_directory_is_an_error_not_an_empty_knowledge_base(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="knowledge-base directory not found"):
        validate_directory(tmp_path / "nope", INTENTS)


@pytest.mark.parametrize(
    "intents, expected",
    [
        pytest.param("[greet, order_status]", {"greet", "order_status"}, id="names"),
        pytest.param("[greet, {order_status: {use_entities: []}}]", {"greet", "order_status"}, id="with-options"),
        pytest.param("[]", set(), id="none"),
    ],
)
def test_known_intents_reads_the_domain(tmp_path: Path, intents: str, expected: set[str]) -> None:
    domain = tmp_path / "domain.yml"
    domain.write_text(f'version: "3.1"\nintents: {intents}\n')
    assert known_intents(domain) == expected


def test_the_real_knowledge_base_validates_against_the_domain() -> None:
    directory = PROJECT_ROOT / "data" / "kb"
    articles, problems = validate_directory(directory, known_intents(PROJECT_ROOT / "domain.yml"))
    assert [str(problem) for problem in problems] == []
    assert len(articles) == len(list(directory.glob("*.md"))) > 0
