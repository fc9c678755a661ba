"""A five-line briefing for the agent, built from the packet's own (already redacted) fields.

Deterministic templates rather than a language model: the same conversation
always gives the same words, nothing can be invented, and no secret can
reach the summary because it only reads fields that were redacted first.
Templates name the specifics an agent would otherwise scroll for: the order
number, the amount, the error code, the articles and what the customer said
about them. The per-topic and per-reason sentences are the designers'
(data/topics.yml, core/packet/topics.py); the rest of the wording is here.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Tuple

from core.escalation.rules import HUMAN_REQUEST_INTENT
from core.packet.redaction import CARD_LABEL, CODE_LABEL, CVV_LABEL, PASSWORD_LABEL
from core.packet.topics import Topic, Topics
from core.packet.topics import topics as project_topics

QUOTE_CHARS = 160
# Below this NLU confidence the goal is marked as a guess.
SURE_AT_LEAST = 0.6
VERDICT_WORDS = {"shown": "no verdict yet", "solved": "customer said it solved it", "not_it": "customer said it was not it"}
SECRET_KINDS = {
    CARD_LABEL: "a card number",
    CVV_LABEL: "a CVV",
    PASSWORD_LABEL: "a password",
    CODE_LABEL: "a one-time code",
}
# An intent without a topic in data/topics.yml (make validate fails on one the domain lists), or none at all.
UNKNOWN = Topic(
    "Not clear: the bot could not tell what the customer needs",
    "What does the customer need?",
    "Read the customer's messages below and ask only for what is still missing.",
)
PERSON_ONLY = Topic(
    "Talk to a person (no topic given yet)",
    "What does the customer need help with?",
    "Greet the customer and ask what you can help with; they have not said yet.",
)


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return f"\u201c{text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1] + '…'}\u201d"


def facts(packet: Mapping[str, Any]) -> Dict[str, str]:
    """The first value of each entity (or slot) the customer gave, redacted like the packet."""
    found: Dict[str, str] = {}
    for name, value in (packet.get("slots") or {}).items():
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            found.setdefault(name, str(value))
    for entity in packet.get("entities") or []:
        found.setdefault(entity["entity"], entity["value"])
    return found


def _fill(template: str, known: Mapping[str, str]) -> str:
    order, amount, error, area = (known.get(k) for k in ("order_number", "amount", "error_code", "product_area"))
    values = {
        "order": f"order {order}" if order else "their order",
        "about_order": f" about order {order}" if order else "",
        "amount_of": f" of {amount}" if amount else "",
        "error_paren": f" (error {error})" if error else "",
        "error_with": f" with error {error}" if error else "",
        "error_for": f" for error {error}" if error else "",
        "area_on": f" ({area})" if area else "",
    }
    return template.format_map(values)


def _topic(intent: Optional[str], topics: Topics) -> Topic:
    if intent == HUMAN_REQUEST_INTENT:
        return PERSON_ONLY
    return topics.topic(intent) or UNKNOWN


def _customer_texts(packet: Mapping[str, Any]) -> List[str]:
    messages = packet.get("transcript") or []
    return [m["text"] for m in messages if m["from"] == "customer" and not m["text"].startswith("[clicked:")]


def _goal(packet: Mapping[str, Any], confidence: float, topic: Topic, known: Mapping[str, str]) -> str:
    if topic is UNKNOWN and not packet.get("transcript"):
        return "Not stated yet: the customer has not written anything."
    goal = _fill(topic.goal, known)
    if topic not in (UNKNOWN, PERSON_ONLY) and confidence < SURE_AT_LEAST:
        return f"Probably: {goal[0].lower()}{goal[1:]} (the bot was {confidence:.0%} sure)."
    return goal + "."


def _articles(packet: Mapping[str, Any]) -> str:
    return "; ".join(f"{_quote(a['title'])} ({VERDICT_WORDS.get(a['verdict'], a['verdict'])})" for a in packet["articles_shown"])


def _what_happened(packet: Mapping[str, Any], topics: Topics) -> str:
    texts = _customer_texts(packet)
    clicked = any(m["from"] == "customer" for m in packet.get("transcript") or [])
    parts = [
        f"Customer wrote {_quote(texts[0])}."
        if texts
        else "The customer only clicked buttons."
        if clicked
        else "The customer has not written anything yet."
    ]
    if len(texts) > 1 and texts[-1] != texts[0]:
        parts.append(f"Latest: {_quote(texts[-1])}.")
    if packet["articles_shown"]:
        parts.append(f"Bot showed {_articles(packet)}.")
    if packet["sentiment"]["trend"] == "worsening":
        parts.append("Their mood got worse during the chat.")
    parts.append(f"Handed over because {topics.handed_over(packet['reason']['code'])}.")
    return " ".join(parts)


def _tried(packet: Mapping[str, Any]) -> str:
    texts: List[str] = []
    for step in packet["steps_tried"]:
        if step["text"] not in texts:
            texts.append(step["text"])
    if not texts:
        return "Nothing yet: the bot handed over before trying anything."
    return "; ".join(texts) + "."


def _open_question(topic: Topic, known: Mapping[str, str]) -> str:
    question = _fill(topic.question, known)
    if topic.needs_order_number and "order_number" not in known:
        question += " No order number given yet."
    return question


def _shared_secrets(packet: Mapping[str, Any]) -> str:
    """A warning when the customer typed secrets into the chat: they were removed here, but they were sent."""
    texts = " ".join(m["text"] for m in packet.get("transcript") or [] if m["from"] == "customer")
    kinds = [kind for label, kind in SECRET_KINDS.items() if label in texts]
    if not kinds:
        return ""
    listed = kinds[0] if len(kinds) == 1 else ", ".join(kinds[:-1]) + " and " + kinds[-1]
    return f"The customer typed {listed} into the chat (removed from this packet): tell them to change or cancel it."


def _next_step(packet: Mapping[str, Any], topic: Topic, known: Mapping[str, str], topics: Topics) -> str:
    first_move = topics.first_move(packet["reason"]["code"])
    parts = [first_move] if first_move else []
    parts.append(_fill(topic.next_step, known))
    rejected = [a["title"] for a in packet["articles_shown"] if a["verdict"] == "not_it"]
    if rejected:
        parts.append(f"Do not send {', '.join(_quote(t) for t in rejected)} again: the customer said it was not it.")
    return " ".join(parts + [_shared_secrets(packet)]).strip()


def summarize(
    packet: Mapping[str, Any], topic: Optional[Tuple[str, float]] = None, topics: Optional[Topics] = None
) -> Dict[str, str]:
    """``{goal, what_happened, tried, open_question, suggested_next_step}`` from every other field of ``packet``.

    ``topic`` is what the customer came for as ``(intent, confidence)``
    (``Conversation.topic``); without it, the packet's likeliest intent.
    ``topics`` holds the designers' sentences; without it, this process's (data/topics.yml).
    """
    topics = project_topics() if topics is None else topics
    known = facts(packet)
    if topic is None:
        intents = packet.get("intents") or []
        topic = (intents[0]["name"], float(intents[0]["confidence"])) if intents else None
    intent, confidence = topic if topic else (None, 0.0)
    chosen = _topic(intent, topics)
    return {
        "goal": _goal(packet, confidence, chosen, known),
        "what_happened": _what_happened(packet, topics),
        "tried": _tried(packet),
        "open_question": _open_question(chosen, known),
        "suggested_next_step": _next_step(packet, chosen, known, topics),
    }
