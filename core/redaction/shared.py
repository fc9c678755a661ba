"""What every rule of the redaction uses: the labels that replace secrets, and matching helpers.

The matching helpers keep every pattern linear in the text: separators and
words are matched with bounded repetitions that cannot overlap.
"""

from __future__ import annotations

import re
from typing import Callable, List, Match, Pattern, Tuple

CARD_LABEL = "[card number removed]"
CVV_LABEL = "[CVV removed]"
PASSWORD_LABEL = "[password removed]"
CODE_LABEL = "[code removed]"
IBAN_LABEL = "[IBAN removed]"
LABELS = (CARD_LABEL, CVV_LABEL, PASSWORD_LABEL, CODE_LABEL, IBAN_LABEL)

Secrets = List[Tuple[str, str]]  # (value, label), in the order found

NOT_A_LABEL = r"(?!\[(?:card number|CVV|password|code|IBAN) removed\])"
WORD = re.compile(r"[a-z]+")
TRAILING_PUNCTUATION = ".,;:)"  # "!" and "?" may be part of a password; removing too much is safe


def words_before(text: str, index: int, count: int) -> List[str]:
    """The last ``count`` words (lowercase letters only) before ``index``, nearest last."""
    return WORD.findall(text[max(0, index - 60) : index].lower())[-count:]


def replace_values(pattern: Pattern[str], text: str, found: Secrets, keep: Callable[[Match[str]], bool], label: str) -> str:
    """``text`` with the ``value`` group of each match of ``pattern`` replaced by ``label`` (unless ``keep``)."""

    def replace(match: Match[str]) -> str:
        if keep(match):
            return match.group(0)
        start, end = match.span("value")
        value = match.group("value")
        stripped = value.rstrip(TRAILING_PUNCTUATION) if value[0] not in "\"'“‘" else value
        end -= len(value) - len(stripped)
        found.append((stripped.strip("\"'“”‘’"), label))
        offset = match.start()
        whole = match.group(0)
        return whole[: start - offset] + label + whole[end - offset :]

    return pattern.sub(replace, text)


# Between a keyword and its value: "cvv: 123", "code is 4821", "PIN - 1234".
SEPARATOR = r"\s*(?:[:=#-]\s*)?(?:(?:is|was|are)\b\s*:?\s*)?"
