"""Action-server settings: environment over file over default, loaded once, validated.

Environment variables (all optional):

- ``TANDEM_KB_URL``: SQLAlchemy URL of the knowledge-base store (default: a
  SQLite file, ``var/kb.db``; PostgreSQL in production).
- ``TANDEM_KB_SETTINGS``: retrieval thresholds file (default ``data/knowledge.yml``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Mapping, Optional

from actions.knowledge.retrieval import Thresholds
from core.yaml_schema import RulesFileError, check, read_yaml

ROOT = Path(__file__).resolve().parent.parent


class ConfigError(ValueError):
    """A setting is present but unusable; the message names it and says why."""


def default_kb_url() -> str:
    return f"sqlite:///{ROOT / 'var' / 'kb.db'}"


THRESHOLDS_SCHEMA = Path(__file__).resolve().parent / "knowledge" / "knowledge.schema.json"


def load_thresholds(path: Path) -> Thresholds:
    """Retrieval thresholds from a YAML file, checked against knowledge.schema.json; unknown keys and bad values are errors."""
    try:
        raw = read_yaml(path)
        check({} if raw is None else raw, THRESHOLDS_SCHEMA, str(path))
    except RulesFileError as error:
        raise ConfigError(str(error)) from None
    thresholds = Thresholds(**(raw or {}))
    if thresholds.ambiguous > thresholds.confident:
        raise ConfigError(f"{path}: ambiguous: {thresholds.ambiguous} must not exceed confident ({thresholds.confident})")
    return thresholds


@dataclass(frozen=True)
class ActionSettings:
    """What the action server reads itself. Not the escalation rules: the escalation policy decides
    with the rules saved in its model and records what the actions need in the tracker
    (core/escalation/record.py), so no edit of data/escalation.yml after training can make them disagree."""

    kb_url: str = ""
    kb_thresholds: Thresholds = Thresholds()

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> ActionSettings:
        env = os.environ if env is None else env
        thresholds_file = Path(env.get("TANDEM_KB_SETTINGS") or ROOT / "data" / "knowledge.yml")
        return cls(
            kb_url=env.get("TANDEM_KB_URL") or default_kb_url(),
            kb_thresholds=load_thresholds(thresholds_file),
        )

    def __repr__(self) -> str:
        # The store URL may carry a password.
        return f"ActionSettings(kb_url='***', kb_thresholds={self.kb_thresholds})"


@lru_cache(maxsize=1)
def settings() -> ActionSettings:
    """The settings of this process, loaded on first use (never at import)."""
    return ActionSettings.from_env()
