"""Check a packet against the versioned JSON Schema in this directory, with errors a person can act on.

The schema file (``handoff_packet.v1.schema.json``) is the contract with
everyone who reads packets (the store, the Chatwoot and webhook connectors,
the agents' desk); this module only loads it and turns ``jsonschema``'s
errors into one line that names the JSON path and the reason:
``$.reason.code: 'bogus' is not one of ['customer_request', ...]``.

Draft 2020-12, which the ``jsonschema`` shipped with Rasa 3.6 (4.17) supports.
Timestamps are checked with a pattern rather than ``format: date-time``,
because format checks need optional packages and are off by default. The
schema has no ``$ref``: with the short relative ``$id`` the contract asks
for, jsonschema 4.17 resolves references against a mangled base URI and
tries to fetch it, so every definition is written out in place.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Mapping

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

PACKET_SCHEMA_ID = "tandem.handoff/1"
SCHEMA_FILE = Path(__file__).with_name("handoff_packet.v1.schema.json")


class PacketError(ValueError):
    """A packet that does not match the schema. ``problems`` lists every one as ``"<json path>: <reason>"``."""

    def __init__(self, problems: List[str]) -> None:
        super().__init__(problems[0] if len(problems) == 1 else f"{problems[0]} (and {len(problems) - 1} more)")
        self.problems = problems


@lru_cache(maxsize=1)
def packet_schema() -> Dict[str, Any]:
    """The schema as a dict (read once; it ships with the code)."""
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    schema = packet_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _path(parts: Any) -> str:
    path = "$"
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _problem(error: ValidationError) -> str:
    if error.validator == "required" and isinstance(error.instance, Mapping):
        missing = [name for name in error.validator_value if name not in error.instance]
        return f"{_path([*error.absolute_path, missing[0]])}: required field is missing"
    return f"{_path(error.absolute_path)}: {error.message}"


def validate_packet(packet: Any) -> None:
    """Raise :class:`PacketError` unless ``packet`` matches ``tandem.handoff/1``; the first problem is the shallowest."""
    errors = sorted(_validator().iter_errors(packet), key=lambda e: (len(e.absolute_path), _path(e.absolute_path), e.message))
    if errors:
        raise PacketError([_problem(e) for e in errors])
