"""The conversation as the packet needs it, read once from the tracker's events.

Rasa events are loose dicts whose keys vary with the channel and the Rasa
version; this module is the one place that knows them, so the builder and the
summary work on plain, typed values. Nothing is redacted here: the builder
redacts everything it copies out.

Only applied events count (``Tracker.applied_events``): a restart starts a new
conversation, and undone or rewound turns never happened for the customer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from rasa_sdk import Tracker

from core.escalation.rules import NOT_DETAILS_INTENTS

CUSTOMER, BOT, AGENT = "customer", "bot", "agent"
FALLBACK_INTENT = "nlu_fallback"
# Entities only buttons send (which detail, which article, which team): UI
# mechanics, not something the customer told us.
BUTTON_ENTITIES = frozenset({"detail", "article_id", "queue"})
# Replies that say nothing about what the customer needs; the latest message
# that is not one of these says what the conversation is about.
NOT_SUBSTANTIVE = frozenset(NOT_DETAILS_INTENTS | {"affirm", "deny", "request_human", "chitchat", "bot_challenge"})
# How the customer feels about the topic so far, rarely a new topic of its own.
FOLLOW_UP_INTENTS = frozenset({"complaint", "feedback"})


@dataclass(frozen=True)
class CustomerTurn:
    """One customer message. ``clicked`` is the button label when the customer clicked rather than typed."""

    text: str
    clicked: Optional[str]
    intent: Optional[str]
    confidence: float
    ranking: Tuple[Tuple[str, float], ...]
    entities: Tuple[Tuple[str, str], ...]
    metadata: Mapping[str, Any]
    at: Optional[float]

    @property
    def typed(self) -> bool:
        return self.clicked is None and bool(self.text.strip())


@dataclass(frozen=True)
class Message:
    sender: str  # customer | bot | agent
    text: str
    at: Optional[float]


@dataclass(frozen=True)
class Conversation:
    turns: Tuple[CustomerTurn, ...]
    messages: Tuple[Message, ...]
    events: Tuple[Mapping[str, Any], ...]
    started_at: Optional[float]

    def typed_turns(self) -> List[CustomerTurn]:
        return [t for t in self.turns if t.typed]

    def substantive_turn(self) -> Optional[CustomerTurn]:
        """The latest message that says what the customer needs (else the latest message)."""
        for turn in reversed(self.turns):
            if turn.intent and turn.intent not in NOT_SUBSTANTIVE:
                return turn
        return self.turns[-1] if self.turns else None

    def topic(self) -> Optional[Tuple[str, float]]:
        """What the customer came for, as ``(intent, confidence)``: the latest substantive message's reading.

        A complaint after an unhelpful answer ("this is useless, third time I
        ask") is about the earlier topic, so the earlier topic wins when there
        is one. An unsure reading (``nlu_fallback``) counts as its likeliest intent.
        """
        readings = []
        for turn in self.turns:
            intent, confidence = turn.intent, turn.confidence
            if intent == FALLBACK_INTENT:
                intent, confidence = turn.ranking[0] if turn.ranking else (None, 0.0)
            if intent and intent not in NOT_SUBSTANTIVE:
                readings.append((intent, confidence))
        for reading in reversed(readings):
            if reading[0] not in FOLLOW_UP_INTENTS:
                return reading
        return readings[-1] if readings else None

    def latest_metadata(self, key: str) -> Any:
        """The value the channel reported for ``key`` with the latest message that carried it."""
        for turn in reversed(self.turns):
            value = turn.metadata.get(key)
            if value not in (None, ""):
                return value
        return None


def timestamp(event: Mapping[str, Any]) -> Optional[float]:
    value = event.get("timestamp")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _buttons(event: Mapping[str, Any]) -> List[Dict[str, Any]]:
    data = event.get("data") or {}
    buttons = data.get("buttons") if isinstance(data, dict) else None
    return [b for b in buttons or [] if isinstance(b, dict)]


def _ranking(parse: Mapping[str, Any]) -> Tuple[Tuple[str, float], ...]:
    ranking = []
    for item in parse.get("intent_ranking") or []:
        name = item.get("name") if isinstance(item, dict) else None
        if name and name != FALLBACK_INTENT:
            ranking.append((str(name), float(item.get("confidence") or 0.0)))
    return tuple(ranking)


def _click_label(text: str, intent: Optional[str], entities: Sequence[Tuple[str, str]], buttons: Sequence[Mapping]) -> str:
    """What the customer clicked: the button's title when the bot's last message had it, else the intent in words."""
    for button in buttons:
        if button.get("payload") == text and button.get("title"):
            return str(button["title"])
    label = (intent or text.lstrip("/")).replace("_", " ")
    values = ", ".join(value for _, value in entities)
    return f"{label} ({values})" if values else label


def _customer_turn(event: Mapping[str, Any], buttons: Sequence[Mapping]) -> CustomerTurn:
    parse = event.get("parse_data") or {}
    text = str(event.get("text") or parse.get("text") or "")
    intent_data = parse.get("intent") or {}
    intent = intent_data.get("name") or None
    entities = tuple(
        (str(e.get("entity")), str(e.get("value")))
        for e in parse.get("entities") or event.get("entities") or []
        if isinstance(e, dict) and e.get("entity") and e.get("value") not in (None, "")
    )
    clicked = None
    if text.startswith("/"):  # a button payload: the customer clicked, the text is not their words
        clicked = _click_label(text, intent, [e for e in entities if e[0] in BUTTON_ENTITIES], buttons)
    metadata = event.get("metadata") or parse.get("metadata") or {}
    return CustomerTurn(
        text=text,
        clicked=clicked,
        intent=intent,
        confidence=float(intent_data.get("confidence") or 0.0),
        ranking=_ranking(parse),
        entities=entities,
        metadata=metadata if isinstance(metadata, dict) else {},
        at=timestamp(event),
    )


def _bot_text(event: Mapping[str, Any]) -> str:
    text = str(event.get("text") or "").strip()
    titles = [str(b.get("title")) for b in _buttons(event) if b.get("title")]
    if titles:
        text = f"{text} [buttons: {' | '.join(titles)}]".strip()
    return text


def read_conversation(tracker: Tracker) -> Conversation:
    events = tuple(tracker.applied_events() if hasattr(tracker, "applied_events") else tracker.events or [])
    turns: List[CustomerTurn] = []
    messages: List[Message] = []
    buttons: List[Dict[str, Any]] = []
    for event in events:
        kind = event.get("event")
        if kind == "user":
            turn = _customer_turn(event, buttons)
            turns.append(turn)
            messages.append(Message(CUSTOMER, f"[clicked: {turn.clicked}]" if turn.clicked else turn.text, turn.at))
        elif kind == "bot":
            sender = AGENT if (event.get("metadata") or {}).get("sender") == AGENT else BOT
            buttons = _buttons(event) or buttons
            text = _bot_text(event)
            if text:
                messages.append(Message(sender, text, timestamp(event)))
    started = next((t for t in (timestamp(e) for e in events) if t is not None), None)
    return Conversation(tuple(turns), tuple(messages), events, started)
