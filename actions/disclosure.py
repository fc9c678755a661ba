"""Progressive disclosure: detail on request, and the customer's verdict.

After a knowledge-base answer, the detail is the article's body
(``utter_kb_detail``). Otherwise a reply ``utter_<x>`` is expanded by
``utter_<x>_more``, and buttons can ask for a specific detail with
``/tell_me_more{"detail": "x"}``, shown from ``utter_more_x``. Designers add
detail by adding responses or articles; no code changes.

"That solved it" and "That's not it" are recorded as the verdict on the
article just served and feed the failed-attempt count.
"""

from __future__ import annotations

from typing import List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.attempts import record_failure, reset_failures
from actions.dialogue import last_bot_response, something_answered
from actions.knowledge_base import NOT_IT, SOLVED, detail_kwargs, record_verdict


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
        if last_bot_response(tracker) == "utter_kb_answer":
            kwargs = detail_kwargs(tracker)
            if kwargs is not None:
                dispatcher.utter_message(response="utter_kb_detail", **kwargs)
                return []
        response = detail_response(tracker, domain)
        if response is None:
            dispatcher.utter_message(response="utter_no_more_detail")
            return []
        # A reply made from data (an order's status) has its detail filled from the same values.
        facts = tracker.get_slot("reply_facts")
        dispatcher.utter_message(response=response, **(facts if isinstance(facts, dict) else {}))
        return []


class ActionProblemSolved(Action):
    def name(self) -> str:
        return "action_problem_solved"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        dispatcher.utter_message(response="utter_glad_it_helped")
        return record_verdict(tracker, SOLVED) + reset_failures()


class ActionNotHelpful(Action):
    def name(self) -> str:
        return "action_not_helpful"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        if not something_answered(tracker):
            # "It doesn't work" with nothing tried yet: no answer failed, so ask what it is about.
            dispatcher.utter_message(response="utter_ask_what_about")
            return []
        failure, at_limit = record_failure(tracker)
        if not at_limit:
            dispatcher.utter_message(response="utter_sorry_not_helpful")
        return record_verdict(tracker, NOT_IT) + failure
