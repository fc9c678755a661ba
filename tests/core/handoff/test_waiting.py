"""Waiting estimates and opening hours, against the support team's real settings file."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from core.handoff.settings import HandoffConfigError, Waiting, load_settings, parse_desk_tokens, parse_hours
from core.handoff.waiting import estimate, is_open, next_opening, reply_day, waiting_response

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def hours():
    return load_settings(
        {"TANDEM_HANDOFF_SETTINGS": str(ROOT / "data" / "handoff.yml"), "TANDEM_DESK_TOKENS": "Sam:token-1234567890"}
    ).hours


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "moment, expected",
    [
        pytest.param(utc(2026, 11, 23, 9, 0), True, id="monday-morning-london"),
        pytest.param(utc(2026, 11, 23, 7, 59), False, id="monday-before-eight"),
        pytest.param(utc(2026, 11, 22, 12, 0), False, id="sunday-closed"),
        pytest.param(utc(2026, 11, 28, 15, 59), True, id="saturday-afternoon"),
        pytest.param(utc(2026, 12, 25, 12, 0), False, id="christmas-holiday"),
        pytest.param(utc(2026, 7, 6, 7, 30), True, id="summer-time-0830-local"),
    ],
)
def test_opening_hours_in_the_teams_time_zone(hours, moment: datetime, expected: bool) -> None:
    assert is_open(hours, moment) is expected


def test_next_opening_skips_sundays_and_holidays(hours) -> None:
    saturday_night = utc(2026, 11, 28, 20, 0)
    assert next_opening(hours, saturday_night).isoformat() == "2026-11-30T08:00:00+00:00"
    christmas_eve_night = utc(2026, 12, 24, 21, 0)
    # 25th and 26th are holidays, 27th is a Sunday.
    assert next_opening(hours, christmas_eve_night).date().isoformat() == "2026-12-28"


def test_wait_grows_with_the_queue_and_shrinks_with_agents(hours) -> None:
    now = utc(2026, 11, 23, 10, 0)
    waiting = Waiting(default_handle_minutes=6)
    assert estimate(hours, waiting, 1, 1, [], now).minutes == 6
    assert estimate(hours, waiting, 3, 1, [], now).minutes == 18
    assert estimate(hours, waiting, 3, 2, [], now).minutes == 12
    # Learned from finished conversations once there are a few.
    assert estimate(hours, waiting, 2, 1, [2.0, 4.0, 3.0], now).minutes == 6


def test_no_agent_or_closed_means_a_reply_time_not_a_wait(hours) -> None:
    waiting = Waiting()
    nobody = estimate(hours, waiting, 1, 0, [], utc(2026, 11, 23, 10, 0))
    assert not nobody.live and nobody.minutes is None
    # Open, nobody signed in: not "closed", no promised time.
    assert nobody.open_now and waiting_response(nobody) == ("utter_handoff_open_no_agent", {})
    closed = estimate(hours, waiting, 1, 3, [], utc(2026, 11, 23, 21, 0))
    assert not closed.live
    assert closed.reply_at.isoformat() == "2026-11-24T08:00:00+00:00"
    assert waiting_response(closed) == (
        "utter_handoff_closed_tomorrow",
        {"reply_time": "08:00", "reply_date": "Tuesday 24 November"},
    )


def test_today_and_tomorrow_are_said_against_the_estimates_own_clock(hours, pin_clock) -> None:
    """The process clock is far from the estimate's moment: the words still follow the estimate."""
    pin_clock(utc(2031, 1, 1, 12, 0))
    closed = estimate(hours, Waiting(), 1, 3, [], utc(2026, 11, 23, 21, 0))
    assert waiting_response(closed)[0] == "utter_handoff_closed_tomorrow"


def test_reply_day_variants() -> None:
    now = utc(2026, 11, 23, 6, 0)
    assert reply_day(utc(2026, 11, 23, 8, 0), now)[0] == "today"
    assert reply_day(utc(2026, 11, 25, 8, 0), now)[0] == "later"
    assert reply_day(None, now) == ("unknown", {})


def test_live_wait_response() -> None:
    hours = parse_hours({"business_hours": {d: "00:00-00:00" for d in ("monday", "tuesday")}}, Path("x.yml"))
    wait = estimate(hours, Waiting(), 2, 1, [], utc(2026, 11, 23, 10, 0))
    assert waiting_response(wait) == ("utter_handoff_wait", {"queue_position": 2, "wait_minutes": 12})


@pytest.mark.parametrize(
    "raw, message",
    [
        pytest.param({"timezone": "Mars/Olympus"}, "unknown time zone", id="bad-zone"),
        pytest.param({"business_hours": {"funday": "09:00-17:00"}}, "not a weekday", id="bad-day"),
        pytest.param({"business_hours": {"monday": "17:00-09:00"}}, "closes before it opens", id="backwards"),
        pytest.param({"business_hours": {"monday": "9am to 5pm"}}, "expected", id="bad-format"),
        pytest.param({"holidays": ["Christmas"]}, "holidays", id="bad-holiday"),
    ],
)
def test_a_broken_hours_file_names_the_key(raw: dict, message: str) -> None:
    with pytest.raises(HandoffConfigError, match=message):
        parse_hours(raw, Path("data/handoff.yml"))


def test_desk_tokens_must_be_long_enough() -> None:
    assert parse_desk_tokens("Sam:abcdefghijklm, Alex:nopqrstuvwxyz") == {"abcdefghijklm": "Sam", "nopqrstuvwxyz": "Alex"}
    with pytest.raises(HandoffConfigError):
        parse_desk_tokens("Sam:short")


def test_settings_repr_hides_the_store_url() -> None:
    config = load_settings({"TANDEM_HANDOFF_URL": "postgresql://u:secret@h/db", "TANDEM_DESK_TOKENS": "Sam:token-1234567890"})
    assert "secret" not in repr(config)
    assert "token-1234567890" not in repr(config)
