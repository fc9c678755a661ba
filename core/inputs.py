"""What a client may send: identifiers, texts and metadata checked before anything is stored.

Every inbound route (REST, socket.io, the desk, the tool webhooks) checks its input
here, so one rule set decides what reaches the processor, the stores and the logs:

- text must be encodable as UTF-8: a lone surrogate (``"\\udfff"`` in JSON) is valid JSON
  but cannot be written to a database or a log, and once crashed the tracker store;
- identifiers (sender ids, session ids) are short, printable and without whitespace at
  the ends;
- metadata is a JSON object of bounded size and depth, and only the keys a channel
  knows are ever read from it (``known_metadata``); it is never copied whole.

Violations raise ``ClientInputError`` with an HTTP status, a machine-readable code
and a sentence saying what to fix.
"""

from __future__ import annotations

import json
from typing import Any, Dict, Iterable, Mapping, Optional

MAX_MESSAGE_CHARS = 2000
MAX_IDENTIFIER_CHARS = 128
MAX_METADATA_BYTES = 8 * 1024
MAX_METADATA_DEPTH = 8
# What a customer's page may tell about the customer (the widget's data attributes); nothing else is kept.
CUSTOMER_METADATA_KEYS = ("customer_tier", "locale", "page_url")
# Set by the channel, never taken from the client: a pseudonym of the client's network address,
# for per-client limits (a client-sent value of the same name is dropped with the other unknown keys).
CLIENT_KEY = "client_key"
# Whole request bodies: a message, its metadata and JSON overhead fit with room to spare.
MAX_BODY_BYTES = 64 * 1024
# Tools' webhooks (Slack, Chatwoot) carry more context per event than a chat message.
MAX_WEBHOOK_BODY_BYTES = 512 * 1024


class ClientInputError(ValueError):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def encodable(text: str) -> bool:
    """Whether ``text`` can be stored and logged (no lone UTF-16 surrogates)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def first_unencodable(value: Any, depth: int = 0) -> Optional[str]:
    """A path to the first string (key or value) that cannot be encoded, or None."""
    if isinstance(value, str):
        return "" if not encodable(value) else None
    if depth > MAX_METADATA_DEPTH + 2:
        return None  # depth is refused separately; do not recurse without bound
    if isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(key, str) and not encodable(key):
                return "(a key)"
            found = first_unencodable(item, depth + 1)
            if found is not None:
                return f".{key}{found}" if encodable(str(key)) else found
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            found = first_unencodable(item, depth + 1)
            if found is not None:
                return f"[{index}]{found}"
    return None


def check_identifier(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ClientInputError(400, f"missing_{name}", f"'{name}' must be a non-empty string identifying the conversation.")
    value = value.strip()
    if len(value) > MAX_IDENTIFIER_CHARS:
        raise ClientInputError(400, f"invalid_{name}", f"'{name}' can be at most {MAX_IDENTIFIER_CHARS} characters.")
    if not encodable(value) or not value.isprintable():
        raise ClientInputError(
            400, f"invalid_{name}", f"'{name}' must be printable text (no control characters or lone surrogates)."
        )
    return value


def check_text(value: Any, name: str = "message", max_chars: int = MAX_MESSAGE_CHARS) -> str:
    if not isinstance(value, str):
        raise ClientInputError(400, f"missing_{name}", f"'{name}' must be a string with the customer's text.")
    if not value.strip():
        raise ClientInputError(400, f"empty_{name}", f"'{name}' is empty; send the customer's text.")
    if len(value) > max_chars:
        raise ClientInputError(
            413, f"{name}_too_long", f"'{name}' has {len(value)} characters; the limit is {max_chars}. Split it or shorten it."
        )
    if not encodable(value):
        raise ClientInputError(
            400, f"invalid_{name}", f"'{name}' contains characters that are not valid Unicode text (a lone surrogate)."
        )
    return value


def _depth(value: Any, limit: int, level: int = 1) -> int:
    if level > limit:
        return level
    if isinstance(value, Mapping):
        return max([_depth(v, limit, level + 1) for v in value.values()], default=level)
    if isinstance(value, (list, tuple)):
        return max([_depth(v, limit, level + 1) for v in value], default=level)
    return level - 1


def check_metadata(value: Any) -> Dict[str, Any]:
    """``value`` as a metadata object (``{}`` when absent), or ``ClientInputError``."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ClientInputError(400, "invalid_metadata", "'metadata' must be a JSON object when given.")
    if _depth(value, MAX_METADATA_DEPTH) > MAX_METADATA_DEPTH:
        raise ClientInputError(400, "invalid_metadata", f"'metadata' can nest at most {MAX_METADATA_DEPTH} levels.")
    if first_unencodable(value) is not None:
        raise ClientInputError(400, "invalid_metadata", "'metadata' contains text that is not valid Unicode (a lone surrogate).")
    size = len(json.dumps(value, ensure_ascii=False, default=str).encode("utf-8"))
    if size > MAX_METADATA_BYTES:
        raise ClientInputError(413, "metadata_too_large", f"'metadata' has {size} bytes; the limit is {MAX_METADATA_BYTES}.")
    return value


def known_metadata(metadata: Mapping[str, Any], keys: Iterable[str], max_chars: int = 500) -> Dict[str, Any]:
    """Only the named keys, each a short scalar: what the assistant may keep of what a client said about itself."""
    kept: Dict[str, Any] = {}
    for key in keys:
        item = metadata.get(key)
        if isinstance(item, bool) or item is None:
            continue
        if isinstance(item, (int, float)):
            kept[key] = item
        elif isinstance(item, str) and encodable(item):
            kept[key] = item[:max_chars]
    return kept


def json_has_lone_surrogate(body: bytes) -> bool:
    """Cheap pre-check of a raw JSON body: lone surrogates arrive as ``\\udXXX`` escapes."""
    lowered = body.lower()
    if b"\\ud" not in lowered:
        return False
    try:
        parsed = json.loads(body)
    except ValueError:
        return False  # not JSON: the route's own parser answers 400
    return first_unencodable(parsed) is not None
