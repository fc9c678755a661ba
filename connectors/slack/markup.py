"""Slack's message markup turned into the plain text a customer would type on the website.

Slack rewrites what people type before it reaches an app
(https://docs.slack.dev/messaging/formatting-message-text/): mentions become
``<@U024BE7LH>``, channels ``<#C024BE7LR|general>``, links ``<https://x.io|x.io>``,
the control characters ``& < >`` arrive as ``&amp; &lt; &gt;``, emoji typed from the
picker arrive as ``:slightly_smiling_face:`` and formatting stays in the text
(``*bold*``, ``_italic_``, ``~strike~``, `` `code` ``, ``> quote``). NLU was trained
on website text, so the same words typed in Slack must reach it as the same string:
``normalise`` is applied before every Slack message goes to Rasa, and
``to_plain`` (which keeps link targets) to agents' replies relayed to a customer.

Pure functions, no I/O.
"""

from __future__ import annotations

import html
import re
from typing import Iterable, Mapping, Optional

# The most common shortcodes, as the Unicode characters a website visitor's keyboard
# would send. Unknown shortcodes are dropped for NLU rather than left as ``:word:``
# tokens that the website never produces.
EMOJI: Mapping[str, str] = {
    "slightly_smiling_face": "🙂",
    "smile": "😄",
    "smiley": "😃",
    "grinning": "😀",
    "blush": "😊",
    "wink": "😉",
    "joy": "😂",
    "laughing": "😆",
    "sweat_smile": "😅",
    "heart_eyes": "😍",
    "thinking_face": "🤔",
    "neutral_face": "😐",
    "confused": "😕",
    "slightly_frowning_face": "🙁",
    "disappointed": "😞",
    "worried": "😟",
    "cry": "😢",
    "sob": "😭",
    "angry": "😠",
    "rage": "😡",
    "scream": "😱",
    "pray": "🙏",
    "clap": "👏",
    "wave": "👋",
    "ok_hand": "👌",
    "+1": "👍",
    "thumbsup": "👍",
    "-1": "👎",
    "thumbsdown": "👎",
    "raised_hands": "🙌",
    "heart": "❤️",
    "broken_heart": "💔",
    "fire": "🔥",
    "tada": "🎉",
    "white_check_mark": "✅",
    "heavy_check_mark": "✔️",
    "x": "❌",
    "warning": "⚠️",
    "question": "❓",
    "exclamation": "❗",
    "package": "📦",
    "credit_card": "💳",
    "moneybag": "💰",
    "email": "📧",
    "truck": "🚚",
    "eyes": "👀",
}

_ANGLE = re.compile(r"<([^<>\n]*)>")
# A shortcode has a letter or a sign in it and does not follow a word character, so
# "10:30:45" and "ratio 1:2:3" are left alone.
_EMOJI = re.compile(r"(?<!\w):([a-z0-9_'+\-]*[a-z+\-][a-z0-9_'+\-]*):(?::skin-tone-[2-6]:)?(?!\w)")
# Formatting pairs only count at word edges, so snake_case, 2*3*4 and ~/path survive.
_FORMATTING = [
    re.compile(r"```\n?(.*?)\n?```", re.DOTALL),
    re.compile(r"(?<![\w`])`([^`\n]+)`(?![\w`])"),
    re.compile(r"(?<![\w*])\*(?=\S)([^*\n]*?\S)\*(?![\w*])"),
    re.compile(r"(?<![\w_])_(?=\S)([^_\n]*?\S)_(?![\w_])"),
    re.compile(r"(?<![\w~])~(?=\S)([^~\n]*?\S)~(?![\w~])"),
]
_QUOTE = re.compile(r"^(?:&gt;|>)(?:&gt;&gt;|>>)?[ \t]?", re.MULTILINE)
_SPACES = re.compile(r"[ \t\u00a0]+")


def _label(inner: str) -> Optional[str]:
    return inner.split("|", 1)[1] if "|" in inner else None


def _angle(inner: str, drop_users: Iterable[str], keep_urls: bool) -> str:
    """One ``<...>`` control sequence as readable text."""
    label = _label(inner)
    target = inner.split("|", 1)[0]
    if target.startswith("@"):
        user = target[1:]
        if user in drop_users:
            return " "
        return "@" + (label.lstrip("@") if label else "user")
    if target.startswith("#"):
        return "#" + (label.lstrip("#") if label else "channel")
    if target.startswith("!"):
        command = target[1:]
        if command.startswith("subteam^"):
            return "@" + (label.lstrip("@") if label else "team")
        if command.startswith("date^"):
            return label or ""
        return " "  # <!here>, <!channel>, <!everyone>: a broadcast, not words
    if target.startswith("mailto:"):
        return label or target[len("mailto:") :]
    if target.startswith("tel:"):
        return label or target[len("tel:") :]
    if label:
        if keep_urls and label != target and not target.endswith("//" + label):
            return f"{label} ({target})"
        return label
    return target


def _replace_emoji(text: str, keep_unknown: bool) -> str:
    def one(match: re.Match[str]) -> str:
        code = match.group(1)
        if code in EMOJI:
            return EMOJI[code]
        return match.group(0) if keep_unknown else " "

    return _EMOJI.sub(one, text)


def _strip_formatting(text: str) -> str:
    for pattern in _FORMATTING:
        text = pattern.sub(r"\1", text)
    return _QUOTE.sub("", text)


def _tidy(text: str) -> str:
    lines = [_SPACES.sub(" ", line).strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line).strip()


def normalise(text: str, bot_user_ids: Iterable[str] = ()) -> str:
    """What NLU should see for a Slack message: the text the customer would have typed on the website.

    ``bot_user_ids`` are the app's own user ids: "@Tandem where is my order" is addressed
    to the bot, so the mention is not part of what the customer said.
    """
    drop = set(bot_user_ids)
    for user in drop:  # "@Tandem, where is my order?" -> "where is my order?"
        text = re.sub(rf"^\s*<@{re.escape(user)}(?:\|[^>]*)?>[\s,:;]*", "", text)
    text = _strip_formatting(text)
    text = _ANGLE.sub(lambda m: _angle(m.group(1), drop, keep_urls=False), text)
    text = _replace_emoji(text, keep_unknown=False)
    text = html.unescape(text) if "&" in text else text
    return _tidy(text)


def to_plain(text: str) -> str:
    """An agent's Slack message as plain text for a customer on any channel: links keep
    their address ("docs (https://...)"), emphasis marks stay, entities are decoded."""
    text = _ANGLE.sub(lambda m: _angle(m.group(1), (), keep_urls=True), text)
    text = _replace_emoji(text, keep_unknown=True)
    text = html.unescape(text) if "&" in text else text
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.strip().splitlines())
