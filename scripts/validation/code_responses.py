"""Which responses the code sends: custom actions, channels and Rasa's own default actions.

Rasa 3.6's validator only knows stories and rules, so every response a custom action or a channel
sends (``dispatcher.utter_message(response="utter_handoff_wait")``, a clarification button's label
``utter_topic_<intent>``) is reported as "not used in any story or rule". That is a false positive
only when code really sends it, so the code is read here: every string that is a response name,
and every f-string that builds one (``f"utter_handoff_{reason}"`` covers each ``utter_handoff_*``).
A response neither the dialogue nor the code uses is still reported.

Read with ``ast``, never imported, so nothing runs.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Optional

from actions.knowledge.articles import PROJECT_ROOT

# The product code that talks to customers.
CODE_PACKAGES = ("actions", "connectors", "core", "policies")
RESPONSE_NAME = re.compile(r"utter_[a-z0-9_]*[a-z0-9]")
# "utter_action" is the key under which Rasa records which response a bot message came from.
NOT_RESPONSES = {"utter_action"}
# An f-string builds a response name when its fixed parts are name characters, enough of them to say
# which, and it starts with "utter_" or with a value (f"{previous}_more").
_NAME_PART = re.compile(r"[a-z0-9_]*")
_MIN_FIXED = 4
_PREFIX = "utter_"


@dataclass(frozen=True)
class Sender:
    """A place in the code that sends responses matching ``pattern``."""

    pattern: re.Pattern
    where: str  # file:line
    name: Optional[str] = None  # the response it names, when it is a plain string


def _rasa_default_actions() -> Path:
    """Rasa's default actions (action_default_fallback sends utter_default, and so on)."""
    import rasa

    return Path(rasa.__file__).parent / "core" / "actions" / "action.py"


def code_files() -> list[Path]:
    files = [path for package in CODE_PACKAGES for path in sorted((PROJECT_ROOT / package).rglob("*.py"))]
    return files + [_rasa_default_actions()]


def _pattern(node: ast.AST) -> Optional[str]:
    """The regular expression of the response names a string or f-string can be, or None if it is no name."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        if RESPONSE_NAME.fullmatch(node.value) and node.value not in NOT_RESPONSES:
            return re.escape(node.value)
        return None
    if not isinstance(node, ast.JoinedStr):
        return None
    fixed = [part.value for part in node.values if isinstance(part, ast.Constant) and isinstance(part.value, str)]
    if not all(_NAME_PART.fullmatch(text) for text in fixed) or sum(map(len, fixed)) < _MIN_FIXED:
        return None
    first = node.values[0]
    if isinstance(first, ast.Constant) and not str(first.value).startswith(_PREFIX):
        return None
    return "".join(
        re.escape(part.value) if isinstance(part, ast.Constant) else "[a-z0-9_]+"
        for part in node.values
        if isinstance(part, (ast.Constant, ast.FormattedValue))
    )


def _shown(path: Path) -> str:
    if "site-packages" in path.parts:  # Rasa's own code: from its package name on
        return str(path.relative_to(path.parents[len(path.parts) - path.parts.index("site-packages") - 2]))
    return str(path.relative_to(PROJECT_ROOT))


def senders(files: Iterable[Path]) -> Iterator[Sender]:
    """Every string and f-string in ``files`` that names or builds a response."""
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        formatted = {id(value) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for value in node.values}
        for node in ast.walk(tree):
            if id(node) in formatted:  # the fixed parts of an f-string are not names on their own
                continue
            pattern = _pattern(node)
            if pattern is not None:
                name = node.value if isinstance(node, ast.Constant) else None
                yield Sender(re.compile(pattern), f"{_shown(path)}:{node.lineno}", name)


def named_but_missing(responses: Iterable[str], found: Iterable[Sender]) -> dict[str, str]:
    """Response names our own code sends by name that the domain lacks (Rasa's default actions may name unused ones)."""
    responses = set(responses)
    missing = {}
    for sender in found:
        if sender.name and sender.name not in responses and not sender.where.startswith("rasa/"):
            missing.setdefault(sender.name, sender.where)
    return missing


def sent_by_code(responses: Iterable[str], found: Iterable[Sender]) -> dict[str, str]:
    """Each response some code sends, with the first place that sends it."""
    found = list(found)
    sent = {}
    for name in responses:
        sender = next((s for s in found if s.pattern.fullmatch(name)), None)
        if sender is not None:
            sent[name] = sender.where
    return sent
