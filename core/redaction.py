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
measured on tests/redaction/corpus.yml (core/redaction_eval.py scores it).

What counts as a secret:

- IBANs: two letters, two check digits and 11-30 letters or digits, grouped or
  not, upper or lower case, that pass ``stdnum.iban`` validation;
- card numbers: 13-19 digits, written without separators or in groups split by
  single spaces, dashes, dots or slashes (groups of at least 3 digits, or groups
  of 4 with a shorter last group), that pass the Luhn check, or have exactly 16
  digits (a mistyped card is still a card). A card followed or preceded by its
  expiry or CVV in the same run of digits is found inside the run. Never a
  card: order numbers side by side ("12345678 87654321", see
  data/nlu/entities.yml), numbers starting with 0 (no card does), numbers after
  ``+`` (phones) or glued to letters ("JD014600006281234567", "8H..."), and
  numbers whose nearest keyword names something else (tracking, parcel,
  barcode, EAN, item, a carrier's name, phone, ...), unless it is "card";
- CVV/CVC: 3-4 digits after "cvv", "cvc", "ccv", "security code", "the 3
  digits on the back", ...;
- passwords: after "password is", "pw:", "password=", "my password's", "the
  password I used was", "password Hunter2!", "changed my password to ...", or
  before "is my password", with common misspellings of the word ("passwrod",
  "pasword", "psw"). Where the wording is loose (no "is", ":" or "changed ...
  to" between the word and the value) the value must look like a password
  (letters with digits, symbols or inner capitals, or 4+ digits) or be a lone
  word ending the message ("current password princess") that people do not say
  after "password" ("password reset please"), so "password reset" and "pass me
  to a human" stay; words that describe the password ("my password is not
  working") never count, and "pass" after "boarding", "season", ... is a pass;
- one-time codes and PINs: 4-8 digits, possibly grouped ("482 913",
  "55-12-09"), after "code", "OTP", "verification code", "PIN", "the code you
  texted me is", ... or before "is my code". Codes that are not secrets
  ("error code 4041", "promo code 2024", "sort code 12-34-56", "the code for
  order 5582019 is ...") are kept.

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
from typing import Callable, List, Match, Optional, Pattern, Sequence, Tuple

from stdnum import iban as stdnum_iban
from stdnum import luhn as stdnum_luhn

CARD_LABEL = "[card number removed]"
CVV_LABEL = "[CVV removed]"
PASSWORD_LABEL = "[password removed]"
CODE_LABEL = "[code removed]"
IBAN_LABEL = "[IBAN removed]"
LABELS = (CARD_LABEL, CVV_LABEL, PASSWORD_LABEL, CODE_LABEL, IBAN_LABEL)

# Secrets shorter than this are only removed in context ("pw: x"): sweeping
# every "x" out of a packet would destroy it.
MIN_SWEEP_LENGTH = 4
# Chat messages are at most ~2,000 characters; ten times that is not a message.
MAX_TEXT_CHARS = 20_000

Secrets = List[Tuple[str, str]]  # (value, label), in the order found


class RedactionError(RuntimeError):
    """A text could not be redacted (or is too long to be a message): refuse it rather than store it raw."""


# -- shared pieces ---------------------------------------------------------------------------------

_NOT_A_LABEL = r"(?!\[(?:card number|CVV|password|code|IBAN) removed\])"
_WORD = re.compile(r"[a-z]+")
_TRAILING_PUNCTUATION = ".,;:)"  # "!" and "?" may be part of a password; removing too much is safe


def _words_before(text: str, index: int, count: int) -> List[str]:
    """The last ``count`` words (lowercase letters only) before ``index``, nearest last."""
    return _WORD.findall(text[max(0, index - 60) : index].lower())[-count:]


def _replace(pattern: Pattern[str], text: str, found: Secrets, keep: Callable[[Match[str]], bool], label: str) -> str:
    """``text`` with the ``value`` group of each match of ``pattern`` replaced by ``label`` (unless ``keep``)."""

    def replace(match: Match[str]) -> str:
        if keep(match):
            return match.group(0)
        start, end = match.span("value")
        value = match.group("value")
        stripped = value.rstrip(_TRAILING_PUNCTUATION) if value[0] not in "\"'“‘" else value
        end -= len(value) - len(stripped)
        found.append((stripped.strip("\"'“”‘’"), label))
        offset = match.start()
        whole = match.group(0)
        return whole[: start - offset] + label + whole[end - offset :]

    return pattern.sub(replace, text)


# -- IBANs -----------------------------------------------------------------------------------------

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


def _redact_ibans(text: str, found: Secrets) -> str:
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


# -- cards -----------------------------------------------------------------------------------------

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
    for word in reversed(_words_before(text, start, _CONTEXT_WORDS)):
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


def _redact_cards(text: str, found: Secrets) -> str:
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

_SEP = r"\s*(?:[:=#-]\s*)?(?:(?:is|was|are)\b\s*:?\s*)?"
_CVV = re.compile(
    r"\b(?:cvv2?|cvc2?|cv2|ccv|cvn|cid|csc|sec(?:urity)?\s+(?:code|number|no\b\.?)"
    r"|card\s+(?:verification|security)\s+(?:code|value|number)"
    r"|(?:(?:[34]|three|four)[- ]digits?(?:\s+(?:code|number))?|(?:little\s+|small\s+)?(?:numbers?|digits|code))"
    r"\s+on\s+the\s+(?:back|front))"
    r"(?:\s+(?:no\b\.?|num|number|code))?(?:\s+(?:on|of|for)\s+(?:the|my|this)\s+card)?" + _SEP + r"(?P<value>\d{3,4})(?!\d)",
    re.IGNORECASE,
)


# -- passwords -------------------------------------------------------------------------------------

# "password" and the ways customers misspell or shorten it; never the word inside a label ("[password removed]").
_PW_KEY = r"(?<!\[)\b(?P<key>pass(?:word|wrod|wrd|wod|wd|w|code|phrase)s?|pasword|paswd|pword|pwd|psw|pw|pass)"
_PW_VALUE = r"(?P<value>\"[^\"\n]{1,100}\"|'[^'\n]{1,100}'|“[^”\n]{1,100}”|‘[^’\n]{1,100}’|" + _NOT_A_LABEL + r"\S{1,100})"
# "password: x", "pw=x", "Password - x": whatever follows is the password.
_PASSWORD_EXPLICIT = re.compile(_PW_KEY + r"(?:\s*[:=]|\s+-|\s*->)\s*" + _PW_VALUE, re.IGNORECASE)
# "my password is x", "password's x", "password should be x", "password has always been x".
_PASSWORD_SPOKEN = re.compile(
    _PW_KEY + r"(?:'s\s+|\s+(?:is|was|=)\s+(?:now\s+|still\s+|just\s+|actually\s+)?"
    r"|\s+(?:should|would|will|must|used\s+to)\s+be\s+|\s+has\s+(?:always\s+)?been\s+|\s+became\s+)" + _PW_VALUE,
    re.IGNORECASE,
)
# "the password I used was x", "password for the account is x": a few words in between.
_PASSWORD_GAP = re.compile(
    _PW_KEY + r"(?P<gap>(?:\s+[\w'@.-]{1,40}){1,4}?)\s+(?:is|was)\s+(?:now\s+|still\s+)?" + _PW_VALUE,
    re.IGNORECASE,
)
# "changed my password to x", "password was changed from x", "set my password as x", "password to x".
_PASSWORD_CHANGED = re.compile(
    r"(?P<verb>\b(?:chang|set|reset|updat|switch|mad|mak)\w{0,3}\s+(?:my\s+|the\s+|our\s+)?)?"
    + _PW_KEY
    + r"(?:\s+(?:was|has\s+been|got|is)\s+(?P<changed>changed|reset|set|updated))?\s+(?:to|as|from|into)\s+"
    + _PW_VALUE,
    re.IGNORECASE,
)
# "password Hunter2!", "pass Hunter2!", "my pw Hunter2!", "current password princess".
_PASSWORD_BARE = re.compile(_PW_KEY + r"\s+" + _PW_VALUE, re.IGNORECASE)
# "Hunter2! is my password", "its x thats my password", "with x as my password".
_PASSWORD_BEFORE = re.compile(
    r"(?<!\S)" + _NOT_A_LABEL + r"(?!removed\])(?P<value>\S{1,100})"
    r"\s+(?:is|was|=|as|that'?s|thats|it'?s)\s+(?:my|the|our|ur|your)\s+"
    r"(?:(?:new|old|current|account|login|temp|temporary|real|actual|usual)\s+)?" + _PW_KEY + r"\b",
    re.IGNORECASE,
)
# Words after "my password is" that describe the password rather than being it.
_NOT_PASSWORDS = frozenset(
    "not wrong incorrect invalid too being the a an no expired broken working rejected locked blocked correct right fine ok "
    "okay still case different same definitely reset changed empty missing long short required needed that this it what "
    "which in on for also and but weak strong saved stored visible there here gone unknown lost forgotten now just "
    "probably maybe weird strange bad terrible useless hard easy simple complicated annoying confusing new old my "
    "your their his her its so very really sensitive stuck blank something anything whatever one well before usual soon "
    "always never".split()
)
# Words people say right after "password" when talking about it ("password reset please"), never the password.
_SAID_AFTER_PASSWORD = frozenset(
    "reset resets change changes recovery manager field box policy rules rule requirements requirement hint help issue "
    "issues problem problems please pls plz again link email mail page error protected protection strength length screen "
    "form login update request thing things though lol twice anymore question questions stuff section option settings "
    "setting thanks thx".split()
)
# Words between "password" and "is" that make the sentence about something else ("the password reset page is blank").
_NOT_PASSWORD_GAP = frozenset(
    "reset page field box link email mail manager rules requirements requirement thing change changes hint problem issue "
    "issues screen form option button length policy strength recovery protection prompt error message system feature "
    "process stuff".split()
)
# Words before "is my password" that point at the password rather than being it.
_NOT_PASSWORDS_BEFORE = frozenset(
    "it this that what which there here where how why who whats what's so and but or also then now one mine yours "
    "below above attached following same thats that's its it's where's wheres hows how's".split()
)
# "my boarding pass is ...": passes that are not passwords.
_PASS_KINDS = frozenset("boarding bus season day annual travel gym ski rail train festival backstage guest visitor press".split())
_PASSWORD_SYMBOLS = frozenset("!@#$%^&*_+=~?<>|\\/()[]{}")
# "my password is 8 characters": a number that counts something.
_COUNTED = re.compile(r"\s*(?:characters?|chars?|letters?|digits?|numbers?|symbols?|long|times?|attempts?|tries)\b", re.I)
_ENDS_MESSAGE = re.compile(r"[.!]*[ \t]*(?:\n|$)")


def _looks_like_password(value: str, key: str) -> bool:
    """Letters with digits or symbols (``Hunter2!``, ``P@ss``), camel case, or 4+ digits: not an English word."""
    if value[:1] in "\"'“‘":
        return True
    core = value.rstrip(".,;:!?)")
    letters = any(c.isalpha() for c in core)
    digits = any(c.isdigit() for c in core)
    symbols = any(c in _PASSWORD_SYMBOLS for c in core)
    if key.lower() == "pass":  # "pass" is also a boarding pass, a season pass, "pass me to ..."
        return letters and (digits or symbols)
    camel = any(c.isupper() for c in core[1:]) and any(c.islower() for c in core)
    return (letters and (digits or symbols or camel)) or (core.isdigit() and len(core) >= 4)


def _describes_password(match: Match[str]) -> bool:
    value = match.group("value").rstrip(_TRAILING_PUNCTUATION + "!?").lower()
    if value[:1] in "\"'“‘":
        return False
    if _COUNTED.match(match.string, match.end("value")) and re.fullmatch(r"[\d-]+", value):
        return True
    return not value or value in _NOT_PASSWORDS or (value.isalpha() and value.endswith(("ing", "ed", "ly")))


def _is_other_pass(match: Match[str]) -> bool:
    """``pass`` that is a boarding pass, a season pass, ... (the word before it says so)."""
    if match.group("key").lower() != "pass":
        return False
    before = _words_before(match.string, match.start("key"), 1)
    return bool(before) and before[-1] in _PASS_KINDS


def _keep_spoken(match: Match[str]) -> bool:
    return _is_other_pass(match) or _describes_password(match)


def _keep_gap(match: Match[str]) -> bool:
    if _is_other_pass(match):
        return True
    if set(_WORD.findall(match.group("gap").lower())) & _NOT_PASSWORD_GAP:  # about the reset page, not the password
        return not _looks_like_password(match.group("value"), match.group("key"))
    return _describes_password(match)


def _keep_changed(match: Match[str]) -> bool:
    if match.group("verb") or match.group("changed"):  # "changed my password to x": x is the password
        return _describes_password(match)
    return not _looks_like_password(match.group("value"), match.group("key")) or _describes_password(match)


def _keep_bare(match: Match[str]) -> bool:
    """``password x`` counts when x looks like a password, or is a lone word ending the message ("current password princess")."""
    if _describes_password(match) or _is_other_pass(match):
        return True
    if _looks_like_password(match.group("value"), match.group("key")):
        return False
    value = match.group("value").rstrip(".!").lower()
    lone = match.group("key").lower() != "pass" and _ENDS_MESSAGE.match(match.string, match.end("value")) is not None
    return not (lone and value.isalpha() and value not in _SAID_AFTER_PASSWORD)


def _keep_before(match: Match[str]) -> bool:
    value = match.group("value").strip(".,;:!?").lower()
    if match.group("key").lower() == "pass":
        return not _looks_like_password(match.group("value"), "pass")
    return not value or value in _NOT_PASSWORDS_BEFORE


# -- one-time codes and PINs -----------------------------------------------------------------------

_CODE_KEY = (
    r"(?P<key>(?:(?:one[- ]?time|verification|verify|login|log-?in|sign[- ]?in|auth(?:entication|orization)?|2fa|mfa"
    r"|two[- ]factor)\s+(?:pass)?(?:code|number|pin)"
    r"|(?:sms|text|confirmation|confirm|access|reset|security|email|e-mail)\s+(?:pass)?code"
    r"|otp|passcode|code|verification|2fa|mfa|pin(?:\s+(?:number|no\b\.?|code))?)"
    r"(?:\s+(?:from|in|on)\s+(?:the\s+|my\s+|your\s+)?(?:sms|text|texts|email|e-mail|app|phone|message))?)"
)
# 4-8 digits, whole or in groups of 2-4 ("482 913", "55-12-09"); the total is checked in _keep_code.
_CODE_VALUE = r"(?P<value>\d{2,4}(?:[ .-]\d{2,4}){1,3}|\d{4,8})(?!\d|[./-]\d)"
_CODE = re.compile(r"(?<!\[)\b" + _CODE_KEY + r"(?![a-z])" + _SEP + _CODE_VALUE, re.IGNORECASE)
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
    before = _words_before(match.string, match.start(), 1)
    return bool(before) and before[-1] in _NOT_SECRET_CODES


def _keep_code_gap(match: Match[str]) -> bool:
    gap = set(_WORD.findall(match.group("gap").lower()))
    return bool(gap & _NOT_SECRET_GAP) or _keep_code(match)


def _keep_code_before(match: Match[str]) -> bool:
    if not _code_digits_ok(match.group("value")):
        return True
    before = _words_before(match.string, match.start(), 1)
    named = _words_before(match.string, match.start("key"), 1)
    return bool(before and before[-1] in _NOT_SECRET_CODES) or bool(named and named[-1] in _NOT_SECRET_CODES)


# -- the API -------------------------------------------------------------------------------------


def _never(match: Match[str]) -> bool:
    return False


def find_secrets(text: str) -> Tuple[str, Secrets]:
    """``text`` redacted, and each secret removed from it as ``(value, label)``."""
    found: Secrets = []
    if not text:
        return text, found
    text = _redact_ibans(text, found)
    text = _redact_cards(text, found)
    text = _replace(_CVV, text, found, _never, CVV_LABEL)
    text = _replace(_PASSWORD_EXPLICIT, text, found, _never, PASSWORD_LABEL)
    text = _replace(_PASSWORD_SPOKEN, text, found, _keep_spoken, PASSWORD_LABEL)
    text = _replace(_PASSWORD_GAP, text, found, _keep_gap, PASSWORD_LABEL)
    text = _replace(_PASSWORD_CHANGED, text, found, _keep_changed, PASSWORD_LABEL)
    text = _replace(_PASSWORD_BARE, text, found, _keep_bare, PASSWORD_LABEL)
    text = _replace(_PASSWORD_BEFORE, text, found, _keep_before, PASSWORD_LABEL)
    text = _replace(_CODE, text, found, _keep_code, CODE_LABEL)
    text = _replace(_CODE_GAP, text, found, _keep_code_gap, CODE_LABEL)
    text = _replace(_CODE_BEFORE, text, found, _keep_code_before, CODE_LABEL)
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
