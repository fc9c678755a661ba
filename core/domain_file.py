"""What the project reads of Rasa's domain file outside Rasa: its intent names."""

from __future__ import annotations

from pathlib import Path
from typing import Set

import yaml


def known_intents(domain_path: Path) -> Set[str]:
    """The intent names of a Rasa domain; entries may be plain names or ``{name: {options}}`` mappings."""
    domain = yaml.safe_load(domain_path.read_text(encoding="utf-8")) or {}
    names: Set[str] = set()
    for entry in domain.get("intents") or []:
        if isinstance(entry, dict):
            names.update(str(name) for name in entry)
        else:
            names.add(str(entry))
    return names
