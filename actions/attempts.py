"""Failed-attempt bookkeeping shared by every action that can see the bot fail.

The count lives in the ``failed_attempts`` slot so a conversation is auditable
from the tracker alone. Reaching the limit hands the customer to a person
instead of letting them go round in circles.
"""

from __future__ import annotations

from typing import List

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet

from actions.config import settings

REPEATED_FAILURE = "repeated_failure"


def failed_attempts(tracker: Tracker) -> int:
    return int(tracker.get_slot("failed_attempts") or 0)


def record_failure(tracker: Tracker) -> List[EventType]:
    """One more failed attempt; at the limit, also hand off.

    Returns the events to append. When the limit is reached the events include
    ``handoff_reason`` and a follow-up to ``action_handoff``, and the caller
    must not send its own "sorry" message: the handoff speaks instead.
    """
    count = failed_attempts(tracker) + 1
    events: List[EventType] = [SlotSet("failed_attempts", float(count))]
    if count >= settings().failed_attempt_limit:
        events += [SlotSet("handoff_reason", REPEATED_FAILURE), FollowupAction("action_handoff")]
    return events


def reached_limit(events: List[EventType]) -> bool:
    return any(e.get("event") == "followup" for e in events)


def reset_failures() -> List[EventType]:
    return [SlotSet("failed_attempts", 0.0)]
