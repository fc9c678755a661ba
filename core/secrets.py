"""Secrets generated once per checkout under ``var/``, for the embedded defaults.

When an operator does not configure a secret (a desk token, the key of pseudonymous
ids, the action server's token), Tandem still runs with one: generated on first use
into ``var/<name>``, readable by its owner only (0600), and the same for every
process of this checkout from then on, so the processes that must agree on it do.

The file appears whole or not at all: it is written under a temporary name and then
linked into place, so two processes starting together read the same value and never
a half-written one.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path
from typing import Optional

VAR = Path(__file__).resolve().parent.parent / "var"


class SecretError(RuntimeError):
    """A secret's file exists but cannot be used; the message names it and says what to do."""


def local_secret(name: str, directory: Optional[Path] = None, nbytes: int = 32) -> str:
    """The secret in ``var/<name>`` (or ``directory/<name>``), generated on first use.

    ``nbytes`` random bytes, URL-safe base64 encoded: letters, digits, ``-`` and ``_``,
    so the value can go in a header, a URL or a YAML file unquoted."""
    if not name or "/" in name or name.startswith("."):
        raise ValueError(f"local_secret: a plain file name is needed, not {name!r}")
    directory = VAR if directory is None else Path(directory)
    path = directory / name
    value = _read(path)
    if value is None:
        directory.mkdir(parents=True, exist_ok=True)
        _create(path, secrets.token_urlsafe(nbytes))
        value = _read(path)
    if not value:
        raise SecretError(f"{path} is empty; delete it and a new secret is generated on the next start")
    return value


def _read(path: Path) -> Optional[str]:
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        return None


def _create(path: Path, value: str) -> None:
    """Put ``value`` at ``path`` unless a file is already there (another process won: keep theirs)."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 0600
    try:
        with os.fdopen(descriptor, "w") as file:
            file.write(value)
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        except OSError:  # a file system without hard links: exclusive create, then write
            try:
                descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                return
            with os.fdopen(descriptor, "w") as file:
                file.write(value)
    finally:
        os.unlink(temporary)
