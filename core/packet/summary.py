"""A five-line briefing for the agent, built from the packet's own (already redacted) fields.

Deterministic templates rather than a language model: the same conversation
always gives the same words, nothing can be invented, and no secret can
reach the summary because it only reads fields that were redacted first.
Templates name the specifics an agent would otherwise scroll for: the order
number, the amount, the error code, the articles and what the customer said
about them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Tuple

from core.packet.redaction import CARD_LABEL, CODE_LABEL, CVV_LABEL, PASSWORD_LABEL

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
ORDER_INTENTS = frozenset(
    (
        "order_status delivery_period order_change order_cancel shipping_address return_policy refund_request"
        " refund_status invoice invoice_check complaint"
    ).split()
)


@dataclass(frozen=True)
class Topic:
    goal: str
    question: str
    next_step: str


TOPICS: Dict[str, Topic] = {
    "order_status": Topic(
        "Find out where {order} is",
        "Where is {order} now, and when will it arrive?",
        "Look up {order} and give the customer its status and delivery date.",
    ),
    "delivery_period": Topic(
        "Find out when {order} will arrive",
        "What is the expected delivery date of {order}?",
        "Look up {order} and give the customer its expected delivery date; if it is already past, treat it as a late parcel.",
    ),
    "order_change": Topic(
        "Change the items, sizes or quantities of {order}",
        "Can {order} still be changed?",
        "Check whether {order} has been packed; if not, make the change and confirm it.",
    ),
    "order_cancel": Topic(
        "Cancel {order}",
        "Can {order} still be cancelled, or does it have to be returned instead?",
        "Check whether {order} has been packed; if not, cancel it and confirm the refund; if so, explain the free return.",
    ),
    "place_order": Topic(
        "Buy something{area_on}",
        "What stops the customer placing the order (how to order, stock, a pre-order)?",
        "Help the customer complete the purchase; check stock or the pre-order date if an item is unavailable.",
    ),
    "shipping_address": Topic(
        "Change the delivery address of {order}",
        "Can the address of {order} still be changed?",
        "Check whether {order} has left the warehouse and update the address if not.",
    ),
    "delivery_options": Topic(
        "Learn the delivery options and times",
        "Which delivery option fits what the customer needs?",
        "Answer the delivery question directly.",
    ),
    "return_policy": Topic(
        "Return an item from {order}",
        "Is the item from {order} eligible for return?",
        "Check the return window for {order} and send the return instructions.",
    ),
    "refund_request": Topic(
        "Get a refund{amount_of} for {order}",
        "Should {order} be refunded{amount_of}?",
        "Check {order} against the refund policy, decide, and tell the customer the outcome and timing.",
    ),
    "refund_status": Topic(
        "Find out where the refund{amount_of} for {order} is",
        "Has the refund for {order} been issued, and when will it arrive?",
        "Check the refund status of {order} in the payment system.",
    ),
    "payment_methods": Topic(
        "Pay with a method that works for them",
        "Which payment method does the customer want to use?",
        "Confirm the accepted payment methods for the customer's case.",
    ),
    "payment_failed": Topic(
        "Get a failed payment{amount_of}{error_paren} to go through",
        "Why does the payment{amount_of} fail{error_with}?",
        "Check the payment log{error_for} and tell the customer whether to retry or use another method.",
    ),
    "invoice": Topic(
        "Get an invoice for {order}",
        "Which invoice does the customer need, and with which details?",
        "Send the invoice for {order}.",
    ),
    "invoice_check": Topic(
        "Check the amounts on the invoice for {order}",
        "Which amount{amount_of} on the invoice for {order} does the customer question?",
        "Compare the invoice for {order} with what was paid and refunded; explain the difference, or have billing reissue it.",
    ),
    "account_create": Topic(
        "Create an account", "What stops the customer creating an account?", "Help the customer finish signing up."
    ),
    "account_edit": Topic(
        "Change their account details",
        "Which details must change?",
        "Verify the customer's identity, then make the change.",
    ),
    "account_switch": Topic(
        "Switch to another of their accounts",
        "Which account does the customer want to use, and what stops them switching?",
        "Help the customer sign out and back in with the other account; if they want the two joined, verify both and merge them.",
    ),
    "account_delete": Topic(
        "Delete their account",
        "Has the customer confirmed they want the account deleted?",
        "Verify the customer's identity, then process the deletion request.",
    ),
    "login_problem": Topic(
        "Sign in to their account",
        "Why can't the customer sign in{error_with}?",
        "Verify the customer's identity, check the account status, and send a password reset if needed.",
    ),
    "account_takeover": Topic(
        "Get their account back and secure it",
        "Has someone else got into the account, and what did they change or order?",
        "Verify identity, lock the account, force a password reset, and review recent orders and changes.",
    ),
    "unauthorized_charge": Topic(
        "Dispute a charge{amount_of} they did not make",
        "Is the charge{amount_of} fraudulent?",
        "Verify identity, review the charge and recent orders, and block the card or account if needed.",
    ),
    "newsletter": Topic(
        "Change their newsletter and email settings",
        "Which emails does the customer want to stop or start?",
        "Update the email preferences and confirm.",
    ),
    "site_outage": Topic(
        "Use the site{area_on}, which is not working for them",
        "Is there an outage{area_on}{error_with}?",
        "Check the status page and incidents; give the customer a workaround or an estimate.",
    ),
    "complaint": Topic(
        "Make a complaint{about_order}",
        "What went wrong, and what would put it right?",
        "Acknowledge the complaint, read the customer's words below, and offer a remedy within policy.",
    ),
    "feedback": Topic(
        "Leave feedback", "What feedback does the customer want to give?", "Thank the customer and record the feedback."
    ),
    "review": Topic(
        "Write a review{area_on}",
        "What does the customer want to review, and what stops them?",
        "Point the customer to 'Write a review' on the product page (once delivered), or record their review of the service.",
    ),
    "contact_support": Topic(
        "Find out how to reach customer support",
        "Which way of contacting us did the customer ask about (chat, email, call-back, opening hours), and what is it about?",
        "Greet the customer: you are the support they were looking for. Ask what they need help with.",
    ),
}
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
# What the reason changes about the agent's first move, before the topic's step.
REASON_FIRST: Dict[str, str] = {
    "security_risk": "Security case: keep account details out of the chat until identity is verified.",
    "legal": "Do not admit liability or promise outcomes; follow the legal-matters process.",
    "business_impact": "Reply first: the customer's business is affected.",
    "frustration": "Apologise once, then go straight to the fix; do not repeat what the bot already tried.",
    "vip": "Priority customer: take ownership through to resolution.",
    "low_confidence_high_risk": "Confirm what the customer means before acting; it may concern their account or money.",
    "repeated_failure": "The bot failed repeatedly; do not send the customer back to it.",
}
HANDED_OVER: Dict[str, str] = {
    "customer_request": "the customer asked for a person",
    "repeated_failure": "the bot failed repeatedly",
    "security_risk": "it may be a security issue",
    "legal": "the customer raised a legal matter",
    "business_impact": "it is hurting the customer's business",
    "frustration": "the customer is frustrated",
    "low_confidence_high_risk": "it may concern the account or money and the bot was unsure",
    "vip": "the customer's tier gets a person",
    "policy_boundary": "it needs a decision the bot may not take",
}


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


def _topic(intent: Optional[str]) -> Topic:
    if intent == "request_human":
        return PERSON_ONLY
    return TOPICS.get(intent or "", UNKNOWN)


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


def _what_happened(packet: Mapping[str, Any]) -> str:
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
    parts.append(f"Handed over because {HANDED_OVER.get(packet['reason']['code'], packet['reason']['code'].replace('_', ' '))}.")
    return " ".join(parts)


def _tried(packet: Mapping[str, Any]) -> str:
    texts: List[str] = []
    for step in packet["steps_tried"]:
        if step["text"] not in texts:
            texts.append(step["text"])
    if not texts:
        return "Nothing yet: the bot handed over before trying anything."
    return "; ".join(texts) + "."


def _open_question(intent: Optional[str], topic: Topic, known: Mapping[str, str]) -> str:
    question = _fill(topic.question, known)
    if intent in ORDER_INTENTS and "order_number" not in known:
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


def _next_step(packet: Mapping[str, Any], topic: Topic, known: Mapping[str, str]) -> str:
    parts = [REASON_FIRST[packet["reason"]["code"]]] if packet["reason"]["code"] in REASON_FIRST else []
    parts.append(_fill(topic.next_step, known))
    rejected = [a["title"] for a in packet["articles_shown"] if a["verdict"] == "not_it"]
    if rejected:
        parts.append(f"Do not send {', '.join(_quote(t) for t in rejected)} again: the customer said it was not it.")
    return " ".join(parts + [_shared_secrets(packet)]).strip()


def summarize(packet: Mapping[str, Any], topic: Optional[Tuple[str, float]] = None) -> Dict[str, str]:
    """``{goal, what_happened, tried, open_question, suggested_next_step}`` from every other field of ``packet``.

    ``topic`` is what the customer came for as ``(intent, confidence)``
    (``Conversation.topic``); without it, the packet's likeliest intent.
    """
    known = facts(packet)
    if topic is None:
        intents = packet.get("intents") or []
        topic = (intents[0]["name"], float(intents[0]["confidence"])) if intents else None
    intent, confidence = topic if topic else (None, 0.0)
    chosen = _topic(intent)
    return {
        "goal": _goal(packet, confidence, chosen, known),
        "what_happened": _what_happened(packet),
        "tried": _tried(packet),
        "open_question": _open_question(intent, chosen, known),
        "suggested_next_step": _next_step(packet, chosen, known),
    }
