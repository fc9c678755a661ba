"""Payment card numbers and their security codes (CVV/CVC) in customer text.

Card numbers: 13-19 digits, written without separators or in groups split by
single spaces, dashes, dots or slashes (groups of at least 3 digits, or groups
of 4 with a shorter last group), that pass the Luhn check, or have exactly 16
digits (a mistyped card is still a card). A card followed or preceded by its
expiry or CVV in the same run of digits is found inside the run. Never a
card: order numbers side by side ("12345678 87654321", see
data/nlu/entities.yml), numbers starting with 0 (no card does), numbers after
``+`` (phones) or glued to letters ("JD014600006281234567", "8H..."), and
numbers whose nearest keyword names something else (tracking, parcel,
barcode, EAN, item, a carrier's name, phone, ...), unless it is "card".

CVV/CVC: 3-4 digits after "cvv", "cvc", "ccv", "security code", "the 3 digits
on the back", ...
"""

from __future__ import annotations

import re
from typing import Match, Optional, Sequence, Tuple

from stdnum import luhn as stdnum_luhn

from core.redaction.shared import CARD_LABEL, CVV_LABEL, SEPARATOR, Secrets, replace_values, words_before

# Digits in groups split by single spaces, dashes, dots or slashes; separators and digits are disjoint.
_DIGIT_RUN = re.compile(r"\d+(?:[ ./-]\d+)*")
_DIGIT_GROUP = re.compile(r"\d+")
# The nearest of these among the few words before a number says what the number is.
_CARD_WORDS = frozenset(
    "card cards visa mastercard mc amex debit credit cc ccn pan maestro discover jcb diners unionpay electron".split()
)
_NOT_CARD_WORDS = frozenset(
    "tracking track parcel package consignment shipment shipping barcode ean upc gtin isbn sku item product article "
    "invoice reference ref ticket case serial imei phone tel telephone mobile whatsapp call ring fax usps dhl ups dpd "
    "hermes evri fedex yodel gls tnt parcelforce postnl colissimo".split()
)
_CONTEXT_WORDS = 4
_MAX_CARD_GROUPS = 7  # 19 digits in groups of at least 3 (a short last group only after groups of 4)


def luhn_valid(digits: str) -> bool:
    """The checksum every payment card number carries; random digit strings fail it nine times in ten."""
    return digits.isdigit() and bool(stdnum_luhn.is_valid(digits))


def _card_groups_ok(sizes: Sequence[int]) -> bool:
    """Cards are written whole, in groups of at least 3 (4-4-4-4, 4-6-5), or in 4s with a shorter last group."""
    if len(sizes) == 1:
        return True
    if all(size >= 3 for size in sizes):
        return True
    return all(size == 4 for size in sizes[:-1])


def _expiry_or_cvv(sizes: Sequence[int]) -> bool:
    """Whether digit groups beside a card look like its expiry and/or CVV (``12/27``, ``123``, ``12/27 123``)."""
    month, year, cvv = (1, 2), (2, 4), (3, 4)
    shapes = [
        (),
        (cvv,),
        (month, year),
        (month, year, cvv),
        (cvv, month, year),
    ]
    return any(
        len(shape) == len(sizes) and all(size in allowed for size, allowed in zip(sizes, shape, strict=True)) for shape in shapes
    )


def _not_a_card_here(text: str, run_start: int, start: int) -> bool:
    """A run of digits glued to letters or a ``+``, or whose nearest keyword names something other than a card."""
    before = text[run_start - 1] if run_start else ""
    if before == "+":
        return True
    if before.isalpha():
        glued = re.search(r"[A-Za-z]+$", text[max(0, run_start - 20) : run_start])
        return not glued or glued.group(0).lower() not in _CARD_WORDS
    for word in reversed(words_before(text, start, _CONTEXT_WORDS)):
        if word in _CARD_WORDS:
            return False
        if word in _NOT_CARD_WORDS:
            return True
    return False


def _card_span(run: str) -> Optional[Tuple[int, int]]:
    """Where in ``run`` the card number is: the most whole digit groups that make a card, Luhn-valid first."""
    groups = [(m.start(), m.end()) for m in _DIGIT_GROUP.finditer(run)]
    sizes = [end - start for start, end in groups]
    if sum(sizes) < 13:
        return None
    if len(groups) > 1 and all(6 <= size <= 8 for size in sizes):
        return None  # order numbers side by side, not a card
    totals = [0]
    for size in sizes:
        totals.append(totals[-1] + size)
    for length in range(min(len(groups), _MAX_CARD_GROUPS), 0, -1):
        mistyped = None
        for first in range(len(groups) - length + 1):
            if not 13 <= totals[first + length] - totals[first] <= 19 or not _card_groups_ok(sizes[first : first + length]):
                continue
            chosen = groups[first : first + length]
            digits = "".join(run[s:e] for s, e in chosen)
            if digits[0] == "0":
                continue
            span = chosen[0][0], chosen[-1][1]
            if luhn_valid(digits):
                return span
            # 16 digits without a valid checksum: a mistyped card, if nothing but an expiry or CVV is beside it.
            if len(digits) == 16 and mistyped is None:
                if _expiry_or_cvv(sizes[:first]) and _expiry_or_cvv(sizes[first + length :]):
                    mistyped = span
        if mistyped is not None:
            return mistyped
    return None


def redact_cards(text: str, found: Secrets) -> str:
    def card(match: Match[str]) -> str:
        run = match.group(0)
        if len(run) < 13:
            return run
        span = _card_span(run)
        if span is None or _not_a_card_here(text, match.start(), match.start() + span[0]):
            return run
        found.append((run[span[0] : span[1]], CARD_LABEL))
        return run[: span[0]] + CARD_LABEL + run[span[1] :]

    return _DIGIT_RUN.sub(card, text)


# -- CVVs ------------------------------------------------------------------------------------------

_CVV = re.compile(
    r"\b(?:cvv2?|cvc2?|cv2|ccv|cvn|cid|csc|sec(?:urity)?\s+(?:code|number|no\b\.?)"
    r"|card\s+(?:verification|security)\s+(?:code|value|number)"
    r"|(?:(?:[34]|three|four)[- ]digits?(?:\s+(?:code|number))?|(?:little\s+|small\s+)?(?:numbers?|digits|code))"
    r"\s+on\s+the\s+(?:back|front))"
    r"(?:\s+(?:no\b\.?|num|number|code))?(?:\s+(?:on|of|for)\s+(?:the|my|this)\s+card)?"
    + SEPARATOR
    + r"(?P<value>\d{3,4})(?!\d)",
    re.IGNORECASE,
)


def redact_cvvs(text: str, found: Secrets) -> str:
    return replace_values(_CVV, text, found, lambda match: False, CVV_LABEL)
