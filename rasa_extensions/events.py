"""Pure helpers over a tracker's events, shared by the patches and the policies.

A memo of a value computed from a tracker's events is kept on the tracker itself,
in an attribute named ``EVENT_MEMO_PREFIX...``; it checks the identity of the events
it was built from before use, so a copy that shares the events may carry it along
(``carry_event_memos``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Sequence

from rasa.shared.core.events import UserUttered

EVENT_MEMO_PREFIX = "_tandem_memo_"


@dataclass(frozen=True)
class EventsMemo:
    """A value computed from a tracker's first ``length`` events, which were ``first`` ... ``last``.

    Events are only ever appended to a tracker (a capped deque drops the oldest), so
    when a tracker still holds the same objects at both ends of that prefix, the
    prefix is the one the value was computed from."""

    length: int
    first: Any
    last: Any
    value: Any

    @classmethod
    def of(cls, events: Sequence[Any], value: Any, length: Optional[int] = None) -> EventsMemo:
        """The memo of ``value`` computed from ``events[:length]`` (all of them by default)."""
        length = len(events) if length is None else length
        return cls(length, events[0], events[length - 1], value) if length else cls(0, None, None, value)

    def covers_a_prefix_of(self, events: Sequence[Any]) -> bool:
        if self.length == 0:
            return True
        if len(events) < self.length:
            return False
        return events[0] is self.first and events[self.length - 1] is self.last


def carry_event_memos(source: Any, target: Any) -> None:
    """Give ``target`` (holding the same events, or more) ``source``'s memos; each checks its events before use."""
    for name, memo in source.__dict__.items():
        if name.startswith(EVENT_MEMO_PREFIX):
            target.__dict__[name] = memo


def nth_last_user_message(events: Sequence[Any], n: int) -> Optional[int]:
    """Index of the ``n``-th user message counted from the end of ``events``, or None when there are fewer."""
    seen = 0
    for index in range(len(events) - 1, -1, -1):
        if isinstance(events[index], UserUttered):
            seen += 1
            if seen == n:
                return index
    return None
