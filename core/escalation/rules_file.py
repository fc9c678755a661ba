"""Reading a designers' YAML file with errors that name the file, the key path and the reason.

``data/escalation.yml: intents.refund_request.automation: must be one of automate,
assist, human (got 'auto')``. Training fails on such an error, so a broken file
never reaches customers.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Mapping, Sequence, Set

import yaml


class RulesFileError(ValueError):
    def __init__(self, path: str, key: str, reason: str) -> None:
        super().__init__(f"{path}: {key}: {reason}")
        self.path, self.key, self.reason = path, key, reason


def read_yaml(path: Path) -> Any:
    """The file's YAML, or a RulesFileError saying why it cannot be read."""
    shown = str(path)
    try:
        return yaml.safe_load(path.read_text())
    except OSError as error:
        raise RulesFileError(shown, "(file)", f"cannot be read: {error}") from None
    except yaml.YAMLError as error:
        raise RulesFileError(shown, "(syntax)", f"is not valid YAML: {error}") from None


class Reader:
    """Typed access to a parsed YAML document; every failure is a RulesFileError naming the key."""

    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, key: str, reason: str) -> RulesFileError:
        return RulesFileError(self.path, key, reason)

    def mapping(self, value: Any, key: str) -> Mapping[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(key, f"must be a mapping (got {type(value).__name__})")
        return value

    def sequence(self, value: Any, key: str) -> Sequence[Any]:
        if not isinstance(value, list):
            raise self.fail(key, f"must be a list (got {type(value).__name__})")
        return value

    def get(self, data: Mapping[str, Any], name: str, key: str) -> Any:
        if name not in data:
            raise self.fail(f"{key}.{name}" if key else name, "missing key")
        return data[name]

    def text(self, value: Any, key: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, f"must be non-empty text (got {value!r})")
        return value.strip()

    def number(self, value: Any, key: str, low: float, high: float) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            raise self.fail(key, f"must be a number from {low} to {high} (got {value!r})")
        return float(value)

    def integer(self, value: Any, key: str, low: int, high: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.fail(key, f"must be a whole number from {low} to {high} (got {value!r})")
        return value

    def boolean(self, value: Any, key: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(key, f"must be true or false (got {value!r})")
        return value

    def choice(self, value: Any, key: str, options: Sequence[str]) -> str:
        if value not in options:
            raise self.fail(key, f"must be one of {', '.join(options)} (got {value!r})")
        return value

    def pattern(self, value: Any, key: str) -> re.Pattern:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, f"must be a non-empty regular expression (got {value!r})")
        try:
            return re.compile(value, re.IGNORECASE)
        except re.error as error:
            raise self.fail(key, f"is not a valid regular expression: {error}") from None

    def only(self, data: Mapping[str, Any], allowed: Set[str], key: str) -> None:
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise self.fail(
                f"{key}.{unknown[0]}" if key else unknown[0], f"unknown key (expected one of {', '.join(sorted(allowed))})"
            )
