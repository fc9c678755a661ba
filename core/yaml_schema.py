"""Reading a designers' YAML file, checked against its JSON Schema, with errors that name the file, the key path and the reason.

``data/escalation.yml: intents.refund_request.automation: must be one of automate,
assist, human (got 'auto')``. Training fails on such an error, so a broken file
never reaches customers; ``make validate`` adds the line (scripts/validation/).

Each schema lives beside the module that owns the file it describes (core/escalation/,
core/packet/, core/handoff/, actions/knowledge/articles/) and is passed here as a
path. jsonschema checks the data; :func:`check` turns its first error into today's
wording, :func:`problems` gives every error (the knowledge base reports them all).
A problem is a key path (``risks[3].keywords[0]``) and a reason made from the schema:
the range of a number, the choices of an enum, or a subschema's own ``message``:

- a text: the reason, followed by ``(got <value>)``;
- a mapping of JSON Schema keyword to a template, for files whose messages read
  otherwise. A template may use ``{name}`` (the key, or the missing or unknown key),
  ``{got}`` (the value as written), ``{kind}`` (what it is: "a list", "true/false"),
  ``{count}`` (its length), ``{limit}`` (the keyword's value in the schema) and
  ``{expected}`` (the keys or choices the schema allows, in its order).

What a schema cannot know (intents of the domain, teams of the catalogue, valid
regular expressions) the loaders check with :func:`one_of` and :func:`regex`, raising
the same error.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

import yaml
from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import ValidationError

KeyPath = Tuple[Union[str, int], ...]

# YAML's 2.0 is no whole number, as before the schemas (JSON Schema's "integer" accepts it).
_STRICT_TYPES = Draft202012Validator.TYPE_CHECKER.redefine(
    "integer", lambda _, value: isinstance(value, int) and not isinstance(value, bool)
)
_Validator = validators.extend(Draft202012Validator, type_checker=_STRICT_TYPES)
# YAML reads 2026-12-25 as a date and 2026-12-25T10:00:00 as a datetime, which JSON has no type for:
# "date" is a date without a time (or JSON Schema's own ISO text), "date-time" the datetime YAML read.
_FORMATS = FormatChecker(formats=())


@_FORMATS.checks("date")
def _is_date(value: Any) -> bool:
    if isinstance(value, str):
        try:
            date.fromisoformat(value)
        except ValueError:
            return False
        return True
    return isinstance(value, date) and not isinstance(value, datetime)


@_FORMATS.checks("date-time")
def _is_date_time(value: Any) -> bool:
    return isinstance(value, datetime)


_KINDS = {"number": "a number", "integer": "a whole number"}


class RulesFileError(ValueError):
    def __init__(self, path: str, key: str, reason: str) -> None:
        super().__init__(f"{path}: {key}: {reason}")
        self.path, self.key, self.reason = path, key, reason


@dataclass(frozen=True)
class SchemaProblem:
    """One place ``where`` the data breaks the schema (for a missing or unknown key: that key), and why."""

    where: KeyPath
    reason: str

    @property
    def key(self) -> str:
        return key_of(self.where) or "(top level)"


def read_yaml(path: Path) -> Any:
    """The file's YAML, or a RulesFileError saying why it cannot be read."""
    shown = str(path)
    try:
        return yaml.safe_load(path.read_text())
    except OSError as error:
        raise RulesFileError(shown, "(file)", f"cannot be read: {error}") from None
    except yaml.YAMLError as error:
        raise RulesFileError(shown, "(syntax)", f"is not valid YAML: {error}") from None


@cache
def _validator(schema_file: Path) -> Any:
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    _Validator.check_schema(schema)
    return _Validator(schema, format_checker=_FORMATS)


def key_of(parts: Iterable[Union[str, int]]) -> str:
    """``intents.complaint.reason``, ``risks[3].keywords[0]``."""
    key = ""
    for part in parts:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    return key


def _kind(value: Any) -> str:
    """What a YAML value is, in an editor's words."""
    kinds = {bool: "true/false", int: "a number", float: "a number", str: "text", list: "a list", dict: "a mapping"}
    kinds.update({type(None): "nothing", date: "a date", datetime: "a date and time"})
    return kinds.get(type(value), type(value).__name__)


def _got(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else repr(value)


def _names(error: ValidationError) -> List[str]:
    """The missing keys of a ``required`` error, the unknown ones of ``additionalProperties``, else none."""
    value = error.instance
    if error.validator == "required":
        return [name for name in error.validator_value if name not in value]
    if error.validator == "additionalProperties":
        return sorted(str(name) for name in value if name not in error.schema.get("properties", {}))
    return []


def _reason(error: ValidationError, name: Optional[str]) -> str:
    """Why: the subschema's own ``message`` (a text, or a template per keyword), else one made from the schema."""
    schema, value = error.schema, error.instance
    message = schema.get("message")
    if isinstance(message, dict) and error.validator in message:
        expected = schema.get("properties", schema.get("enum", ()))
        fields: Dict[str, Any] = {
            "name": name,
            "got": _got(value),
            "kind": _kind(value),
            "count": len(value) if isinstance(value, (str, list, dict)) else None,
            "limit": error.validator_value,
            "expected": ", ".join(map(str, expected)),
        }
        return str(message[error.validator]).format(**fields)
    if error.validator == "required":
        return "missing key"
    if error.validator == "additionalProperties":
        return f"unknown key (expected one of {', '.join(sorted(schema.get('properties', {})))})"
    kind = schema.get("type")
    if isinstance(message, str):
        return f"{message} (got {value!r})"
    if error.validator == "enum":
        return f"must be one of {', '.join(map(str, schema['enum']))} (got {value!r})"
    if error.validator == "const":
        return f"must be {schema['const']} (got {value!r})"
    if kind in _KINDS and "maximum" in schema:
        return f"must be {_KINDS[kind]} from {schema['minimum']} to {schema['maximum']} (got {value!r})"
    if kind in _KINDS and "minimum" in schema:
        return f"must be {_KINDS[kind]} of at least {schema['minimum']} (got {value!r})"
    if kind == "string":
        return f"must be non-empty text (got {value!r})"
    if kind == "boolean":
        return f"must be true or false (got {value!r})"
    if kind in ("object", "array"):
        return f"must be a {'mapping' if kind == 'object' else 'list'} (got {type(value).__name__})"
    return str(error.message)


def _explained(error: ValidationError) -> Iterator[SchemaProblem]:
    """The problems of one schema error: one per missing or unknown key, else one at the value."""
    path: KeyPath = tuple(error.absolute_path)
    if "propertyNames" in error.relative_schema_path:
        path += (error.instance,)  # the offending name is the key
    names = _names(error)
    for name in names:
        yield SchemaProblem((*path, name), _reason(error, name))
    if not names:
        named = next((str(part) for part in reversed(path) if isinstance(part, str)), None)
        yield SchemaProblem(path, _reason(error, named))


def problems(data: Any, schema_file: Path) -> List[SchemaProblem]:
    """Every problem of ``data`` against the schema, each once: the shallowest first, then in the schema's order."""
    errors = sorted(_validator(schema_file).iter_errors(data), key=lambda e: (len(e.absolute_path), key_of(e.absolute_path)))
    return list(dict.fromkeys(problem for error in errors for problem in _explained(error)))


def check(data: Any, schema_file: Path, path: str) -> None:
    """Raise a RulesFileError for the first problem of ``data`` (the shallowest) against the schema."""
    found = problems(data, schema_file)
    if found:
        raise RulesFileError(path, found[0].key, found[0].reason)


def one_of(value: Any, options: Sequence[str], path: str, key: str) -> str:
    """``value`` if it is one of ``options`` (teams, reason codes: known only once the files are read)."""
    if value not in options:
        raise RulesFileError(path, key, f"must be one of {', '.join(options)} (got {value!r})")
    return str(value)


def regex(value: str, path: str, key: str) -> re.Pattern:
    """A designer's regular expression, matched case-insensitively."""
    try:
        return re.compile(value, re.IGNORECASE)
    except re.error as error:
        raise RulesFileError(path, key, f"is not a valid regular expression: {error}") from None
