"""Request signatures of the tools Tandem talks to, verified in constant time.

Every verifier returns ``None`` on success and raises ``SignatureError`` with a
reason an operator can act on ("timestamp outside the five-minute window")
otherwise; connectors answer 401 with that reason and never log the secret.
Slack's requests are verified with slack_sdk's verifier instead (connectors/slack/verify.py).

- Chatwoot: ``X-Chatwoot-Signature: sha256=<hex>`` is HMAC-SHA256 of
  ``{X-Chatwoot-Timestamp}.{raw body}`` with the webhook secret.
- Tandem's own outgoing webhook signs the same way as Chatwoot, with the
  headers ``X-Tandem-Signature`` and ``X-Tandem-Timestamp``.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Mapping, Optional

from core import clock

REPLAY_WINDOW_SECONDS = 5 * 60


class SignatureError(ValueError):
    """The request is not signed by the holder of the secret, or is too old."""


def hmac_sha256_hex(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _fresh(timestamp: Optional[str], now: Optional[float]) -> int:
    if not timestamp:
        raise SignatureError("missing timestamp header")
    try:
        sent = int(timestamp)
    except ValueError:
        raise SignatureError("timestamp header is not an integer") from None
    if abs((clock.timestamp() if now is None else now) - sent) > REPLAY_WINDOW_SECONDS:
        raise SignatureError("timestamp outside the five-minute window (replayed or clock skew)")
    return sent


def _matches(expected: str, given: Optional[str]) -> None:
    if not given:
        raise SignatureError("missing signature header")
    if not hmac.compare_digest(expected, given.strip()):
        raise SignatureError("signature does not match")


def timestamped_signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` of ``{timestamp}.{body}``: Chatwoot's scheme, reused for Tandem's webhook."""
    return "sha256=" + hmac_sha256_hex(secret, timestamp.encode() + b"." + body)


def verify_timestamped(
    secret: str, signature: Optional[str], timestamp: Optional[str], body: bytes, now: Optional[float] = None
) -> None:
    _fresh(timestamp, now)
    _matches(timestamped_signature(secret, str(timestamp), body), signature)


def verify_chatwoot(secret: str, headers: Mapping[str, str], body: bytes, now: Optional[float] = None) -> None:
    signature = headers.get("X-Chatwoot-Signature") or headers.get("x-chatwoot-signature")
    if signature and not signature.startswith("sha256="):
        signature = "sha256=" + signature  # some Chatwoot versions send the bare hex digest
    verify_timestamped(
        secret,
        signature,
        headers.get("X-Chatwoot-Timestamp") or headers.get("x-chatwoot-timestamp"),
        body,
        now,
    )
