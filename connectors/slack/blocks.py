"""Rasa bot messages as Slack Block Kit (https://docs.slack.dev/reference/block-kit/blocks).

A bot message (text, buttons or quick replies, image, attachment) becomes one
``chat.postMessage`` payload: a ``section`` block per 3,000 characters of text, an
``image`` block, and an ``actions`` block of buttons whose ``value`` is the Rasa
payload, so a click comes back as a ``block_actions`` interaction carrying exactly
the payload the website would send. ``text`` is always set too: Slack shows it in
notifications and screen readers, and uses it when blocks cannot be shown.

Text written for the website (Markdown links and bold) is rewritten to Slack's
mrkdwn, and ``& < >`` are escaped so nothing in a response can turn into a mention
or a broadcast (https://docs.slack.dev/messaging/formatting-message-text/).

Pure functions, no I/O; shared with the agents' handoff packet (packet.py).
"""

from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Mapping, Optional, Sequence

logger = logging.getLogger(__name__)

# Block Kit limits (reference pages of the section, actions, button and image blocks).
SECTION_TEXT_LIMIT = 3000
FIELD_TEXT_LIMIT = 2000
BUTTON_TEXT_LIMIT = 75
BUTTON_VALUE_LIMIT = 2000
ACTIONS_ELEMENTS_LIMIT = 25
ALT_TEXT_LIMIT = 2000
FALLBACK_TEXT_LIMIT = 4000
BLOCKS_LIMIT = 50

BUTTON_ACTION_PREFIX = "tandem_button_"

_MD_LINK = re.compile(r"\[([^\]\n]+)\]\(((?:https?://|mailto:)[^)\s]+)\)")
_MD_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_MD_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t]*#*$", re.MULTILINE)
_MD_BULLET = re.compile(r"^([ \t]*)[-*][ \t]+", re.MULTILINE)


def escape(text: str) -> str:
    """Slack's three control characters as entities; nothing else is encoded."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def mrkdwn(text: str) -> str:
    """Website text (plain, or Markdown links/bold/headings/bullets) as safe Slack mrkdwn."""
    text = escape(text)
    text = _MD_LINK.sub(lambda m: f"<{m.group(2)}|{m.group(1).replace('|', '¦')}>", text)
    text = _MD_BOLD.sub(r"*\1*", text)
    text = _MD_HEADING.sub(r"*\1*", text)
    return _MD_BULLET.sub(r"\1• ", text)


def plain_text(text: str, limit: int) -> Dict[str, Any]:
    return {"type": "plain_text", "text": truncate(text, limit) or " ", "emoji": True}


def _chunks(text: str, limit: int) -> List[str]:
    """Split at paragraph, then line, then hard boundaries so no section exceeds ``limit``."""
    chunks: List[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = rest.rfind("\n\n", 0, limit)
        if cut <= 0:
            cut = rest.rfind("\n", 0, limit)
        if cut <= 0:
            cut = rest.rfind(" ", 0, limit)
        if cut <= 0:
            cut = limit
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        chunks.append(rest)
    return chunks


def text_blocks(text: str) -> List[Dict[str, Any]]:
    return [{"type": "section", "text": {"type": "mrkdwn", "text": chunk}} for chunk in _chunks(mrkdwn(text), SECTION_TEXT_LIMIT)]


def image_block(url: str, alt_text: Optional[str] = None) -> Dict[str, Any]:
    return {"type": "image", "image_url": url, "alt_text": truncate(alt_text or "image", ALT_TEXT_LIMIT)}


def button_elements(buttons: Sequence[Mapping[str, Any]]) -> List[Dict[str, Any]]:
    """Rasa buttons (``title`` + ``payload``, or ``title`` + ``url``) as Block Kit buttons.

    A payload longer than Slack's value limit cannot survive the round trip, so that
    button is left out (and logged) instead of being sent truncated.
    """
    elements: List[Dict[str, Any]] = []
    for index, button in enumerate(buttons):
        title = str(button.get("title") or button.get("payload") or "")
        element: Dict[str, Any] = {
            "type": "button",
            "text": plain_text(title, BUTTON_TEXT_LIMIT),
            "action_id": f"{BUTTON_ACTION_PREFIX}{index}",
        }
        url = button.get("url")
        payload = button.get("payload")
        if isinstance(url, str) and url:
            element["url"] = url
        elif isinstance(payload, str) and payload:
            if len(payload) > BUTTON_VALUE_LIMIT:
                logger.warning("slack: button %d left out, its payload exceeds %d characters", index, BUTTON_VALUE_LIMIT)
                continue
            element["value"] = payload
        else:
            continue
        elements.append(element)
    if len(elements) > ACTIONS_ELEMENTS_LIMIT:
        logger.warning("slack: %d buttons, Slack shows at most %d", len(elements), ACTIONS_ELEMENTS_LIMIT)
    return elements[:ACTIONS_ELEMENTS_LIMIT]


def actions_block(elements: List[Dict[str, Any]], block_id: Optional[str] = None) -> Dict[str, Any]:
    block: Dict[str, Any] = {"type": "actions", "elements": elements}
    if block_id:
        block["block_id"] = block_id
    return block


def _attachment_text(attachment: Any) -> Optional[str]:
    if isinstance(attachment, str):
        return attachment
    if isinstance(attachment, Mapping):
        for key in ("text", "title", "fallback", "url"):
            if isinstance(attachment.get(key), str):
                return attachment[key]
    return None


def render_message(message: Mapping[str, Any]) -> Optional[Dict[str, Any]]:
    """``chat.postMessage`` arguments (``text`` and ``blocks``) for one Rasa bot message,
    or ``None`` when it has nothing Slack can show (``custom`` is sent on its own)."""
    text = message.get("text") if isinstance(message.get("text"), str) else ""
    blocks: List[Dict[str, Any]] = text_blocks(text) if text.strip() else []
    fallback = text.strip()

    image = message.get("image")
    if isinstance(image, str) and image:
        blocks.append(image_block(image, fallback or None))
        fallback = fallback or image

    attachment = _attachment_text(message.get("attachment"))
    if attachment:
        blocks.extend(text_blocks(attachment))
        fallback = fallback or attachment

    buttons = message.get("buttons") or message.get("quick_replies") or []
    if isinstance(buttons, list) and buttons:
        elements = button_elements(buttons)
        if elements:
            blocks.append(actions_block(elements))
            fallback = fallback or ", ".join(str(b.get("title", "")) for b in buttons)

    if not blocks:
        return None
    fallback = _MD_BOLD.sub(r"\1", fallback)
    return {"text": truncate(escape(fallback), FALLBACK_TEXT_LIMIT), "blocks": blocks[:BLOCKS_LIMIT]}
