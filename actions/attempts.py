"""Failed-attempt bookkeeping shared by every action that can see the bot fail.

The count lives in the ``failed_attempts`` slot so a conversation is auditable
from the tracker alone. Whether the count now reaches the limit (lower for some
customer tiers) is the escalation policy's to say: it records the answer before
every action, in ``handoff_at_next_failure`` (core/escalation/record.py), from the
rules saved in its model. At the limit it hands off with reason
``repeated_failure`` right after the action, so the action stays silent instead
of apologising and then handing off.
"""

from __future__ import annotations

from typing import List, Tuple

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from core.escalation.record import NEXT_FAILURE_SLOT


def failed_attempts(tracker: Tracker) -> int:
    return int(tracker.get_slot("failed_attempts") or 0)


def record_failure(tracker: Tracker) -> Tuple[List[EventType], bool]:
    """One more failed attempt: the events, and whether the escalation policy hands off after it."""
    count = failed_attempts(tracker) + 1
    return [SlotSet("failed_attempts", float(count))], tracker.get_slot(NEXT_FAILURE_SLOT) is True


def reset_failures() -> List[EventType]:
    return [SlotSet("failed_attempts", 0.0)]
