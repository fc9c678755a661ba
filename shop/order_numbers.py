"""Order numbers in the forms customers type them: ``AC-1234567``, ``#1234567``, ``123-456``, ``order 123456``.

The canonical form is the digits alone; :func:`display` adds the shop's prefix.
Six to eight digits, as the shop issues them; a longer run of digits (a phone or
card number) is not an order number, and neither is an amount or
a phone number in groups.
"""

from __future__ import annotations

import re
from typing import Optional

PREFIX = "AC-"
_NUMBER = re.compile(
    r"(?<![\w$€£.,-])"  # not part of a longer token, a date or an amount
    r"(?:AC[-\s]?|#)?"
    r"(\d{3}-\d{3,5}|\d{6,8})"
    r"(?![-\d,.]?\d)(?!\s?(?:\$|€|£|usd|eur|gbp|dollars|euros|bucks|pounds)\b)",
    re.IGNORECASE,
)


def find(text: str) -> Optional[str]:
    """The canonical digits of the first order number in ``text``, or None."""
    match = _NUMBER.search(text or "")
    return re.sub(r"\D", "", match.group(1)) if match else None


def display(digits: str) -> str:
    return f"{PREFIX}{digits}"
