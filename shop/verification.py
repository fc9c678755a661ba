"""Proof that the person asking owns the order: the email or the postcode on it.

A mismatch never says which part was wrong, and an unknown order number fails the
same way, so the chat cannot be used to find out whether an order exists. Counting
failures and handing off after three is the caller's (the dialogue's) job.
"""

from __future__ import annotations

import hmac
import re
import unicodedata
from typing import Optional

from shop.orders import Order


def _email(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip().casefold()


def _postcode(value: str) -> str:
    return re.sub(r"[\s-]", "", unicodedata.normalize("NFKC", value)).upper()


def owns(order: Optional[Order], proof: str) -> bool:
    """True when ``proof`` is the order's email or postcode (case, spaces and hyphens aside)."""
    if order is None or not proof or not proof.strip():
        return False
    # Both comparisons always run, in constant time: timing says nothing about which part matched.
    by_email = hmac.compare_digest(_email(proof).encode(), _email(order.email).encode())
    by_postcode = hmac.compare_digest(_postcode(proof).encode(), _postcode(order.postcode).encode())
    return by_email or by_postcode
