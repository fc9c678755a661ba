"""Progressive disclosure: detail on request, and the customer's verdict.

A topic's first reply is ``utter_<topic>``; its detail is ``utter_<topic>_more``.
Buttons can ask for a specific detail with ``/tell_me_more{"detail": "x"}``,
shown from ``utter_more_x``. Designers add detail by adding responses; no code
changes.
"""

from __future__ import annotations

from typing import List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.attempts import reached_limit, record_failure, reset_failures


def last_bot_response(tracker: Tracker) -> Optional[str]:
    """Name of the domain response behind the bot's latest message."""
    for event in reversed(tracker.events):
        if event.get("event") == "bot":
            return (event.get("metadata") or {}).get("utter_action")
    return None


def detail_response(tracker: Tracker, domain: DomainDict) -> Optional[str]:
    responses = domain.get("responses", {})
    requested = next(tracker.get_latest_entity_values("detail"), None)
    if requested and f"utter_more_{requested}" in responses:
        return f"utter_more_{requested}"
    previous = last_bot_response(tracker)
    # Only the latest answer is expanded: asking "more" after the detail must
    # not replay the same detail again.
    if previous and f"{previous}_more" in responses:
        return f"{previous}_more"
    return None


class ActionMoreDetail(Action):
    def name(self) -> str:
        return "action_more_detail"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        response = detail_response(tracker, domain)
        dispatcher.utter_message(response=response or "utter_no_more_detail")
        return []


class ActionProblemSolved(Action):
    def name(self) -> str:
        return "action_problem_solved"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        dispatcher.utter_message(response="utter_glad_it_helped")
        return reset_failures()


class ActionNotHelpful(Action):
    def name(self) -> str:
        return "action_not_helpful"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        events = record_failure(tracker)
        if not reached_limit(events):
            dispatcher.utter_message(response="utter_sorry_not_helpful")
        return events
