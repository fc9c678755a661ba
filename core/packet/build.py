"""The handoff packet: everything an agent needs to take over without asking the customer to repeat themselves.

:func:`build_packet` is pure: no I/O (but data/topics.yml, read once per
process when no ``topics`` are passed), no clock (``now`` is passed in), no
randomness, and dicts are filled in a fixed order, so the same tracker gives
byte-identical JSON. That makes packets diffable, testable, and safe to
rebuild when a delivery is retried.

Privacy: the customer appears only as a keyed pseudonym, and every text that
leaves the tracker goes through :func:`core.packet.redaction.sweep`, both
with the patterns and with every secret value found anywhere in the
customer's messages, so a password given in one message is also removed
from an entity or slot that repeated it. The summary is written from the
already redacted fields, and the whole packet is swept once more at the end.

Size: the transcript keeps the latest ``MAX_TRANSCRIPT`` messages (older ones
are counted in ``transcript_omitted``) and each text is cut at
``MAX_MESSAGE_CHARS``, so a long conversation cannot make the packet too big
for a webhook or a chat note.

Why the handoff happened (reason, priority, queue, risk, urgent sentences) is the escalation
policy's recorded decision (the ``handoff_decision`` slot, core/escalation/record.py), read here
defensively and never recomputed: the packet needs no escalation rules, so it cannot disagree
with the decision.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Mapping, Optional, Tuple, TypeGuard
from urllib.parse import urlsplit, urlunsplit

from rasa_sdk import Tracker

from core.escalation.record import DECISION_SLOT, NEXT_FAILURE_SLOT
from core.escalation.risk_catalogue import FALLBACK_TEAM, NAME, PRIORITIES
from core.packet.conversation import BUTTON_ENTITIES, Conversation, read_conversation
from core.packet.redaction import Secrets, find_secrets, pseudonym, sweep
from core.packet.signals import sentiment_of
from core.packet.steps import steps_tried
from core.packet.summary import summarize
from core.packet.topics import Topics
from core.packet.validate import PACKET_SCHEMA_ID

DEFAULT_REASON = "customer_request"
DEFAULT_PRIORITY = "P3"
DEFAULT_QUEUE = FALLBACK_TEAM
# For the agent, when no decision says more (a designer's rule or story ran the handoff).
CUSTOMER_REQUEST_EXPLANATION = "Escalated because the customer asked for a person."
MATCHED_BY = ("keyword", "meaning", "intent")  # policies/risk_detector.py; "intent": an intent that is the risk
VERDICTS = ("shown", "solved", "not_it")  # actions/knowledge_base.py: SHOWN, SOLVED, NOT_IT
MAX_INTENTS = 3
MAX_TRANSCRIPT = 200
MAX_MESSAGE_CHARS = 2000
MAX_FIELD_CHARS = 500
# Slots the packet reports in their own fields, or that only the bot's machinery reads.
BOOKKEEPING_SLOTS = frozenset(
    {
        "failed_attempts",
        "kb_article",
        "kb_articles_shown",
        "handoff_reason",
        "handoff_priority",
        "handoff_explanation",
        "handoff_risk",
        DECISION_SLOT,
        NEXT_FAILURE_SLOT,
        "queue",
        "requested_slot",
        "session_started_metadata",
    }
)
# Identifiers that are not free text: never rewritten by the final sweep.
IDENTITY_KEYS = frozenset({"schema", "handoff_id", "conversation_id", "timestamps", "queue_position", "expected_wait_minutes"})


def iso(moment: Optional[float | datetime]) -> Optional[str]:
    """ISO-8601 in UTC to the second (``2024-05-01T09:30:00Z``); naive datetimes are taken as UTC."""
    if moment is None:
        return None
    if isinstance(moment, datetime):
        moment = moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
    else:
        moment = datetime.fromtimestamp(moment, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _clean(value: Any, secrets: Secrets) -> Any:
    """``value`` with every string in it swept of secrets; other JSON values unchanged."""
    if isinstance(value, str):
        return sweep(value, secrets)
    if isinstance(value, list):
        return [_clean(v, secrets) for v in value]
    if isinstance(value, dict):
        return {k: _clean(v, secrets) for k, v in value.items()}
    return value


def _secrets(conversation: Conversation, slots: Dict[str, Any]) -> Secrets:
    """Every secret value in the customer's words, entities and slots."""
    found: Secrets = []
    texts = [t.text for t in conversation.turns] + [v for t in conversation.turns for _, v in t.entities]
    texts += [m.text for m in conversation.messages]
    pending: List[Any] = list(slots.values())
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, (list, tuple)):
            pending.extend(value)
        elif isinstance(value, dict):
            pending.extend(value.values())
    for text in texts:
        for secret in find_secrets(text)[1]:
            if secret not in found:
                found.append(secret)
    return found


def _text_or_none(value: Any, limit: int, secrets: Secrets) -> Optional[str]:
    """A non-empty string swept of secrets, then cut (cutting first could leave half a card number unrecognised)."""
    return _cut(sweep(value.strip(), secrets), limit) if isinstance(value, str) and value.strip() else None


def _page_url(value: Any, secrets: Secrets) -> Optional[str]:
    """The page without its query and fragment, which can carry reset tokens and session ids."""
    url = _text_or_none(value, 2000, secrets)
    if url is None:
        return None
    parts = urlsplit(url)
    return _cut(urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")), MAX_FIELD_CHARS)


def _customer(tracker: Tracker, conversation: Conversation, pseudonym_key: str, secrets: Secrets) -> Dict[str, Any]:
    fallback = (tracker.latest_message or {}).get("metadata") or {}

    def metadata(key: str) -> Any:
        value = conversation.latest_metadata(key)
        if value is None and isinstance(fallback, dict):
            value = fallback.get(key)
        return value

    tier = _text_or_none(metadata("customer_tier"), 50, secrets)
    return {
        "id": pseudonym(tracker.sender_id, pseudonym_key),
        "tier": tier.lower() if tier else None,
        "locale": _text_or_none(metadata("locale"), 50, secrets),
        "page_url": _page_url(metadata("page_url"), secrets),
    }


def _is_code(value: Any) -> TypeGuard[str]:
    """A reason code or team name as the catalogue allows them (and the packet schema)."""
    return isinstance(value, str) and NAME.match(value) is not None


def _reason(decision: Mapping[str, Any], secrets: Secrets) -> Dict[str, str]:
    code = decision.get("reason")
    if not _is_code(code):
        return {"code": DEFAULT_REASON, "explanation": CUSTOMER_REQUEST_EXPLANATION}  # a stale explanation would mislead
    explanation = _text_or_none(decision.get("explanation"), MAX_FIELD_CHARS, secrets)
    if explanation is None and code == DEFAULT_REASON:
        explanation = CUSTOMER_REQUEST_EXPLANATION
    elif explanation is None:
        explanation = f"Escalated because of {code.replace('_', ' ')}."
    return {"code": code, "explanation": explanation}


def _risk(value: Any, now: datetime, secrets: Secrets) -> Optional[Dict[str, Any]]:
    """The risk behind the handoff as the decision recorded it, with the deadline a legal clock sets."""
    if not isinstance(value, dict) or not _is_code(value.get("name")) or not _is_code(value.get("team")):
        return None
    why = value.get("why")
    if not isinstance(why, str) or not why.strip():
        return None
    record: Dict[str, Any] = {
        "name": value["name"],
        "team": value["team"],
        "why": why,
        "evidence": _text_or_none(value.get("evidence"), MAX_FIELD_CHARS, secrets) or "",
        "matched_by": _choice(value.get("matched_by"), MATCHED_BY, "keyword"),
        "gentle": value.get("gentle") is True,
    }
    days = value.get("respond_within_days")
    if isinstance(days, int) and not isinstance(days, bool) and days > 0:
        record["respond_by"] = iso(now + timedelta(days=days))
        record["statutory_note"] = str(value.get("statutory_note") or "")
    return record


def _urgent_words(value: Any, secrets: Secrets) -> List[str]:
    words = [_text_or_none(s, MAX_FIELD_CHARS, secrets) for s in value] if isinstance(value, list) else []
    return [w for w in words if w]


def _choice(value: Any, options: Tuple[str, ...], default: str) -> str:
    return value if value in options else default


def _intents(conversation: Conversation) -> List[Dict[str, Any]]:
    turn = conversation.substantive_turn()
    if turn is None:
        return []
    ranking = list(turn.ranking) or ([(turn.intent, turn.confidence)] if turn.intent and turn.intent != "nlu_fallback" else [])
    return [{"name": name, "confidence": round(min(max(c, 0.0), 1.0), 4)} for name, c in ranking[:MAX_INTENTS]]


def _entities(conversation: Conversation, secrets: Secrets) -> List[Dict[str, str]]:
    found: List[Dict[str, str]] = []
    for turn in conversation.turns:
        for name, value in turn.entities:
            item = {"entity": name, "value": _cut(sweep(value, secrets), MAX_FIELD_CHARS)}
            if name not in BUTTON_ENTITIES and item not in found:
                found.append(item)
    return found


def _slots(slots: Dict[str, Any], secrets: Secrets) -> Dict[str, Any]:
    empty: Tuple[Any, ...] = (None, "", [], {})
    kept = {name: slots[name] for name in sorted(slots) if name not in BOOKKEEPING_SLOTS and slots[name] not in empty}
    return _clean(kept, secrets)


def _articles(slots: Dict[str, Any]) -> List[Dict[str, str]]:
    articles = []
    for item in slots.get("kb_articles_shown") or []:
        if isinstance(item, dict) and item.get("id"):
            article_id = str(item["id"])
            articles.append(
                {
                    "id": article_id,
                    "title": str(item.get("title") or article_id),
                    "verdict": _choice(item.get("verdict"), VERDICTS, "shown"),
                }
            )
    return articles


def _transcript(conversation: Conversation, secrets: Secrets) -> Tuple[List[Dict[str, Any]], int]:
    messages = conversation.messages[-MAX_TRANSCRIPT:]
    transcript = [{"from": m.sender, "text": _cut(sweep(m.text, secrets), MAX_MESSAGE_CHARS), "at": iso(m.at)} for m in messages]
    return transcript, len(conversation.messages) - len(messages)


def build_packet(
    tracker: Tracker,
    *,
    handoff_id: str,
    now: datetime,
    pseudonym_key: str,
    queue_position: Optional[int] = None,
    expected_wait_minutes: Optional[int] = None,
    topics: Optional[Topics] = None,
) -> Dict[str, Any]:
    """The handoff packet of ``tracker`` as JSON-ready dicts (schema ``tandem.handoff/1``).

    ``topics``: the designers' summary sentences (core/packet/topics.py); without it, the
    process's own, read once from data/topics.yml."""
    conversation = read_conversation(tracker)
    slots: Dict[str, Any] = dict(tracker.slots or {})
    recorded = slots.get(DECISION_SLOT)
    decision: Mapping[str, Any] = recorded if isinstance(recorded, dict) else {}
    queue = decision.get("queue")
    secrets = _secrets(conversation, slots)
    articles = _articles(slots)
    transcript, omitted = _transcript(conversation, secrets)
    customer_times = [t.at for t in conversation.turns if t.at is not None]
    packet: Dict[str, Any] = {
        "schema": PACKET_SCHEMA_ID,
        "handoff_id": handoff_id,
        "conversation_id": tracker.sender_id,
        "channel": _text_or_none(tracker.get_latest_input_channel(), 100, secrets),
        "customer": _customer(tracker, conversation, pseudonym_key, secrets),
        "reason": _reason(decision, secrets),
        "priority": _choice(decision.get("priority"), PRIORITIES, DEFAULT_PRIORITY),
        "queue": queue if _is_code(queue) else DEFAULT_QUEUE,
        "risk": _risk(decision.get("risk"), now, secrets),
        "intents": _intents(conversation),
        "entities": _entities(conversation, secrets),
        "slots": _slots(slots, secrets),
        "sentiment": sentiment_of(conversation.turns),
        "urgent_words": _urgent_words(decision.get("urgent_words"), secrets),
        "articles_shown": articles,
        "steps_tried": steps_tried(conversation.events, {a["id"]: a["title"] for a in articles}),
        "summary": {},
        "transcript": transcript,
        "transcript_omitted": omitted,
        "timestamps": {
            "conversation_started": iso(conversation.started_at),
            "escalated_at": iso(now),
            "last_customer_message": iso(customer_times[-1]) if customer_times else None,
        },
        "queue_position": queue_position,
        "expected_wait_minutes": expected_wait_minutes,
    }
    packet["summary"] = summarize(packet, conversation.topic(), topics)
    for key in packet:
        if key == "customer":
            packet[key] = {k: v if k == "id" else _clean(v, secrets) for k, v in packet[key].items()}
        elif key not in IDENTITY_KEYS:
            packet[key] = _clean(packet[key], secrets)
    return packet
