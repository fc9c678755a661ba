"""Secrets out of customer text before anyone else sees it, and a pseudonym for the customer.

Customers paste card numbers, passwords, login codes and bank details into chat
even when told not to. Their messages are stored (handoff packets, the
knowledge-base analytics table, the live-chat relay), sent to third-party desks
and read by agents, so none of that may reach them. :func:`redact` replaces the
secret itself and keeps the words around it ("my password is [password
removed]"), so the agent still understands what happened and knows to ask the
customer to change it.

How (and why not a library): Microsoft Presidio needs a spaCy language model
downloaded from a model hub, which this project's machines cannot reach, and
scrubadub finds emails, phone numbers and card-like numbers but not passwords
or one-time codes, which are most of what customers type here. So detection is
hand-written context rules ("password is ...", "code: ...", "cvv ...") plus
checksum validation from python-stdnum (``stdnum.luhn`` for cards,
``stdnum.iban`` for IBANs: mod 97 and each country's length and format),
measured on tests/redaction/corpus.yml (core/redaction/evaluation.py scores it).

What counts as a secret, one module each: IBANs (:mod:`~core.redaction.ibans`),
card numbers and CVVs (:mod:`~core.redaction.cards`), passwords
(:mod:`~core.redaction.passwords`), one-time codes and PINs
(:mod:`~core.redaction.codes`).

:func:`find_secrets` reports what was removed, so the packet builder can sweep
every other field (entities, slots) for the same values. :func:`redact_or_refuse`
is :func:`redact` for callers that must not store a text at all when redaction
fails: it raises :class:`RedactionError` instead.

Speed: this runs on every incoming message. Every pattern is linear in the
text (separators and words are matched with bounded repetitions that cannot
overlap, values with bounded lengths), and the checksum
work per candidate is bounded (at most 7 digit groups per card window; the
stdnum IBAN check only after a cheap mod 97). Measured on a 2-core machine: about
0.1 ms for a 100-character message, a few ms for 2,000 characters, and under
0.1 s for the worst adversarial 2,000-character inputs in the tests.
:func:`redact_or_refuse` refuses texts longer than ``MAX_TEXT_CHARS``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Tuple

from core.redaction import cards, codes, ibans, passwords
from core.redaction.cards import luhn_valid
from core.redaction.ibans import iban_valid
from core.redaction.shared import CARD_LABEL, CODE_LABEL, CVV_LABEL, IBAN_LABEL, LABELS, PASSWORD_LABEL, Secrets

__all__ = [
    "CARD_LABEL",
    "CODE_LABEL",
    "CVV_LABEL",
    "IBAN_LABEL",
    "LABELS",
    "MAX_TEXT_CHARS",
    "MIN_SWEEP_LENGTH",
    "PASSWORD_LABEL",
    "RedactionError",
    "Secrets",
    "find_secrets",
    "iban_valid",
    "luhn_valid",
    "pseudonym",
    "redact",
    "redact_or_refuse",
    "sweep",
]

# Secrets shorter than this are only removed in context ("pw: x"): sweeping
# every "x" out of a packet would destroy it.
MIN_SWEEP_LENGTH = 4
# Chat messages are at most ~2,000 characters; ten times that is not a message.
MAX_TEXT_CHARS = 20_000


class RedactionError(RuntimeError):
    """A text could not be redacted (or is too long to be a message): refuse it rather than store it raw."""


def find_secrets(text: str) -> Tuple[str, Secrets]:
    """``text`` redacted, and each secret removed from it as ``(value, label)``."""
    found: Secrets = []
    if not text:
        return text, found
    text = ibans.redact_ibans(text, found)
    text = cards.redact_cards(text, found)
    text = cards.redact_cvvs(text, found)
    text = passwords.redact_passwords(text, found)
    text = codes.redact_codes(text, found)
    return text, found


def redact(text: str) -> str:
    """``text`` with IBANs, card numbers, CVVs, passwords and one-time codes replaced by a label saying what was removed."""
    return find_secrets(text)[0]


def redact_or_refuse(text: str) -> str:
    """:func:`redact`, failing closed: :class:`RedactionError` when the text cannot be redacted, never the raw text.

    For callers that store or forward customer text: on this error they refuse
    (or drop) the message instead of keeping it unredacted.
    """
    if not isinstance(text, str):
        raise RedactionError(f"cannot redact a {type(text).__name__}, only text")
    if len(text) > MAX_TEXT_CHARS:
        raise RedactionError(f"text of {len(text)} characters is longer than {MAX_TEXT_CHARS}; refusing rather than storing it")
    try:
        return redact(text)
    except Exception as error:  # anything at all: the caller must not fall back to the raw text
        raise RedactionError(f"redaction failed ({type(error).__name__}); the text was not stored") from error


def sweep(text: str, secrets: Secrets) -> str:
    """``text`` redacted, and with every secret found elsewhere in the conversation removed too.

    An entity or slot may hold a secret without the words that gave it away
    ("hunter2" alone), so values found in the customer's messages are removed
    wherever they appear. Card numbers and IBANs are matched on their digits
    and letters, whatever the grouping (and, for IBANs, the case).
    """
    text = redact(text)
    for value, label in secrets:
        compact = re.sub(r"[ ./-]", "", value)
        if label == CARD_LABEL and compact.isdigit():
            spaced = r"[ ./-]?".join(compact)
            text = re.sub(rf"(?<!\d){spaced}(?!\d)", label, text)
        elif label == IBAN_LABEL and compact.isalnum():
            spaced = r"[ -]?".join(re.escape(c) for c in compact)
            text = re.sub(rf"(?<![A-Za-z0-9]){spaced}(?![A-Za-z0-9])", label, text, flags=re.IGNORECASE)
        elif len(value) >= MIN_SWEEP_LENGTH:
            left = r"(?<!\w)" if value[0].isalnum() or value[0] == "_" else ""
            right = r"(?!\w)" if value[-1].isalnum() or value[-1] == "_" else ""
            text = re.sub(left + re.escape(value) + right, label, text)
    return text


def pseudonym(sender_id: str, key: str, prefix: str = "cus", length: int = 16) -> str:
    """A stable id for the customer that cannot be turned back into the sender id without ``key``.

    HMAC-SHA256 rather than a plain hash: sender ids are often guessable
    (phone numbers, emails), and a plain hash of a guessable value is a lookup
    table away from the value itself.
    """
    if not key:
        raise ValueError("pseudonym key must not be empty: without a secret key the pseudonym can be reversed by guessing")
    digest = hmac.new(key.encode("utf-8"), str(sender_id).encode("utf-8"), hashlib.sha256).hexdigest()
    return f"{prefix}_{digest[:length]}"
