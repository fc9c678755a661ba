"""How long a customer will wait, computed from the live queue and the opening hours.

Pure functions of the settings, the queue and a clock, so the same answer comes
out of the action server (at handoff time) and the Rasa server (queue updates).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Dict, Mapping, Optional, Sequence, Tuple
from zoneinfo import ZoneInfo

from core import clock
from core.handoff.settings import HandoffSettings, Hours, Waiting

if TYPE_CHECKING:
    from core.handoff.store import HandoffStore

# Never promise more precision than a queue estimate has.
MIN_WAIT_MINUTES = 1


@dataclass(frozen=True)
class WaitEstimate:
    open_now: bool
    agents_online: int
    position: Optional[int]
    minutes: Optional[int]
    # When a person will reply if nobody can now: the next opening, local time.
    reply_at: Optional[datetime]
    # The moment this estimate is for, so that "today"/"tomorrow" are said against the same clock.
    at: datetime

    @property
    def live(self) -> bool:
        """Someone can pick this up now."""
        return self.open_now and self.agents_online > 0


def is_open(hours: Hours, at: datetime) -> bool:
    local = at.astimezone(ZoneInfo(hours.timezone))
    if local.date() in hours.holidays:
        return False
    clock = local.time().replace(tzinfo=None)
    for start, end in hours.weekly.get(local.weekday(), ()):
        if start <= clock and (clock < end or end.hour == end.minute == 0):
            return True
    return False


def next_opening(hours: Hours, at: datetime) -> Optional[datetime]:
    """The next moment the team is open (``at`` itself if open now); None if it never opens."""
    tz = ZoneInfo(hours.timezone)
    local = at.astimezone(tz)
    if is_open(hours, at):
        return local
    for days_ahead in range(0, 15):
        day = (local + timedelta(days=days_ahead)).date()
        if day in hours.holidays:
            continue
        for start, _ in hours.weekly.get(day.weekday(), ()):
            candidate = datetime.combine(day, start, tzinfo=tz)
            if candidate > local:
                return candidate
    return None


def handle_minutes(waiting: Waiting, recent: Sequence[float]) -> float:
    """Typical minutes per conversation: the median of recent ones, else the configured default."""
    return statistics.median(recent) if len(recent) >= 3 else waiting.default_handle_minutes


def estimate(
    hours: Hours,
    waiting: Waiting,
    position: Optional[int],
    agents_online: int,
    recent_handle_minutes: Sequence[float],
    now: Optional[datetime] = None,
) -> WaitEstimate:
    now = now or clock.now()
    open_now = is_open(hours, now)
    minutes = None
    if position is not None and open_now and agents_online > 0:
        # Everyone ahead is served by the agents online in parallel, one conversation each.
        rounds = math.ceil(position / agents_online)
        minutes = max(MIN_WAIT_MINUTES, math.ceil(rounds * handle_minutes(waiting, recent_handle_minutes)))
    # Open with nobody online: nobody can say when someone will be free, so promise no time.
    reply_at = None if open_now else next_opening(hours, now)
    return WaitEstimate(open_now, agents_online, position, minutes, reply_at, now)


def reply_day(reply_at: Optional[datetime], now: Optional[datetime] = None) -> Tuple[str, Dict[str, str]]:
    """Which response variant says when a person replies (``today``, ``tomorrow``, ``later``,
    ``unknown``) and its template values; the words themselves live in domain.yml."""
    if reply_at is None:
        return "unknown", {}
    now_local = (now or clock.now()).astimezone(reply_at.tzinfo)
    values = {
        "reply_time": reply_at.strftime("%H:%M"),
        "reply_date": f"{reply_at.strftime('%A')} {reply_at.day} {reply_at.strftime('%B')}",
    }
    days = (reply_at.date() - now_local.date()).days
    return ("today" if days <= 0 else "tomorrow" if days == 1 else "later"), values


def wait_estimate(store: HandoffStore, config: HandoffSettings, handoff_id: str, now: Optional[datetime] = None) -> WaitEstimate:
    """The wait for one handoff from the live queue (shared with the action server)."""
    now = now or clock.now()
    agents = agents_available(store, config, now)
    return estimate(
        config.hours,
        config.waiting,
        store.position(handoff_id),
        agents,
        store.recent_handle_minutes(config.waiting.handle_time_sample),
        now,
    )


def agents_available(store: HandoffStore, config: HandoffSettings, now: Optional[datetime] = None) -> int:
    """Desk agents whose page is open; an external tool's presence is unknown, so count it as staffed in hours."""
    if config.livechat_type != "desk":
        return 1
    naive = (now or clock.now()).astimezone(timezone.utc).replace(tzinfo=None)
    return store.agents_online(config.waiting.agent_online_seconds, naive)


def waiting_response(wait: WaitEstimate) -> Tuple[str, Mapping[str, Any]]:
    """The response (and its values) that tells a customer how long they will wait.

    Open with nobody signed in is not "closed": the team is working, so the customer
    hears that a person will reply as soon as one is free, without a promised time."""
    if wait.live and wait.position is not None:
        return "utter_handoff_wait", {"queue_position": wait.position, "wait_minutes": wait.minutes}
    if wait.open_now:
        return "utter_handoff_open_no_agent", {}
    day, values = reply_day(wait.reply_at, wait.at)
    return f"utter_handoff_closed_{day}", values
