"""core/yaml_schema.py: any schema file, the first problem or all of them, reasons from the schema or its messages."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest

from core.yaml_schema import RulesFileError, SchemaProblem, check, problems

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["name", "size", "day"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "pattern": "\\S"},
        "size": {"type": "integer", "minimum": 1, "maximum": 9},
        "day": {"format": "date", "message": {"format": "{name} must be a day, got {got} ({kind})"}},
        "tags": {"type": "array", "maxItems": 1, "message": {"maxItems": "{name} has {count}; at most {limit}"}},
        "mode": {"enum": ["fast", "slow"]},
    },
}


@pytest.fixture()
def schema(tmp_path: Path) -> Path:
    path = tmp_path / "elsewhere" / "thing.schema.json"
    path.parent.mkdir()
    path.write_text(json.dumps(SCHEMA))
    return path


def test_every_problem_each_once_the_shallowest_first(schema: Path) -> None:
    data = {"name": " ", "size": 2.0, "tags": [1, 2], "mode": "quick", "x": 1, "y": 2}
    assert problems(data, schema) == [
        SchemaProblem(("day",), "missing key"),
        SchemaProblem(("x",), "unknown key (expected one of day, mode, name, size, tags)"),
        SchemaProblem(("y",), "unknown key (expected one of day, mode, name, size, tags)"),
        SchemaProblem(("mode",), "must be one of fast, slow (got 'quick')"),
        SchemaProblem(("name",), "must be non-empty text (got ' ')"),
        SchemaProblem(("size",), "must be a whole number from 1 to 9 (got 2.0)"),
        SchemaProblem(("tags",), "tags has 2; at most 1"),
    ]


def test_check_raises_the_first_with_file_and_key(schema: Path) -> None:
    with pytest.raises(RulesFileError) as caught:
        check({"name": "n", "size": 1, "day": date(2026, 1, 1), "tags": [1, 2]}, schema, "data/thing.yml")
    assert str(caught.value) == "data/thing.yml: tags: tags has 2; at most 1"
    check({"name": "n", "size": 1, "day": date(2026, 1, 1)}, schema, "data/thing.yml")


@pytest.mark.parametrize(
    "day, valid",
    [
        pytest.param(date(2026, 12, 25), True, id="yaml-date"),
        pytest.param("2026-12-25", True, id="iso-text"),
        pytest.param("2026-02-30", False, id="no-such-day"),
        pytest.param(datetime(2026, 12, 25, 9, 0), False, id="date-and-time"),
        pytest.param(20261225, False, id="number"),
    ],
)
def test_a_date_is_a_day_without_a_time(schema: Path, day: object, valid: bool) -> None:
    found = problems({"name": "n", "size": 1, "day": day}, schema)
    kind = {datetime: "a date and time", str: "text", int: "a number"}.get(type(day), "")
    shown = day.isoformat() if isinstance(day, datetime) else repr(day)
    assert found == ([] if valid else [SchemaProblem(("day",), f"day must be a day, got {shown} ({kind})")])
