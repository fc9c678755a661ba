"""What the decision reads about a conversation (a :class:`Turn` with its earlier exchanges) and what it returns.

The policy (policies/escalation.py) fills them from the Rasa tracker; the
decision itself never sees Rasa.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional, Sequence, Tuple


@dataclass(frozen=True)
class Exchange:
    """An earlier customer message and what the bot did about it, before the next one."""

    text: str = ""
    intent: Optional[str] = None
    confidence: float = 0.0
    readings: Sequence[Tuple[str, float]] = ()  # the two likeliest (without nlu_fallback)
    actions: Tuple[str, ...] = ()  # the bot's actions, in order (without action_listen)
    recorded: int = 0  # failed attempts the actions recorded
    reset: bool = False  # the failed attempts were reset (problem solved)
    unintelligible: bool = False  # resembles nothing the bot knows (policies/risk_detector.py)
    answered_form: bool = False  # the reply to a form's question, which the form took


@dataclass(frozen=True)
class Turn:
    """What the policy knows about the moment it decides."""

    text: str = ""
    intent: Optional[str] = None
    confidence: float = 0.0
    ranking: Sequence[Tuple[str, float]] = ()
    tier: Optional[str] = None
    at_user_message: bool = True
    failed_attempts: int = 0
    failure_recorded_this_turn: bool = False
    previous_intent: Optional[str] = None
    sentiment: float = 0.0  # VADER compound of `text`
    requested_queue: Optional[str] = None  # a button's "talk to billing"
    # The few customer messages before this one, oldest first (bounded: see the policy).
    earlier: Tuple[Exchange, ...] = ()
    recorded_this_turn: int = 0  # failed attempts the actions recorded since this message
    # The catalogue's risks the detector found in this message, in catalogue order:
    # {"risk", "evidence", "matched_by", ...} (policies/risk_detector.py).
    risks: Tuple[Mapping[str, Any], ...] = ()
    unintelligible: bool = False
    # The message answers the question a form asked (an order number, an email), and the form
    # has not turned it down: what it says is data, not an intent to read or a failed attempt.
    answering_form: bool = False
    # An action asked for a person since this message ({"reason", "evidence"}): e.g. the order
    # lookup after too many wrong order details (the escalation_request slot).
    requested: Optional[Mapping[str, Any]] = None


@dataclass(frozen=True)
class Decision:
    reason: str
    priority: str
    queue: str
    explanation: str
    failed_attempts: Optional[int] = None  # the count behind a repeated_failure, for the slot
    # For a risk of the catalogue: what the agent sees (the handoff_risk slot, the packet's "risk").
    risk: Optional[Mapping[str, Any]] = None
    # The response that tells the customer, when the action that asked for a person names one.
    reply: Optional[str] = None
