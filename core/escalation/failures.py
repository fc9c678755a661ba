"""Failed attempts a conversation shows that no single action can record.

Pure functions of the rules and the last few exchanges (:class:`Exchange`):
the reply to a clarifying question that is unclear too, "that's not it" or
the same problem again right after an answer, an unintelligible or off-topic
message once the bot is failing.
"""

from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

from core.escalation.rules import (
    CHAT_INTENTS,
    CLARIFY_ACTION,
    CONVERSATION_INTENTS,
    FALLBACK_INTENT,
    OFF_TOPIC_INTENT,
    UNSURE_BELOW,
    FailureCounts,
    Rules,
)
from core.escalation.turn import Exchange


def is_unsure(intent: Optional[str], confidence: float) -> bool:
    return intent == FALLBACK_INTENT or confidence < UNSURE_BELOW


def answered_topic(earlier: Sequence[Exchange]) -> Optional[Tuple[str, bool]]:
    """The support topic the bot answered just before the next message, and whether it was solved since.

    From the most recent exchange back: "problem solved" (only as the very
    last), any number of "tell me more", then the topic message itself, which
    the bot answered: it neither asked to clarify, nor failed, nor handed off.
    Anything else in between (a clarification, "not helpful", small talk) means
    the next message does not come right after an answer.
    """
    solved = False
    for position, exchange in enumerate(reversed(earlier)):
        if exchange.answered_form:
            return None  # the bot asked, the customer answered: nothing to judge the answer by
        if exchange.intent == "problem_solved" and position == 0:
            solved = True
        elif exchange.intent == "tell_me_more" and exchange.recorded == 0:
            continue
        elif (
            exchange.intent not in CONVERSATION_INTENTS
            and exchange.intent
            and exchange.actions
            and exchange.recorded == 0
            and CLARIFY_ACTION not in exchange.actions
            and "action_handoff" not in exchange.actions
        ):
            return exchange.intent, solved
        else:
            return None
    return None


def failure_weight(
    rules: Rules,
    text: str,
    intent: Optional[str],
    confidence: float,
    readings: Sequence[Tuple[str, float]],
    earlier: Sequence[Exchange],
    unintelligible: bool = False,
    failing_already: bool = False,
) -> int:
    """How many failed attempts this customer message shows, given the exchanges before it (oldest first)
    and whether one of them already was a failed attempt.

    - the reply to a clarifying question is unclear as well (``unclear_twice``);
    - right after an answer: "not helpful" (also as NLU's likeliest reading when
      it is unsure), the same intent again, or a phrase saying the problem is
      still there or back (``not_helpful``, ``came_back``);
    - the same, right after the customer said the answer solved it (``reopened``);
    - a message that resembles nothing the bot knows, or a request it cannot help
      with at all (``unintelligible``, ``off_topic``).
    """
    counts = rules.failures
    payload = text.startswith("/")
    words = "" if payload else text
    previous = earlier[-1] if earlier else None
    # Nothing the bot could act on: the customer tried and the bot could not follow.
    # Off-topic counts within a conversation that is already failing: chatter alone ("did you see the
    # match", "what's the weather") never brings in a person, a misread request after a failure does.
    off_topic = counts.off_topic if intent == OFF_TOPIC_INTENT and failing_already else 0
    lost = max(counts.unintelligible if unintelligible and not payload else 0, off_topic)
    if (
        previous is not None
        and not previous.answered_form
        and ((previous.intent == OFF_TOPIC_INTENT and counts.off_topic) or previous.unintelligible)
    ):
        # The bot just said it could not help, and it cannot read this one either.
        unclear = not payload and is_unsure(intent, confidence) and not _chatting(intent, confidence, readings)
        lost = max(lost, counts.unintelligible if unclear else 0)
    return max(lost, _weight_after_answer(counts, words, payload, intent, confidence, readings, earlier, previous))


def _chatting(intent: Optional[str], confidence: float, readings: Sequence[Tuple[str, float]]) -> bool:
    """The likeliest reading, even of an unsure message, is chat ("right ok thanks", "you're funny"):
    the customer is talking, not failing to get help."""
    name, likelihood = readings[0] if intent == FALLBACK_INTENT and readings else (intent, confidence)
    return name in CHAT_INTENTS and likelihood >= UNSURE_BELOW  # a faint guess at chat proves nothing


def _weight_after_answer(
    counts: FailureCounts,
    words: str,
    payload: bool,
    intent: Optional[str],
    confidence: float,
    readings: Sequence[Tuple[str, float]],
    earlier: Sequence[Exchange],
    previous: Optional[Exchange],
) -> int:
    if (
        previous is not None
        and previous.intent == FALLBACK_INTENT
        and CLARIFY_ACTION in previous.actions
        and previous.recorded == 0
        and not payload
        and is_unsure(intent, confidence)
        and intent not in {name for name, _ in previous.readings}  # not one of the offered readings
        and not _chatting(intent, confidence, readings)
    ):
        return counts.unclear_twice
    answered = answered_topic(earlier)
    if answered is None:
        return 0
    topic, solved = answered
    likeliest = readings[0][0] if intent == FALLBACK_INTENT and readings else intent
    rejected = likeliest == "not_helpful"
    came_back = any(p.search(words) for p in counts.came_back_patterns)
    same_again = bool(words) and intent == topic and not solved  # after "solved", the same topic may be a new question
    if solved:
        return counts.reopened if rejected or came_back else 0
    if rejected:
        return counts.not_helpful
    return counts.came_back if came_back or same_again else 0


def is_failing(earlier: Sequence[Exchange], weights: Sequence[int]) -> bool:
    """One of these messages was a failed attempt (recorded by an action or shown by the conversation)."""
    return any(e.recorded or w for e, w in zip(earlier, weights, strict=False))


def earlier_weights(rules: Rules, earlier: Sequence[Exchange]) -> List[int]:
    """Each earlier message's failed attempts, oldest first, in one pass (each sees the ones before it)."""
    weights: List[int] = []
    for index, e in enumerate(earlier):
        if e.answered_form:
            weights.append(0)  # an order number or an email the bot asked for
            continue
        failing = is_failing(earlier, weights)
        weights.append(
            failure_weight(rules, e.text, e.intent, e.confidence, e.readings, earlier[:index], e.unintelligible, failing)
        )
    return weights


def pending_failures(earlier: Sequence[Exchange], weights: Sequence[int]) -> int:
    """Failed attempts of earlier messages that no action recorded, since the count was last reset."""
    pending = 0
    for exchange, weight in zip(earlier, weights, strict=True):
        pending += max(0, weight - exchange.recorded)
        if exchange.reset:
            pending = 0
    return pending
