"""core/secrets.py: secrets generated once under var/, private, the same for every process."""

from __future__ import annotations

import re
import stat
import threading
from pathlib import Path

import pytest

from core.secrets import SecretError, local_secret


def test_generated_once_private_and_kept(tmp_path: Path) -> None:
    first = local_secret("action-token", tmp_path / "var")

    path = tmp_path / "var" / "action-token"
    assert re.fullmatch(r"[A-Za-z0-9_-]{40,}", first)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert local_secret("action-token", tmp_path / "var") == first
    assert local_secret("other", tmp_path / "var") != first
    assert sorted(p.name for p in (tmp_path / "var").iterdir()) == ["action-token", "other"]  # no temporary files left


def test_an_existing_secret_is_read_not_replaced(tmp_path: Path) -> None:
    (tmp_path / "desk-token").write_text("chosen-by-the-operator\n")

    assert local_secret("desk-token", tmp_path) == "chosen-by-the-operator"


def test_processes_starting_together_agree(tmp_path: Path) -> None:
    start = threading.Barrier(8)
    seen = []

    def read() -> None:
        start.wait(timeout=10)
        seen.append(local_secret("shared", tmp_path))

    threads = [threading.Thread(target=read) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert len(seen) == 8 and len(set(seen)) == 1
    assert (tmp_path / "shared").read_text() == seen[0]


def test_an_empty_file_is_an_error_naming_it(tmp_path: Path) -> None:
    (tmp_path / "action-token").write_text("  \n")

    with pytest.raises(SecretError, match="action-token is empty"):
        local_secret("action-token", tmp_path)


@pytest.mark.parametrize("name", ["", "../escape", "sub/dir", ".hidden"])
def test_only_plain_file_names(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError):
        local_secret(name, tmp_path)
