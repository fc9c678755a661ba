"""The packet as a short note an agent reads in under a minute (Chatwoot private note, generic webhook).

Order follows what the agent needs first: why and how urgent, what the
customer wants, what the bot already tried (so it is not tried again), the
customer's own words, then the last few messages. Light markdown only
(bold labels, a list) because Chatwoot renders it and plain-text tools still
read it fine. The full transcript stays in the packet; the note shows the
last ``RECENT_MESSAGES``.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping

from core.packet.redaction import redact
from core.packet.summary import VERDICT_WORDS

RECENT_MESSAGES = 6
LINE_CHARS = 200


def _one_line(text: str, limit: int = LINE_CHARS) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _customer(packet: Mapping[str, Any]) -> str:
    customer = packet["customer"]
    parts = [f"Customer {customer['id']}"]
    if customer.get("tier"):
        parts.append(f"tier {customer['tier']}")
    if customer.get("locale"):
        parts.append(str(customer["locale"]))
    if customer.get("page_url"):
        parts.append(f"on {customer['page_url']}")
    if packet.get("channel"):
        parts.append(f"via {packet['channel']}")
    return " · ".join(parts)


def _wait(packet: Mapping[str, Any]) -> List[str]:
    parts = []
    if packet.get("queue_position") is not None:
        parts.append(f"position {packet['queue_position']} in queue")
    if packet.get("expected_wait_minutes") is not None:
        parts.append(f"expected wait {packet['expected_wait_minutes']} min")
    return [f"Waiting: {', '.join(parts)}"] if parts else []


def _details(packet: Mapping[str, Any]) -> List[str]:
    values: Dict[str, List[str]] = {}
    for entity in packet.get("entities") or []:
        values.setdefault(entity["entity"], [])
        if entity["value"] not in values[entity["entity"]]:
            values[entity["entity"]].append(entity["value"])
    for name, value in (packet.get("slots") or {}).items():
        if name not in values and isinstance(value, (str, int, float)) and not isinstance(value, bool):
            values[name] = [str(value)]
    if not values:
        return []
    return ["**Details:** " + " · ".join(f"{name.replace('_', ' ')} {', '.join(v)}" for name, v in values.items())]


def _articles(packet: Mapping[str, Any]) -> List[str]:
    articles = packet.get("articles_shown") or []
    if not articles:
        return []
    shown = "; ".join(f"\u201c{a['title']}\u201d ({a['id']}): {VERDICT_WORDS.get(a['verdict'], a['verdict'])}" for a in articles)
    return [f"**Articles shown:** {shown}"]


def _mood(packet: Mapping[str, Any]) -> List[str]:
    sentiment = packet["sentiment"]
    if sentiment.get("latest") is None:
        return []
    return [f"**Mood:** {sentiment['trend']} (latest {sentiment['latest']:+.2f}, -1 angry .. +1 happy)"]


def _recent(packet: Mapping[str, Any]) -> List[str]:
    transcript = packet.get("transcript") or []
    if not transcript:
        return ["**Messages:** none yet"]
    recent = transcript[-RECENT_MESSAGES:]
    earlier = len(transcript) - len(recent) + int(packet.get("transcript_omitted") or 0)
    lines = [f"**Last messages** ({earlier} earlier in the packet):" if earlier else "**Messages:**"]
    for message in recent:
        at = f"{message['at'][11:16]} " if message.get("at") else ""
        lines.append(f"- {at}{message['from']}: {_one_line(message['text'])}")
    return lines


def render_text(packet: Mapping[str, Any]) -> str:
    """A compact note of ``packet`` (a valid ``tandem.handoff/1`` packet), redacted once more for safety."""
    reason, summary = packet["reason"], packet["summary"]
    lines = [
        f"**Handoff {packet['priority']} · {packet['queue']} queue · {reason['code'].replace('_', ' ')}**",
        reason["explanation"],
        _customer(packet),
        *_wait(packet),
        "",
        f"**Goal:** {summary['goal']}",
        f"**What happened:** {summary['what_happened']}",
        f"**Already tried:** {summary['tried']}",
        f"**Open question:** {summary['open_question']}",
        f"**Suggested next step:** {summary['suggested_next_step']}",
        *_articles(packet),
    ]
    if packet.get("urgent_words"):
        lines.append("**In their words:** " + " · ".join(f"\u201c{_one_line(w)}\u201d" for w in packet["urgent_words"]))
    lines += _mood(packet) + _details(packet) + [""] + _recent(packet)
    return redact("\n".join(lines))
