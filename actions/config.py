"""Action-server settings, read once from the environment and validated.

Environment variables (all optional):

- ``TANDEM_FAILED_ATTEMPT_LIMIT``: failed attempts before a handoff with
  reason ``repeated_failure`` (default 2).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Mapping, Optional


class ConfigError(ValueError):
    """A setting is present but unusable; the message names it and says why."""


@dataclass(frozen=True)
class ActionSettings:
    failed_attempt_limit: int = 2

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> ActionSettings:
        env = os.environ if env is None else env
        raw = env.get("TANDEM_FAILED_ATTEMPT_LIMIT", "2")
        try:
            limit = int(raw)
        except ValueError:
            raise ConfigError(f"TANDEM_FAILED_ATTEMPT_LIMIT must be an integer, got {raw!r}") from None
        if limit < 1:
            raise ConfigError(f"TANDEM_FAILED_ATTEMPT_LIMIT must be at least 1, got {limit}")
        return cls(failed_attempt_limit=limit)


@lru_cache(maxsize=1)
def settings() -> ActionSettings:
    """The settings of this process, loaded on first use (never at import)."""
    return ActionSettings.from_env()
