"""Reading a designers' YAML file, checked against its JSON Schema, with errors that name the file, the key path and the reason.

``data/escalation.yml: intents.refund_request.automation: must be one of automate,
assist, human (got 'auto')``. Training fails on such an error, so a broken file
never reaches customers; ``make validate`` adds the line (scripts/validation/).

The schemas (``escalation.schema.json``, ``risks.schema.json`` beside this module)
say what a file may hold; jsonschema checks them, and :func:`check` turns its first
error into today's wording: the key path (``risks[3].keywords[0]``) and a reason
made from the schema (the range of a number, the choices of an enum, a subschema's
own ``message``). What a schema cannot know (intents of the domain, teams of the
catalogue, valid regular expressions) the loaders check with :func:`one_of` and
:func:`regex`, raising the same error.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any, Iterable, List, Sequence, Tuple, Union

import yaml
from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError

SCHEMAS = Path(__file__).parent
# YAML's 2.0 is no whole number, as before the schemas (JSON Schema's "integer" accepts it).
_STRICT_TYPES = Draft202012Validator.TYPE_CHECKER.redefine(
    "integer", lambda _, value: isinstance(value, int) and not isinstance(value, bool)
)
_Validator = validators.extend(Draft202012Validator, type_checker=_STRICT_TYPES)
_KINDS = {"number": "a number", "integer": "a whole number"}


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


@cache
def _validator(schema_file: str) -> Any:
    schema = json.loads((SCHEMAS / schema_file).read_text(encoding="utf-8"))
    _Validator.check_schema(schema)
    return _Validator(schema)


def key_of(parts: Iterable[Union[str, int]]) -> str:
    """``intents.complaint.reason``, ``risks[3].keywords[0]``."""
    key = ""
    for part in parts:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    return key


def _explained(error: ValidationError) -> Tuple[str, str]:
    """The key path and the reason of one schema error, in the loaders' own words."""
    path: List[Union[str, int]] = list(error.absolute_path)
    schema, value = error.schema, error.instance
    if error.validator == "required":
        return key_of([*path, next(n for n in error.validator_value if n not in value)]), "missing key"
    if error.validator == "additionalProperties":
        allowed = sorted(schema.get("properties", {}))
        unknown = sorted(str(name) for name in value if name not in allowed)[0]
        return key_of([*path, unknown]), f"unknown key (expected one of {', '.join(allowed)})"
    if "propertyNames" in error.relative_schema_path:
        path.append(value)  # the offending name is the key
    kind = schema.get("type")
    if "message" in schema:
        reason = f"{schema['message']} (got {value!r})"
    elif error.validator == "enum":
        reason = f"must be one of {', '.join(map(str, schema['enum']))} (got {value!r})"
    elif error.validator == "const":
        reason = f"must be {schema['const']} (got {value!r})"
    elif kind in _KINDS:
        reason = f"must be {_KINDS[kind]} from {schema['minimum']} to {schema['maximum']} (got {value!r})"
    elif kind == "string":
        reason = f"must be non-empty text (got {value!r})"
    elif kind == "boolean":
        reason = f"must be true or false (got {value!r})"
    elif kind in ("object", "array"):
        reason = f"must be a {'mapping' if kind == 'object' else 'list'} (got {type(value).__name__})"
    else:
        reason = error.message
    return key_of(path) or "(top level)", reason


def check(data: Any, schema_file: str, path: str) -> None:
    """Raise a RulesFileError for the first problem of ``data`` (the shallowest) against the schema."""
    errors = sorted(_validator(schema_file).iter_errors(data), key=lambda e: (len(e.absolute_path), key_of(e.absolute_path)))
    if errors:
        raise RulesFileError(path, *_explained(errors[0]))


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
