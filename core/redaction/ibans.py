"""IBANs in customer text: two letters, two check digits and 11-30 letters or digits,
grouped or not, upper or lower case, that pass ``stdnum.iban`` validation.
"""

from __future__ import annotations

import re
from typing import List, Match, Optional, Tuple

from stdnum import iban as stdnum_iban

from core.redaction.shared import IBAN_LABEL, Secrets

# Country code and check digits, then up to 30 letters or digits, each optionally after one space or dash.
# The separator and the character classes are disjoint, so the bounded repetition cannot backtrack badly.
_IBAN_CANDIDATE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?:[ -]?[A-Za-z0-9]){11,30}")
_IBAN_MIN, _IBAN_MAX = 15, 34


def _mod97(compact: str) -> bool:
    """The IBAN checksum alone (ISO 7064 mod 97-10): a cheap filter before the full validation."""
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


def iban_valid(candidate: str) -> bool:
    """Whether ``candidate`` (any grouping or case) is an IBAN: mod 97 plus the country's length and format."""
    compact = re.sub(r"[ -]", "", candidate).upper()
    return compact.isalnum() and compact.isascii() and _mod97(compact) and bool(stdnum_iban.is_valid(compact))


def _iban_end(text: str, match: Match[str]) -> Optional[int]:
    """Where the longest valid IBAN starting at ``match`` ends; it must end where a word or group ends."""
    compact_length = 0
    ends: List[Tuple[int, int]] = []  # (end index in text, compact length there)
    for index in range(match.start(), match.end()):
        if text[index].isalnum():
            compact_length += 1
            following = text[index + 1 : index + 2]
            if not following.isalnum() and _IBAN_MIN <= compact_length <= _IBAN_MAX:
                ends.append((index + 1, compact_length))
    for end, _ in reversed(ends):
        if iban_valid(re.sub(r"[ -]", "", text[match.start() : end])):
            return end
    return None


def redact_ibans(text: str, found: Secrets) -> str:
    pieces: List[str] = []
    position = 0
    search_from = 0
    while True:
        match = _IBAN_CANDIDATE.search(text, search_from)
        if match is None:
            break
        end = _iban_end(text, match)
        if end is None:
            search_from = match.start() + 1  # a failed candidate must not swallow an IBAN that starts inside it
            continue
        found.append((text[match.start() : end], IBAN_LABEL))
        pieces += [text[position : match.start()], IBAN_LABEL]
        position = search_from = end
    return "".join(pieces) + text[position:]
