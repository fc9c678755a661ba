"""Failed-attempt bookkeeping shared by every action that can see the bot fail.

The count lives in the ``failed_attempts`` slot so a conversation is auditable
from the tracker alone. The limit comes from data/escalation.yml (lower for
some customer tiers); at the limit the escalation policy hands off with reason
``repeated_failure`` right after the action, so the action stays silent
instead of apologising and then handing off.
"""

from __future__ import annotations

from typing import List, Optional, Tuple

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from actions.config import settings


def failed_attempts(tracker: Tracker) -> int:
    return int(tracker.get_slot("failed_attempts") or 0)


def customer_tier(tracker: Tracker) -> Optional[str]:
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            tier = (event.get("metadata") or {}).get("customer_tier")
            if isinstance(tier, str) and tier:
                return tier.lower()
    return None


def record_failure(tracker: Tracker) -> Tuple[List[EventType], bool]:
    """One more failed attempt: the events, and whether the limit is now reached."""
    count = failed_attempts(tracker) + 1
    return [SlotSet("failed_attempts", float(count))], count >= settings().failed_attempt_limit_for(customer_tier(tracker))


def reset_failures() -> List[EventType]:
    return [SlotSet("failed_attempts", 0.0)]
