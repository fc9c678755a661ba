"""Small readers of the conversation and the domain, shared by the action modules."""

from __future__ import annotations

from typing import Any, Dict, Optional

from rasa_sdk import Tracker
from rasa_sdk.types import DomainDict


def last_bot_response(tracker: Tracker) -> Optional[str]:
    """Name of the domain response behind the bot's latest message."""
    for event in reversed(tracker.events):
        if event.get("event") == "bot":
            return (event.get("metadata") or {}).get("utter_action")
    return None


def response_text(domain: DomainDict, response: str) -> Optional[str]:
    """The first text variant of a domain response (used as a button title)."""
    variants = domain.get("responses", {}).get(response) or []
    return variants[0].get("text") if variants else None


def message_that_started(tracker: Tracker, loop: str) -> Optional[Dict[str, Any]]:
    """The parsed customer message after which ``loop`` (a form) was last activated."""
    started = False
    for event in reversed(tracker.events):
        if event.get("event") == "active_loop" and event.get("name") == loop:
            started = True
        elif started and event.get("event") == "user":
            return {**(event.get("parse_data") or {}), "text": event.get("text")}
    return None


# The customer's reactions to an answer: they mean something only after one.
REACTIONS = frozenset({"not_helpful", "problem_solved", "tell_me_more"})
_VERDICT_PAYLOADS = ("/problem_solved", "/not_helpful")


def something_answered(tracker: Tracker) -> bool:
    """Whether the bot has given an answer the customer can judge ("solved" / "not it" offered) in this conversation.

    Only then can "that didn't help" be a failed attempt; before, it is a vague start.
    """
    for event in reversed(tracker.events):
        if event.get("event") in ("restart", "session_started"):
            return False
        if event.get("event") == "bot":
            buttons = (event.get("data") or {}).get("buttons") or []
            if any(str(b.get("payload", "")).startswith(_VERDICT_PAYLOADS) for b in buttons):
                return True
    return False
