"""The product's one clock.

Every part of Tandem that asks "what time is it?" (knowledge-base serving, handoff
waiting and opening hours, the desk, stores, leases, signatures) asks this module,
so a test, an evaluation or a replay can pin time for all of them at once.
``SystemClock.now`` is the only place production reads the real time.

``TANDEM_CLOCK`` (an ISO-8601 instant, read on first use) shifts the clock of a
process so that it reads that instant at ``TANDEM_CLOCK_ANCHOR`` (Unix seconds of
real time; default: when the clock was first used) and runs on from there. Two
processes given the same pair agree on the time to the clock's precision, which
is how the test suite pins the servers it starts to the same day as itself.
"""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta, timezone
from typing import Mapping, Optional, Protocol

CLOCK_ENV = "TANDEM_CLOCK"
ANCHOR_ENV = "TANDEM_CLOCK_ANCHOR"


class ClockError(ValueError):
    """``TANDEM_CLOCK`` or its anchor cannot be read; the message says which and why."""


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware in UTC."""


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class ShiftedClock:
    """Real time moved by a fixed offset: pinned to a date, still ticking."""

    def __init__(self, offset: timedelta, base: Optional[Clock] = None) -> None:
        self.offset = offset
        self._base = base or SystemClock()

    def now(self) -> datetime:
        return self._base.now() + self.offset


class FixedClock:
    """Stands still until moved; for tests."""

    def __init__(self, at: datetime) -> None:
        self._at = _aware(at)

    def now(self) -> datetime:
        return self._at

    def advance(self, **delta: float) -> datetime:
        self._at += timedelta(**delta)
        return self._at

    def set(self, at: datetime) -> None:
        self._at = _aware(at)


def _aware(at: datetime) -> datetime:
    return at.replace(tzinfo=timezone.utc) if at.tzinfo is None else at.astimezone(timezone.utc)


def parse_instant(value: str, name: str = CLOCK_ENV) -> datetime:
    try:
        return _aware(datetime.fromisoformat(value.strip().replace("Z", "+00:00")))
    except ValueError:
        raise ClockError(f"{name}: expected an ISO-8601 instant like 2027-06-01T09:30:00Z, got {value!r}") from None


def from_environment(env: Optional[Mapping[str, str]] = None) -> Clock:
    """The clock ``TANDEM_CLOCK`` asks for, else the system clock."""
    env = os.environ if env is None else env
    pinned = env.get(CLOCK_ENV)
    if not pinned:
        return SystemClock()
    system = SystemClock()
    anchor_text = env.get(ANCHOR_ENV)
    if anchor_text:
        try:
            anchor = datetime.fromtimestamp(float(anchor_text), tz=timezone.utc)
        except (ValueError, OverflowError, OSError):
            raise ClockError(f"{ANCHOR_ENV}: expected Unix seconds, got {anchor_text!r}") from None
    else:
        anchor = system.now()
    return ShiftedClock(parse_instant(pinned) - anchor, system)


_current: Optional[Clock] = None


def clock() -> Clock:
    """This process's clock, chosen on first use (never at import)."""
    global _current
    if _current is None:
        _current = from_environment()
    return _current


def use(new: Optional[Clock]) -> Optional[Clock]:
    """Replace this process's clock (``None``: choose again from the environment); returns the previous one."""
    global _current
    previous, _current = _current, new
    return previous


def now() -> datetime:
    """The current instant, timezone-aware in UTC."""
    return clock().now()


def utcnow() -> datetime:
    """The current instant as a naive UTC datetime, as the SQL stores keep it."""
    return now().replace(tzinfo=None)


def today() -> date:
    """Today's date in UTC: the day review dates are compared with."""
    return now().date()


def timestamp() -> float:
    """Unix seconds, for signatures and their replay windows."""
    return now().timestamp()
