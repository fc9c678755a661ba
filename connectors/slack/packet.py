"""A handoff packet as Block Kit, laid out for an agent to act on.

Most actionable first: why, how urgent, which queue and tier, the bot's summary, the
articles already shown and how they landed, the urgent words, the latest messages, and
three buttons (Claim, Resolve, Hand back to bot) whose ``value`` is the handoff id; the
agents' channel (agents.py) knows them by their ``action_id``. Blocks:
https://docs.slack.dev/reference/block-kit/blocks. Pure functions, no I/O.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Tuple

from connectors.slack.blocks import FIELD_TEXT_LIMIT, SECTION_TEXT_LIMIT, actions_block, escape, plain_text, truncate
from core.escalation.risk_catalogue import FALLBACK_TEAM

ACTION_CLAIM = "tandem_claim"
ACTION_RESOLVE = "tandem_resolve"
ACTION_HAND_BACK = "tandem_hand_back"
ACTIONS_BLOCK_ID = "tandem_handoff_actions"
TRANSCRIPT_LINES = 6

PRIORITY_MARKS = {
    "urgent": ":red_circle:",
    "high": ":large_orange_circle:",
    "normal": ":large_blue_circle:",
    "low": ":white_circle:",
}


def _words(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value if v)
    return "" if value is None else str(value)


def _humanise(code: str) -> str:
    return code.replace("_", " ").strip().capitalize() or "Handoff"


def packet_blocks(packet: Mapping[str, Any], queue_position: Optional[int] = None) -> Tuple[str, List[Dict[str, Any]]]:
    """Notification text and Block Kit blocks for a handoff packet, most actionable first."""
    reason = packet.get("reason") or {}
    code = str(reason.get("code") or "handoff")
    explanation = _words(reason.get("explanation"))
    priority = str(packet.get("priority") or "normal")
    queue = str(packet.get("queue") or FALLBACK_TEAM)
    customer = packet.get("customer") or {}
    summary = packet.get("summary") or {}
    handoff_id = str(packet.get("handoff_id") or "")

    blocks: List[Dict[str, Any]] = [
        {"type": "header", "text": plain_text(f"Handoff: {_humanise(code)}", 150)},
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": truncate(
                    f"{PRIORITY_MARKS.get(priority, ':large_blue_circle:')} *Why:* {escape(explanation or code)}",
                    SECTION_TEXT_LIMIT,
                ),
            },
        },
    ]
    fields = [
        ("Priority", priority),
        ("Queue", queue),
        ("Customer tier", customer.get("tier") or "unknown"),
        ("Customer", customer.get("id") or packet.get("conversation_id") or "unknown"),
    ]
    if queue_position is not None:
        fields.append(("Queue position", queue_position))
    blocks.append(
        {
            "type": "section",
            "fields": [{"type": "mrkdwn", "text": truncate(f"*{k}*\n{escape(str(v))}", FIELD_TEXT_LIMIT)} for k, v in fields],
        }
    )

    summary_lines = [
        (label, _words(summary.get(key)))
        for label, key in (
            ("Goal", "goal"),
            ("What happened", "what_happened"),
            ("Tried", "tried"),
            ("Open question", "open_question"),
            ("Suggested next step", "suggested_next_step"),
        )
    ]
    summary_text = "\n".join(f"• *{label}:* {escape(value)}" for label, value in summary_lines if value)
    if summary_text:
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": truncate("*Summary*\n" + summary_text, SECTION_TEXT_LIMIT)}}
        )

    articles = [a for a in packet.get("articles_shown") or [] if isinstance(a, Mapping)]
    if articles:
        lines = [
            f"• {escape(str(a.get('title') or a.get('id')))} (`{escape(str(a.get('id')))}`): "
            f"{escape(str(a.get('verdict') or 'no verdict'))}"
            for a in articles
        ]
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": truncate("*Articles shown*\n" + "\n".join(lines), SECTION_TEXT_LIMIT)},
            }
        )

    urgent = [str(w) for w in packet.get("urgent_words") or [] if w]
    if urgent:
        blocks.append(
            {
                "type": "context",
                "elements": [
                    {"type": "mrkdwn", "text": truncate(":warning: *Urgent words:* " + escape(", ".join(urgent)), 3000)}
                ],
            }
        )

    transcript = [t for t in packet.get("transcript") or [] if isinstance(t, Mapping) and t.get("text")]
    if transcript:
        lines = [
            f"*{escape(str(t.get('from') or '?'))}:* {escape(truncate(str(t['text']), 300))}"
            for t in transcript[-TRANSCRIPT_LINES:]
        ]
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": truncate("*Latest messages*\n" + "\n".join(lines), SECTION_TEXT_LIMIT)},
            }
        )

    buttons = [
        {"type": "button", "text": plain_text("Claim", 75), "style": "primary", "action_id": ACTION_CLAIM, "value": handoff_id},
        {"type": "button", "text": plain_text("Resolve", 75), "action_id": ACTION_RESOLVE, "value": handoff_id},
        {"type": "button", "text": plain_text("Hand back to bot", 75), "action_id": ACTION_HAND_BACK, "value": handoff_id},
    ]
    blocks.append(actions_block(buttons, ACTIONS_BLOCK_ID))
    text = truncate(f"New handoff ({priority}, {queue}): {explanation or _humanise(code)}", 3000)
    return escape(text), blocks
