"""The packet's redaction: :mod:`core.redaction`, re-exported for the packet code and its callers.

The rules live in core/redaction/ (shared with the knowledge-base analytics
and the live-chat relay); read its docstring for what counts as a secret.
"""

from __future__ import annotations

from core.redaction import (
    CARD_LABEL,
    CODE_LABEL,
    CVV_LABEL,
    IBAN_LABEL,
    LABELS,
    MIN_SWEEP_LENGTH,
    PASSWORD_LABEL,
    RedactionError,
    Secrets,
    find_secrets,
    luhn_valid,
    pseudonym,
    redact,
    redact_or_refuse,
    sweep,
)

__all__ = [
    "CARD_LABEL",
    "CODE_LABEL",
    "CVV_LABEL",
    "IBAN_LABEL",
    "LABELS",
    "MIN_SWEEP_LENGTH",
    "PASSWORD_LABEL",
    "RedactionError",
    "Secrets",
    "find_secrets",
    "luhn_valid",
    "pseudonym",
    "redact",
    "redact_or_refuse",
    "sweep",
]
