"""Customer queries redacted for the analytics table: the shared rules, then stricter ones only a report can afford."""

from __future__ import annotations

import re

from core.redaction import redact as redact_secrets

REDACTED = "[redacted]"
MAX_QUERY_LENGTH = 500


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# 8 or more digits, optionally split by single spaces, dashes, dots or slashes: cards, phones, IBAN tails.
_DIGIT_RUN = re.compile(r"\+?\d(?:[ ./-]?\d){7,}")
_PASSWORD = re.compile(r"password\w*", re.IGNORECASE)


def redact(text: str) -> str:
    """Remove what must never sit in an analytics table; keep enough of the question to improve the KB.

    The shared rules (:func:`core.redaction.redact`) run first; emails, long digit runs and whatever
    follows "password" are removed on top, since a query in a report needs none of them.
    """
    text = redact_secrets(text)
    match = _PASSWORD.search(text)
    if match and text[match.end() :].strip():
        text = f"{text[: match.end()]} {REDACTED}"
    text = _EMAIL.sub(REDACTED, text)
    text = _DIGIT_RUN.sub(REDACTED, text)
    return " ".join(text.split())[:MAX_QUERY_LENGTH]
