"""Helpers shared by the knowledge-base tests: small articles written into a temporary directory.

Values are written as raw YAML text, so a test can write exactly the broken input it is about;
``None`` leaves a key out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

INTENTS = {"order_status", "order_change", "refund_request", "refund_status", "payment_methods"}

DEFAULTS = {
    "id": None,  # the article id given to write_article
    "title": "Track your order",
    "topics": "[order_status]",
    "short_answer": "You can see where your order is under Account > Orders.",
    "source_url": "https://help.acme-store.example/orders/track-your-order",
    "owner": "orders-team",
    "last_reviewed": "2026-09-02",
    "review_by": "2027-03-02",
    "status": "approved",
    "version": "1",
}
BODY = "1. Sign in and open Account > Orders.\n2. Pick the order to see its status."


def article_text(article_id: str, body: str = BODY, extra: str = "", **fields: Optional[str]) -> str:
    """The text of an article file: front matter in the usual key order, then ``extra`` lines, then the body."""
    values = {**DEFAULTS, "id": article_id, **fields}
    front = [f"{key}: {value}" for key, value in values.items() if value is not None]
    return "\n".join(["---", *front, *([extra] if extra else []), "---", body]) + "\n"


def write_article(
    directory: Path,
    article_id: str = "track-your-order",
    *,
    file_name: Optional[str] = None,
    body: str = BODY,
    extra: str = "",
    **fields: Optional[str],
) -> Path:
    """Write an article to ``directory/<file_name or id>.md`` and return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{file_name or article_id}.md"
    path.write_text(article_text(article_id, body=body, extra=extra, **fields), encoding="utf-8")
    return path


def line_of(path: Path, prefix: str) -> int:
    """1-based line of the first line starting with ``prefix``: where a problem about it must point."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, start=1) if line.startswith(prefix))


def closing_line(path: Path) -> int:
    """Line of the closing front-matter delimiter."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines[1:], start=2) if line == "---")
