"""How well :mod:`core.redaction` does on a corpus of customer messages (tests/redaction/corpus.yml).

The corpus has two lists: ``secret`` (each a ``text``, its ``kind`` and the
``secret`` exactly as written in it) and ``harmless`` (texts). A secret counts
as removed when it no longer appears in the redacted text: for cards and IBANs
no six consecutive characters of it may survive (so a half-removed card is a
miss), for the others the whole value may not appear as a word. A harmless
text counts as altered when the redacted text differs from it in any byte.

:func:`score_corpus` is used by tests/core/redaction/test_evaluation.py and by the
redaction section of scripts/evaluate/redaction.py.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Dict, List, Union

import yaml

from core.redaction import LABELS, redact

KINDS = ("card", "cvv", "password", "otp", "iban")
LEAK_WINDOW = 6  # characters of a card or IBAN that may not survive together


def _compact(text: str) -> str:
    for label in LABELS:
        text = text.replace(label, " ")
    return re.sub(r"[^0-9A-Za-z]", "", text).upper()


def secret_removed(secret: str, kind: str, redacted: str) -> bool:
    """Whether ``secret`` (of ``kind``) is gone from ``redacted``."""
    if kind in ("card", "iban"):
        compact, rest = _compact(secret), _compact(redacted)
        window = min(LEAK_WINDOW, len(compact))
        return not any(compact[i : i + window] in rest for i in range(len(compact) - window + 1))
    left = r"(?<!\w)" if secret[0].isalnum() or secret[0] == "_" else ""
    right = r"(?!\w)" if secret[-1].isalnum() or secret[-1] == "_" else ""
    return re.search(left + re.escape(secret) + right, redacted) is None


def load_corpus(path: Union[str, Path]) -> Dict[str, Any]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("secret"), list) or not isinstance(data.get("harmless"), list):
        raise ValueError(f"{path}: expected a mapping with the lists 'secret' and 'harmless'")
    for item in data["secret"]:
        if item.get("kind") not in KINDS or not item.get("secret") or item["secret"] not in item.get("text", ""):
            raise ValueError(f"{path}: bad secret entry {item!r} (kind one of {KINDS}, secret must appear in text)")
    return data


def score_corpus(path: Union[str, Path], redactor: Callable[[str], str] = redact) -> Dict[str, Any]:
    """Recall per kind and overall, and the share of harmless texts altered, with every miss and alteration.

    Returns ``{"recall": {kind: float}, "counts": {kind: int}, "overall_recall": float,
    "harmless": int, "harmless_altered": int, "false_positive_rate": float,
    "misses": [{"kind", "secret", "text", "redacted"}], "altered": [{"text", "redacted"}]}``.
    """
    corpus = load_corpus(path)
    counts: Counter = Counter()
    removed: Counter = Counter()
    misses: List[Dict[str, str]] = []
    for item in corpus["secret"]:
        kind, text = item["kind"], item["text"]
        out = redactor(text)
        counts[kind] += 1
        if secret_removed(str(item["secret"]), kind, out):
            removed[kind] += 1
        else:
            misses.append({"kind": kind, "secret": str(item["secret"]), "text": text, "redacted": out})
    altered = []
    for text in corpus["harmless"]:
        out = redactor(text)
        if out != text:
            altered.append({"text": text, "redacted": out})
    total = sum(counts.values())
    harmless = len(corpus["harmless"])
    return {
        "recall": {kind: removed[kind] / counts[kind] for kind in KINDS if counts[kind]},
        "counts": {kind: counts[kind] for kind in KINDS if counts[kind]},
        "overall_recall": sum(removed.values()) / total if total else 1.0,
        "harmless": harmless,
        "harmless_altered": len(altered),
        "false_positive_rate": len(altered) / harmless if harmless else 0.0,
        "misses": misses,
        "altered": altered,
    }
