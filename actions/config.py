"""Action-server settings: environment over file over default, loaded once, validated.

Environment variables (all optional):

- ``TANDEM_ESCALATION_RULES``: the escalation rules (default
  ``data/escalation.yml``), for the failed-attempt limits per customer tier.
- ``TANDEM_KB_URL``: SQLAlchemy URL of the knowledge-base store (default: a
  SQLite file, ``var/kb.db``; PostgreSQL in production).
- ``TANDEM_KB_SETTINGS``: retrieval thresholds file (default ``data/knowledge.yml``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping, Optional

import yaml

from actions.knowledge.retrieval import Thresholds

ROOT = Path(__file__).resolve().parent.parent


class ConfigError(ValueError):
    """A setting is present but unusable; the message names it and says why."""


def default_kb_url() -> str:
    return f"sqlite:///{ROOT / 'var' / 'kb.db'}"


def load_escalation_rules(path: Path):
    """The designers' escalation rules, validated against the domain's intents."""
    from actions.knowledge.articles import known_intents
    from core.escalation.loading import load_rules
    from core.escalation.rules import EscalationRulesError

    try:
        return load_rules(path, known_intents(ROOT / "domain.yml"))
    except EscalationRulesError as error:
        raise ConfigError(str(error)) from None


def load_thresholds(path: Path) -> Thresholds:
    """Retrieval thresholds from a YAML file; unknown keys and bad values are errors."""
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError(f"{path}: cannot read retrieval settings: {error}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of settings")
    known = {f.name: f.type for f in fields(Thresholds)}
    unknown = set(raw) - set(known)
    if unknown:
        raise ConfigError(f"{path}: unknown setting(s) {sorted(unknown)}; known: {sorted(known)}")
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "max_choices":
            if not isinstance(value, int) or isinstance(value, bool) or not 2 <= value <= 5:
                raise ConfigError(f"{path}: max_choices must be an integer from 2 to 5, got {value!r}")
        elif not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value <= 2:
            raise ConfigError(f"{path}: {key} must be a number from 0 to 2, got {value!r}")
        values[key] = value
    thresholds = Thresholds(**values)
    if thresholds.ambiguous > thresholds.confident:
        raise ConfigError(f"{path}: ambiguous ({thresholds.ambiguous}) must not exceed confident ({thresholds.confident})")
    return thresholds


@dataclass(frozen=True)
class ActionSettings:
    failed_attempt_limit: int = 2
    kb_url: str = ""
    kb_thresholds: Thresholds = Thresholds()
    tier_failed_attempt_limits: Mapping[str, int] = field(default_factory=dict)

    def failed_attempt_limit_for(self, tier: Optional[str]) -> int:
        return self.tier_failed_attempt_limits.get(tier or "", self.failed_attempt_limit)

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> ActionSettings:
        env = os.environ if env is None else env
        rules = load_escalation_rules(Path(env.get("TANDEM_ESCALATION_RULES") or ROOT / "data" / "escalation.yml"))
        thresholds_file = Path(env.get("TANDEM_KB_SETTINGS") or ROOT / "data" / "knowledge.yml")
        return cls(
            failed_attempt_limit=rules.failed_attempt_limit,
            tier_failed_attempt_limits={name: tier.failed_attempt_limit for name, tier in rules.tiers.items()},
            kb_url=env.get("TANDEM_KB_URL") or default_kb_url(),
            kb_thresholds=load_thresholds(thresholds_file),
        )

    def __repr__(self) -> str:
        # The store URL may carry a password.
        return (
            f"ActionSettings(failed_attempt_limit={self.failed_attempt_limit}, kb_url='***', "
            f"kb_thresholds={self.kb_thresholds})"
        )


@lru_cache(maxsize=1)
def settings() -> ActionSettings:
    """The settings of this process, loaded on first use (never at import)."""
    return ActionSettings.from_env()
