"""Passwords in customer text.

After "password is", "pw:", "password=", "my password's", "the password I used
was", "password Hunter2!", "changed my password to ...", or before "is my
password", with common misspellings of the word ("passwrod", "pasword", "psw").
Where the wording is loose (no "is", ":" or "changed ... to" between the word
and the value) the value must look like a password (letters with digits,
symbols or inner capitals, or 4+ digits) or be a lone word ending the message
("current password princess") that people do not say after "password"
("password reset please"), so "password reset" and "pass me to a human" stay;
words that describe the password ("my password is not working") never count,
and "pass" after "boarding", "season", ... is a pass.
"""

from __future__ import annotations

import re
from typing import Match

from core.redaction.shared import NOT_A_LABEL, PASSWORD_LABEL, TRAILING_PUNCTUATION, WORD, Secrets, replace_values, words_before

# "password" and the ways customers misspell or shorten it; never the word inside a label ("[password removed]").
_PW_KEY = r"(?<!\[)\b(?P<key>pass(?:word|wrod|wrd|wod|wd|w|code|phrase)s?|pasword|paswd|pword|pwd|psw|pw|pass)"
_PW_VALUE = r"(?P<value>\"[^\"\n]{1,100}\"|'[^'\n]{1,100}'|“[^”\n]{1,100}”|‘[^’\n]{1,100}’|" + NOT_A_LABEL + r"\S{1,100})"
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
    r"(?<!\S)" + NOT_A_LABEL + r"(?!removed\])(?P<value>\S{1,100})"
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
    value = match.group("value").rstrip(TRAILING_PUNCTUATION + "!?").lower()
    if value[:1] in "\"'“‘":
        return False
    if _COUNTED.match(match.string, match.end("value")) and re.fullmatch(r"[\d-]+", value):
        return True
    return not value or value in _NOT_PASSWORDS or (value.isalpha() and value.endswith(("ing", "ed", "ly")))


def _is_other_pass(match: Match[str]) -> bool:
    """``pass`` that is a boarding pass, a season pass, ... (the word before it says so)."""
    if match.group("key").lower() != "pass":
        return False
    before = words_before(match.string, match.start("key"), 1)
    return bool(before) and before[-1] in _PASS_KINDS


def _keep_spoken(match: Match[str]) -> bool:
    return _is_other_pass(match) or _describes_password(match)


def _keep_gap(match: Match[str]) -> bool:
    if _is_other_pass(match):
        return True
    if set(WORD.findall(match.group("gap").lower())) & _NOT_PASSWORD_GAP:  # about the reset page, not the password
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


def redact_passwords(text: str, found: Secrets) -> str:
    """Each wording in turn, the most explicit first, so a looser one never sees what a stricter one removed."""
    text = replace_values(_PASSWORD_EXPLICIT, text, found, lambda match: False, PASSWORD_LABEL)
    text = replace_values(_PASSWORD_SPOKEN, text, found, _keep_spoken, PASSWORD_LABEL)
    text = replace_values(_PASSWORD_GAP, text, found, _keep_gap, PASSWORD_LABEL)
    text = replace_values(_PASSWORD_CHANGED, text, found, _keep_changed, PASSWORD_LABEL)
    text = replace_values(_PASSWORD_BARE, text, found, _keep_bare, PASSWORD_LABEL)
    return replace_values(_PASSWORD_BEFORE, text, found, _keep_before, PASSWORD_LABEL)
