"""Secrets out of customer text before anyone else sees it, and a pseudonym for the customer.

Customers paste card numbers, passwords and login codes into chat even when
told not to. The handoff packet is stored, sent to third-party desks
(Chatwoot, webhooks) and read by agents, so none of that may reach it.
:func:`redact` replaces the secret itself and keeps the words around it
("my password is [password removed]"), so the agent still understands what
happened and knows to ask the customer to change it.

What counts as a secret:

- card numbers: 13-19 digits, optionally grouped with single spaces or dashes,
  that pass the Luhn check, or have exactly 16 digits (a mistyped card is
  still a card). A card followed by its expiry or CVV in the same run of
  digits is found inside the run. Order numbers (6-8 digits, ``AC-1234567``,
  ``#1234567``, see data/nlu/entities.yml) never qualify, not even two of
  them in a row ("12345678 87654321");
- CVV/CVC: 3-4 digits after "cvv", "cvc", "security code", ...;
- passwords: the word after "password is", "pw:", "password=", ... unless
  it plainly describes the password ("my password is not working");
- one-time codes and PINs: 4-8 digits after "code", "OTP", "verification
  code", "PIN", ... or before "is my code". Codes that are not secrets
  ("error code 4041", "promo code 2024", "order 482913") are kept.

:func:`find_secrets` reports what was removed, so the packet builder can
sweep every other field (entities, slots) for the same values.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Callable, List, Match, Pattern, Tuple

CARD_LABEL = "[card number removed]"
CVV_LABEL = "[CVV removed]"
PASSWORD_LABEL = "[password removed]"
CODE_LABEL = "[code removed]"

# Secrets shorter than this are only removed in context ("pw: x"): sweeping
# every "x" out of a packet would destroy it.
MIN_SWEEP_LENGTH = 4

Secrets = List[Tuple[str, str]]  # (value, label), in the order found

_CARD = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
_DIGIT_GROUP = re.compile(r"\d+")
_SEP = r"\s*(?:[:=#-]\s*)?(?:(?:is|was)\b\s*:?\s*)?"
_CVV = re.compile(
    r"\b(?:cvv2?|cvc2?|cv2|cid|csc|security code|card (?:verification|security) (?:code|value|number))"
    + _SEP
    + r"(?P<value>\d{3,4})\b",
    re.IGNORECASE,
)
_PASSWORD = re.compile(
    r"\b(?P<key>pass(?:word|wd|code|phrase)?|pwd|pw)"
    r"(?:(?P<explicit>\s*[:=]\s*)|(?P<spoken>'s\s+|\s+(?:is|was)\s+(?:now\s+|still\s+)?))"
    r"(?P<value>\"[^\"\n]+\"|'[^'\n]+'|(?!\[(?:card number|CVV|password|code) removed\])\S+)",
    re.IGNORECASE,
)
_CODE = re.compile(
    r"\b(?P<key>(?:one[- ]?time|verification|verify|login|log-?in|sign[- ]?in|auth(?:entication|orization)?|sms|text|"
    r"2fa|mfa|two[- ]factor|confirmation|access|reset)\s+(?:pass)?code|otp|passcode|code|pin)\b"
    + _SEP
    + r"(?P<value>\d{3}[ -]\d{3}|\d{4,8})\b",
    re.IGNORECASE,
)
_CODE_BEFORE = re.compile(
    r"\b(?P<value>\d{4,8})\s+(?:is|was)\s+(?:my|the|your)\s+(?:[a-z-]+\s+)?(?:code|otp|pin|passcode)\b", re.IGNORECASE
)
# "error code 4041" and "promo code 2024" name things, they do not unlock anything.
_NOT_SECRET_CODES = frozenset(
    "error promo promotional discount coupon voucher gift referral invite zip postal post area country tracking order "
    "product status reference sort swift bank item style colour color size".split()
)
# Words after "my password is" that describe the password rather than being it.
_NOT_PASSWORDS = frozenset(
    "not wrong incorrect invalid too being the a an no expired broken working rejected locked blocked correct right fine ok "
    "okay still case different same definitely reset changed empty missing long short required needed that this it what "
    "which in on for also and but weak strong saved stored visible there here gone unknown lost forgotten".split()
)
_TRAILING_PUNCTUATION = ".,;:)"  # "!" and "?" may be part of a password; removing too much is safe


def luhn_valid(digits: str) -> bool:
    """The checksum every payment card number carries; random digit strings fail it nine times in ten."""
    total = 0
    for i, char in enumerate(reversed(digits)):
        value = int(char)
        if i % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _is_card(digits: str) -> bool:
    return 13 <= len(digits) <= 19 and (luhn_valid(digits) or len(digits) == 16)


def _card_span(run: str) -> Tuple[int, int] | None:
    """Where in ``run`` the card number is: the whole run, else the longest run of whole digit groups."""
    groups = [(m.start(), m.end()) for m in _DIGIT_GROUP.finditer(run)]
    if len(groups) > 1 and all(6 <= end - start <= 8 for start, end in groups):
        return None  # order numbers side by side, not a card
    for length in range(len(groups), 0, -1):
        for first in range(len(groups) - length + 1):
            chosen = groups[first : first + length]
            if _is_card("".join(run[s:e] for s, e in chosen)):
                return chosen[0][0], chosen[-1][1]
    return None


def _replace(pattern: Pattern[str], text: str, found: Secrets, keep: Callable[[Match[str]], bool], label: str) -> str:
    """``text`` with the ``value`` group of each match of ``pattern`` replaced by ``label`` (unless ``keep``)."""

    def replace(match: Match[str]) -> str:
        if keep(match):
            return match.group(0)
        start, end = match.span("value")
        value = match.group("value")
        stripped = value.rstrip(_TRAILING_PUNCTUATION) if value[0] not in "\"'" else value
        end -= len(value) - len(stripped)
        found.append((stripped.strip("\"'"), label))
        offset = match.start()
        whole = match.group(0)
        return whole[: start - offset] + label + whole[end - offset :]

    return pattern.sub(replace, text)


def _keep_password(match: Match[str]) -> bool:
    value = match.group("value").rstrip(_TRAILING_PUNCTUATION).lower()
    if match.group("explicit"):
        return False
    if match.group("key").lower() == "pass":  # "my boarding pass is ..." only counts with "pass:" / "pass="
        return True
    return not value or value in _NOT_PASSWORDS or (value.isalpha() and value.endswith(("ing", "ed", "ly")))


def _keep_code(match: Match[str]) -> bool:
    if match.group("key").lower() not in ("code", "pin"):
        return False
    before = re.findall(r"[a-z]+", match.string[: match.start()].lower()[-30:])
    return bool(before) and before[-1] in _NOT_SECRET_CODES


def find_secrets(text: str) -> Tuple[str, Secrets]:
    """``text`` redacted, and each secret removed from it as ``(value, label)``."""
    found: Secrets = []
    if not text:
        return text, found

    def card(match: Match[str]) -> str:
        span = _card_span(match.group(0))
        if span is None:
            return match.group(0)
        run = match.group(0)
        found.append((run[span[0] : span[1]], CARD_LABEL))
        return run[: span[0]] + CARD_LABEL + run[span[1] :]

    text = _CARD.sub(card, text)
    text = _replace(_CVV, text, found, lambda m: False, CVV_LABEL)
    text = _replace(_PASSWORD, text, found, _keep_password, PASSWORD_LABEL)
    text = _replace(_CODE, text, found, _keep_code, CODE_LABEL)
    text = _replace(_CODE_BEFORE, text, found, lambda m: False, CODE_LABEL)
    return text, found


def redact(text: str) -> str:
    """``text`` with card numbers, CVVs, passwords and one-time codes replaced by a label saying what was removed."""
    return find_secrets(text)[0]


def sweep(text: str, secrets: Secrets) -> str:
    """``text`` redacted, and with every secret found elsewhere in the conversation removed too.

    An entity or slot may hold a secret without the words that gave it away
    ("hunter2" alone), so values found in the customer's messages are removed
    wherever they appear. Card numbers are matched on their digits, whatever
    the grouping.
    """
    text = redact(text)
    for value, label in secrets:
        digits = re.sub(r"[ -]", "", value)
        if label == CARD_LABEL and digits.isdigit():
            spaced = r"[ -]?".join(digits)
            text = re.sub(rf"(?<!\d){spaced}(?!\d)", label, text)
        elif len(value) >= MIN_SWEEP_LENGTH:
            left = r"(?<!\w)" if value[0].isalnum() or value[0] == "_" else ""
            right = r"(?!\w)" if value[-1].isalnum() or value[-1] == "_" else ""
            text = re.sub(left + re.escape(value) + right, label, text)
    return text


def pseudonym(sender_id: str, key: str) -> str:
    """A stable id for the customer that cannot be turned back into the sender id without ``key``.

    HMAC-SHA256 rather than a plain hash: sender ids are often guessable
    (phone numbers, emails), and a plain hash of a guessable value is a lookup
    table away from the value itself.
    """
    if not key:
        raise ValueError("pseudonym key must not be empty: without a secret key the pseudonym can be reversed by guessing")
    digest = hmac.new(key.encode("utf-8"), str(sender_id).encode("utf-8"), hashlib.sha256).hexdigest()
    return f"cus_{digest[:16]}"
