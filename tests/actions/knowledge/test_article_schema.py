"""actions/knowledge/articles/article.schema.json: a valid schema, in step with the code, every problem at its line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from actions.knowledge.articles import KEYS, STATUSES, ArticleError, ArticleProblem, parse_article
from actions.knowledge.articles.fields import SCHEMA
from tests.actions.knowledge import closing_line, line_of, write_article


def _schema() -> dict:
    return json.loads(SCHEMA.read_text(encoding="utf-8"))


def _problems(path: Path) -> list[ArticleProblem]:
    with pytest.raises(ArticleError) as caught:
        parse_article(path)
    return caught.value.problems


def test_the_schema_is_a_valid_json_schema() -> None:
    Draft202012Validator.check_schema(_schema())


def test_the_schema_and_the_code_share_their_vocabularies() -> None:
    schema = _schema()
    assert tuple(schema["required"]) == KEYS
    assert tuple(schema["properties"]) == (*KEYS, "questions")
    assert tuple(schema["properties"]["status"]["enum"]) == STATUSES


@pytest.mark.parametrize(
    "extra, message",
    [
        pytest.param('questions: ["Where is it?", "where is it? "]', "questions lists the same question twice", id="case"),
        pytest.param('questions: ["Where is it?", "Where is it?"]', "questions lists the same question twice", id="exact"),
        pytest.param('questions: ["Where is it?", " "]', "every question must be non-empty text of at most 200", id="blank"),
        pytest.param(f"questions: [{', '.join(f'q{n}' for n in range(31))}]", "questions has 31 entries; at most 30", id="many"),
        pytest.param("questions: Where is it?", "questions must be a list of customer questions, got text", id="not-a-list"),
    ],
)
def test_a_bad_question_list_is_one_problem_at_its_key(tmp_path: Path, extra: str, message: str) -> None:
    path = write_article(tmp_path, extra=extra)
    assert [(p.line, p.message[: len(message)]) for p in _problems(path)] == [(line_of(path, "questions:"), message)]


def test_a_quoted_date_is_text_not_a_date(tmp_path: Path) -> None:
    path = write_article(tmp_path, review_by="'2027-03-02'")
    expected = ArticleProblem(
        str(path), line_of(path, "review_by:"), "review_by must be an ISO date (YYYY-MM-DD), got '2027-03-02'"
    )
    assert _problems(path) == [expected]


def test_every_unknown_and_missing_key_is_its_own_problem(tmp_path: Path) -> None:
    path = write_article(tmp_path, title=None, owner=None, extra="author: jane\nteam: orders")
    assert [(p.line, p.message.split(" (")[0]) for p in _problems(path)] == [
        (line_of(path, "author:"), "unknown key 'author'"),
        (line_of(path, "team:"), "unknown key 'team'"),
        (closing_line(path), "missing key 'owner'"),
        (closing_line(path), "missing key 'title'"),
    ]


def test_a_value_yaml_cannot_build_is_one_problem_not_also_missing(tmp_path: Path) -> None:
    path = write_article(tmp_path, title="!!python/name:os.system")
    assert [(p.line, p.message.split(" (")[0]) for p in _problems(path)] == [
        (line_of(path, "title:"), "title: cannot read the value")
    ]
