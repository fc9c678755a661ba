"""One-time codes and PINs in customer text.

4-8 digits, possibly grouped ("482 913", "55-12-09"), after "code", "OTP",
"verification code", "PIN", "the code you texted me is", ... or before "is my
code". Codes that are not secrets ("error code 4041", "promo code 2024", "sort
code 12-34-56", "the code for order 5582019 is ...") are kept.
"""

from __future__ import annotations

import re
from typing import Match

from core.redaction.shared import CODE_LABEL, SEPARATOR, WORD, Secrets, replace_values, words_before

_CODE_KEY = (
    r"(?P<key>(?:(?:one[- ]?time|verification|verify|login|log-?in|sign[- ]?in|auth(?:entication|orization)?|2fa|mfa"
    r"|two[- ]factor)\s+(?:pass)?(?:code|number|pin)"
    r"|(?:sms|text|confirmation|confirm|access|reset|security|email|e-mail)\s+(?:pass)?code"
    r"|otp|passcode|code|verification|2fa|mfa|pin(?:\s+(?:number|no\b\.?|code))?)"
    r"(?:\s+(?:from|in|on)\s+(?:the\s+|my\s+|your\s+)?(?:sms|text|texts|email|e-mail|app|phone|message))?)"
)
# 4-8 digits, whole or in groups of 2-4 ("482 913", "55-12-09"); the total is checked in _keep_code.
_CODE_VALUE = r"(?P<value>\d{2,4}(?:[ .-]\d{2,4}){1,3}|\d{4,8})(?!\d|[./-]\d)"
_CODE = re.compile(r"(?<!\[)\b" + _CODE_KEY + r"(?![a-z])" + SEPARATOR + _CODE_VALUE, re.IGNORECASE)
# "the one-time code you texted me is 482913": a few words in between.
_CODE_GAP = re.compile(
    r"(?<!\[)\b" + _CODE_KEY + r"(?![a-z])(?P<gap>(?:\s+[\w'@.-]{1,40}){1,4}?)(?:\s+(?:is|was|are)\b\s*:?|\s*:)\s*" + _CODE_VALUE,
    re.IGNORECASE,
)
# "482913 is my code", "its 482913 the code".
_CODE_BEFORE = re.compile(
    r"(?<![\w#-])(?P<value>\d{2,4}(?:[ .-]\d{2,4}){1,3}|\d{4,8}),?\s+(?:(?:is|was|=|as|that'?s|thats)\s+)?(?:my|the|your|ur)\s+"
    r"(?:[\w-]{1,30}\s+){0,2}?(?P<key>code|otp|pin|passcode)\b",
    re.IGNORECASE,
)
# "error code 4041" and "promo code 2024" name things, they do not unlock anything.
_NOT_SECRET_CODES = frozenset(
    "error promo promotional discount coupon voucher gift referral invite zip postal post area country tracking order "
    "product status reference sort swift bank item style colour color size".split()
)
# Words between "code" and its value that say the number is something else ("the code for order 5582019 is ...").
_NOT_SECRET_GAP = frozenset(
    "order orders tracking error promo discount coupon voucher reference ref invoice status postal zip post parcel ticket "
    "case item product sku".split()
)


def _code_digits_ok(value: str) -> bool:
    return 4 <= sum(c.isdigit() for c in value) <= 8


def _keep_code(match: Match[str]) -> bool:
    if not _code_digits_ok(match.group("value")):
        return True
    key = match.group("key").lower()
    if not (key.startswith("code") or key.startswith("pin")):
        return False
    before = words_before(match.string, match.start(), 1)
    return bool(before) and before[-1] in _NOT_SECRET_CODES


def _keep_code_gap(match: Match[str]) -> bool:
    gap = set(WORD.findall(match.group("gap").lower()))
    return bool(gap & _NOT_SECRET_GAP) or _keep_code(match)


def _keep_code_before(match: Match[str]) -> bool:
    if not _code_digits_ok(match.group("value")):
        return True
    before = words_before(match.string, match.start(), 1)
    named = words_before(match.string, match.start("key"), 1)
    return bool(before and before[-1] in _NOT_SECRET_CODES) or bool(named and named[-1] in _NOT_SECRET_CODES)


def redact_codes(text: str, found: Secrets) -> str:
    text = replace_values(_CODE, text, found, _keep_code, CODE_LABEL)
    text = replace_values(_CODE_GAP, text, found, _keep_code_gap, CODE_LABEL)
    return replace_values(_CODE_BEFORE, text, found, _keep_code_before, CODE_LABEL)
