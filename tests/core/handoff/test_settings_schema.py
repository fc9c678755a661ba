"""data/handoff.yml against core/handoff/handoff.schema.json: each broken value names the file, its key and the reason."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from core.handoff.settings import DAYS, SCHEMA, HandoffConfigError, Limits, Waiting, parse_handoff_file

PATH = Path("data/handoff.yml")


def test_the_schema_is_a_valid_json_schema() -> None:
    Draft202012Validator.check_schema(json.loads(SCHEMA.read_text(encoding="utf-8")))


def test_the_schema_and_the_code_share_their_vocabularies() -> None:
    properties = json.loads(SCHEMA.read_text(encoding="utf-8"))["properties"]
    assert tuple(properties["business_hours"]["properties"]) == DAYS
    assert tuple(properties["waiting"]["properties"]) == tuple(Waiting().__dict__)
    assert tuple(properties["limits"]["properties"]) == tuple(Limits().__dict__)


@pytest.mark.parametrize(
    "raw, message",
    [
        pytest.param({"timezone": 5}, "timezone: must be a time zone name like Europe/London, got 5", id="zone-type"),
        pytest.param(
            {"tz": "UTC"}, "tz: unknown setting (known: timezone, business_hours, holidays, waiting, limits)", id="unknown"
        ),
        pytest.param(
            {"business_hours": ["monday"]}, "business_hours: expected a mapping of weekday to opening times", id="hours-type"
        ),
        pytest.param(
            {"business_hours": {"monday": "25:00-26:00"}},
            "business_hours.monday: expected '09:00-17:30', got '25:00-26:00'",
            id="clock",
        ),
        pytest.param(
            {"business_hours": {"monday": ["08:00-12:00", 9]}},
            "business_hours.monday[1]: expected '09:00-17:30', got 9",
            id="list",
        ),
        pytest.param(
            {"holidays": "2026-12-25"}, "holidays: expected a list of dates like 2026-12-25, got text", id="holidays-type"
        ),
        pytest.param(
            {"holidays": ["2026-02-30"]}, "holidays[0]: expected dates like 2026-12-25, got '2026-02-30'", id="no-such-day"
        ),
        pytest.param(
            {"waiting": {"agent_online_seconds": 0}},
            "waiting.agent_online_seconds: must be a positive number, got 0",
            id="waiting",
        ),
        pytest.param(
            {"waiting": {"handle_time_sample": True}},
            "waiting.handle_time_sample: must be a whole number of at least 1, got True",
            id="sample",
        ),
        pytest.param(
            {"waiting": {"handle_minutes": 6}},
            "waiting.handle_minutes: unknown setting (known: default_handle_minutes, ",
            id="waiting-key",
        ),
        pytest.param(
            {"limits": {"handoffs_per_client_per_hour": 2.5}},
            "limits.handoffs_per_client_per_hour: must be a whole number",
            id="limits",
        ),
        pytest.param({"limits": 10}, "limits: expected a mapping", id="limits-type"),
    ],
)
def test_a_bad_value_names_file_key_and_reason(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(HandoffConfigError) as caught:
        parse_handoff_file(raw, PATH)
    assert str(caught.value).startswith(f"{PATH}: {message}")


def test_the_forms_of_opening_times_and_dates_the_team_may_write() -> None:
    raw: dict[str, Any] = {
        "business_hours": {"monday": " 08:00 - 12:00 ", "tuesday": ["08:00-12:00", "13:00-17:00"], "friday": [[600, "17:00"]]},
        "holidays": ["2026-12-25", date(2026, 12, 26)],
        "waiting": {"default_handle_minutes": 6},
    }
    raw["business_hours"]["sunday"] = "closed"
    hours, waiting, limits = parse_handoff_file(raw, PATH)
    assert [(day, [(str(a), str(b)) for a, b in spans]) for day, spans in sorted(hours.weekly.items())] == [
        (0, [("08:00:00", "12:00:00")]),
        (1, [("08:00:00", "12:00:00"), ("13:00:00", "17:00:00")]),
        (4, [("10:00:00", "17:00:00")]),
    ]
    assert sorted(str(day) for day in hours.holidays) == ["2026-12-25", "2026-12-26"]
    assert waiting.default_handle_minutes == 6.0 and isinstance(waiting.default_handle_minutes, float)
    assert limits == Limits()


def test_a_holiday_with_a_time_of_day_is_no_date() -> None:
    with pytest.raises(HandoffConfigError, match=r"holidays\[0\]: expected dates like 2026-12-25, got 2026-12-25T09:00:00"):
        parse_handoff_file({"holidays": [datetime(2026, 12, 25, 9, 0)]}, PATH)
