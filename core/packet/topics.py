"""What the agent's handoff summary says per topic and per handoff reason: ``data/topics.yml``, owned by designers.

Per topic (an intent of the domain): the customer's ``goal``, the agent's open ``question`` and the
suggested ``next_step``, with placeholders the customer's details fill in (``{order}``: "order
AC-482913" or "their order"; see ``PLACEHOLDERS``), and ``needs_order_number`` when the question
must say that no order number was given yet. Intents that are no customer need of their own
(greetings, reactions to an answer) are listed under ``without_topic``. Per reason (a handoff
reason code): ``handed_over`` (the end of "Handed over because ...") and ``first_move``, what the
reason changes about the agent's first move.

Errors: ``TopicsError`` (a ``RulesFileError``) names the file, the key path and the reason:
``data/topics.yml: topics.order_status.goal: unknown placeholder {ordr} (known: ...)``.

Only :func:`load_topics` and :func:`topics` read files; :func:`parse_topics` is pure. The action
server loads the file once, on the first handoff (``topics()``), from ``TANDEM_TOPICS`` or the
project's ``data/topics.yml``, checking its intents against the project's ``domain.yml``.
"""

from __future__ import annotations

import os
import string
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Collection, Mapping, Optional, Set

import yaml

from core.domain_file import known_intents
from core.escalation.rules import HUMAN_REQUEST_INTENT
from core.yaml_schema import RulesFileError, check, read_yaml

ROOT = Path(__file__).resolve().parent.parent.parent
TOPICS_ENV = "TANDEM_TOPICS"
DEFAULT_PATH = Path("data") / "topics.yml"
# The placeholders a topic's sentences may use, each filled from the customer's details
# (core/packet/summary.py, _fill): the key, and what it reads like with and without the detail.
PLACEHOLDERS = {
    "order": "'order AC-482913', or 'their order'",
    "about_order": "' about order AC-482913', or nothing",
    "amount_of": "' of $89.90', or nothing",
    "error_paren": "' (error PAY-402)', or nothing",
    "error_with": "' with error PAY-402', or nothing",
    "error_for": "' for error PAY-402', or nothing",
    "area_on": "' (checkout)' (the product area), or nothing",
}
TOPIC_KEYS = ("goal", "question", "next_step")
REASON_KEYS = ("handed_over", "first_move")
_FORMATTER = string.Formatter()
# The file's shape (keys, types, version); the checks below are what a schema cannot say.
SCHEMA = Path(__file__).resolve().parent / "topics.schema.json"


class TopicsError(RulesFileError):
    """The topics file is unusable; the message names the file, the key path and the reason."""


@dataclass(frozen=True)
class Topic:
    goal: str
    question: str
    next_step: str
    # The open question adds "No order number given yet." while the customer has given none.
    needs_order_number: bool = False


@dataclass(frozen=True)
class ReasonWords:
    handed_over: Optional[str] = None
    first_move: Optional[str] = None


@dataclass(frozen=True)
class Topics:
    path: str
    topics: Mapping[str, Topic] = field(default_factory=dict)
    without_topic: frozenset = frozenset()
    reasons: Mapping[str, ReasonWords] = field(default_factory=dict)

    def topic(self, intent: Optional[str]) -> Optional[Topic]:
        return self.topics.get(intent or "")

    def handed_over(self, reason: str) -> str:
        words = self.reasons.get(reason, ReasonWords()).handed_over
        return words or reason.replace("_", " ")

    def first_move(self, reason: str) -> Optional[str]:
        return self.reasons.get(reason, ReasonWords()).first_move

    def uncovered(self, intents: Collection[str]) -> list[str]:
        """The intents of ``intents`` that neither have a topic nor are listed as having none."""
        handled = set(self.topics) | set(self.without_topic) | {HUMAN_REQUEST_INTENT}
        return sorted(set(intents) - handled)


def _sentence(path: str, text: str, key: str) -> str:
    """Text whose placeholders are all known and plain (``{order}``, never ``{order!r:>9}``)."""
    try:
        fields = [(name, conversion, spec) for _, name, spec, conversion in _FORMATTER.parse(text) if name is not None]
    except ValueError as error:
        reason = f"has a brace that opens or closes no placeholder ({error}); write {{{{ or }}}} for a brace"
        raise RulesFileError(path, key, reason) from None
    for name, conversion, spec in fields:
        if name not in PLACEHOLDERS:
            known = ", ".join(f"{{{p}}}" for p in PLACEHOLDERS)
            raise RulesFileError(path, key, f"unknown placeholder {{{name}}} (known: {known})")
        if conversion or spec:
            raise RulesFileError(path, key, f"placeholder {{{name}}} must be written plain, without ! or :")
    return text


def _plain(path: str, text: str, key: str) -> str:
    """Text without placeholders: a reason's words are used as they are."""
    if "{" in text or "}" in text:
        raise RulesFileError(path, key, "a reason's words have no placeholders: write them without { and }")
    return text


def _intent_names(path: str, names: Any, key: str, known: Optional[Set[str]]) -> list[str]:
    names = [str(name) for name in names]
    for name in names:
        if name == HUMAN_REQUEST_INTENT:
            reason = "asking for a person has a built-in summary ('Talk to a person'); remove it here"
            raise RulesFileError(path, f"{key}.{name}", reason)
        if known is not None and name not in known:
            raise RulesFileError(path, f"{key}.{name}", "unknown intent: not in domain.yml")
    return names


def _topic(path: str, data: Mapping[str, Any], key: str) -> Topic:
    goal, question, next_step = (_sentence(path, data[name], f"{key}.{name}") for name in TOPIC_KEYS)
    return Topic(goal, question, next_step, bool(data.get("needs_order_number", False)))


def _reason(path: str, data: Mapping[str, Any], key: str, known: Optional[Set[str]]) -> ReasonWords:
    code = key.split(".", 1)[1]
    if known is not None and code not in known:
        raise RulesFileError(path, key, f"unknown reason code (known: {', '.join(sorted(known))})")
    return ReasonWords(**{name: _plain(path, data[name], f"{key}.{name}") for name in REASON_KEYS if name in data})


def parse_topics(
    raw: Any, path: str = str(DEFAULT_PATH), known_intents: Optional[Set[str]] = None, known_reasons: Optional[Set[str]] = None
) -> Topics:
    """The validated topics. ``known_intents``/``known_reasons`` None skip the checks of names against
    the domain and the escalation rules."""
    try:
        check(raw, SCHEMA, path)
        topics_data = raw["topics"]
        _intent_names(path, topics_data, "topics", known_intents)
        topics = {str(name): _topic(path, value, f"topics.{name}") for name, value in topics_data.items()}
        without = _intent_names(path, raw.get("without_topic", []), "without_topic", known_intents)
        both = sorted(set(without) & set(topics))
        if both:
            raise RulesFileError(path, f"without_topic.{both[0]}", "has a topic under topics as well; keep one of the two")
        reasons_data = raw.get("reasons", {})
        reasons = {str(code): _reason(path, value, f"reasons.{code}", known_reasons) for code, value in reasons_data.items()}
    except RulesFileError as error:
        raise TopicsError(error.path, error.key, error.reason) from None
    return Topics(path, topics, frozenset(without), reasons)


def load_topics(path: Path, known_intents: Optional[Set[str]] = None, known_reasons: Optional[Set[str]] = None) -> Topics:
    try:
        raw = read_yaml(path)
    except RulesFileError as error:
        raise TopicsError(error.path, error.key, error.reason) from None
    return parse_topics(raw, str(path), known_intents, known_reasons)


@lru_cache(maxsize=1)
def topics() -> Topics:
    """This process's topics, read on first use (never at import): ``TANDEM_TOPICS`` or data/topics.yml,
    its intents checked against the project's domain.yml."""
    path = Path(os.environ.get(TOPICS_ENV) or ROOT / DEFAULT_PATH)
    try:
        intents = known_intents(ROOT / "domain.yml")
    except (OSError, yaml.YAMLError) as error:
        raise TopicsError(str(ROOT / "domain.yml"), "(file)", f"cannot be read to check the topics' intents: {error}") from None
    return load_topics(path, intents)
