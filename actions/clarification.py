"""One clarifying question when NLU is unsure, and never a loop.

Runs on ``nlu_fallback`` (FallbackClassifier in config.yml). It offers the two
most likely intents as buttons plus "Something else". If the customer was
already asked to clarify or rephrase just before, asking again would be a
loop: it counts a failed attempt and offers a person instead.

The domain must hold ``utter_clarify``, ``utter_clarify_something_else``,
``utter_clarify_failed``, ``utter_ask_what_about`` and an ``utter_topic_<intent>``
label for every intent that may be offered.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.attempts import record_failure
from actions.dialogue import REACTIONS, response_text, something_answered

FALLBACK_INTENT = "nlu_fallback"
# Bot turns that already asked the customer to clarify.
CLARIFYING_ACTIONS = {"action_clarify", "utter_ask_rephrase"}
MAX_OPTIONS = 2


def previous_bot_action(tracker: Tracker) -> Optional[str]:
    """The last action the bot ran before the current user message."""
    seen_current_message = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_current_message:
                return None
            seen_current_message = True
        elif seen_current_message and event.get("event") == "action":
            name = event.get("name")
            if name != "action_listen":
                return name
    return None


def top_interpretations(tracker: Tracker, domain: DomainDict) -> List[Dict[str, Any]]:
    return readings(tracker, domain)[0]


def readings(tracker: Tracker, domain: DomainDict) -> Tuple[List[Dict[str, Any]], bool]:
    """The likeliest readings as buttons, and whether a reaction to an answer was left out (nothing answered yet)."""
    ranking = tracker.latest_message.get("intent_ranking") or []
    # "That didn't help" is no reading of "I have a problem" when nothing was answered yet.
    answered = something_answered(tracker)
    options: List[Dict[str, Any]] = []
    left_out = False
    for candidate in ranking:
        name = candidate.get("name")
        label = response_text(domain, f"utter_topic_{name}")
        if name == FALLBACK_INTENT or not label:
            continue
        if name in REACTIONS and not answered:
            left_out = True
            continue
        options.append({"title": label, "payload": f"/{name}"})
        if len(options) == MAX_OPTIONS:
            break
    return options, left_out


class ActionClarify(Action):
    def name(self) -> str:
        return "action_clarify"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        options, left_out = readings(tracker, domain)
        if previous_bot_action(tracker) not in CLARIFYING_ACTIONS and not options and left_out:
            # Vague ("it doesn't work"), read only as a reaction with nothing answered yet: ask what
            # it is about, no failure. (Nothing readable at all stays a failed attempt, below.)
            dispatcher.utter_message(response="utter_ask_what_about")
            return []
        if previous_bot_action(tracker) in CLARIFYING_ACTIONS or not options:
            events, at_limit = record_failure(tracker)
            if not at_limit:
                dispatcher.utter_message(response="utter_clarify_failed")
            return events

        something_else = response_text(domain, "utter_clarify_something_else")
        buttons = options + [{"title": something_else, "payload": "/deny"}]
        dispatcher.utter_message(response="utter_clarify", buttons=buttons)
        return []
