"""core/clock.py: the one clock, pinned from the environment or by tests."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from core import clock

START = datetime(2027, 6, 1, 0, 0, 30, tzinfo=timezone.utc)


class Ticking:
    """A stand-in for the real clock that moves only when told."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


def test_the_environment_pins_the_clock_at_its_anchor_and_it_runs_on() -> None:
    anchor = datetime(2026, 12, 7, 12, 0, tzinfo=timezone.utc)
    pinned = clock.from_environment({clock.CLOCK_ENV: "2027-06-01T00:00:30Z", clock.ANCHOR_ENV: str(anchor.timestamp())})
    assert isinstance(pinned, clock.ShiftedClock)
    assert pinned.offset == START - anchor
    real = Ticking(anchor)
    shifted = clock.ShiftedClock(pinned.offset, real)
    assert shifted.now() == START
    real.at += timedelta(seconds=90)
    assert shifted.now() == START + timedelta(seconds=90)


def test_two_processes_with_the_same_pin_agree() -> None:
    env = {clock.CLOCK_ENV: "2027-06-01T00:00:30+00:00", clock.ANCHOR_ENV: "1796000000"}
    assert clock.from_environment(env).offset == clock.from_environment(dict(env)).offset


def test_without_a_pin_it_is_the_system_clock() -> None:
    assert isinstance(clock.from_environment({}), clock.SystemClock)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({clock.CLOCK_ENV: "next tuesday"}, clock.CLOCK_ENV),
        ({clock.CLOCK_ENV: "2027-06-01T00:00:30Z", clock.ANCHOR_ENV: "noon"}, clock.ANCHOR_ENV),
    ],
)
def test_a_bad_pin_names_the_variable(env: dict, named: str) -> None:
    with pytest.raises(clock.ClockError, match=named):
        clock.from_environment(env)


def test_helpers_follow_the_process_clock(pin_clock) -> None:
    fixed = pin_clock(START)
    assert clock.now() == START
    assert clock.utcnow() == START.replace(tzinfo=None)
    assert clock.today() == date(2027, 6, 1)
    assert clock.timestamp() == START.timestamp()
    fixed.advance(days=1)
    assert clock.today() == date(2027, 6, 2)


def test_naive_instants_are_taken_as_utc() -> None:
    assert clock.FixedClock(datetime(2027, 6, 1, 0, 0, 30)).now() == START
    assert clock.parse_instant("2027-06-01T02:00:30+02:00") == START
