"""The handoff settings as the Rasa server reads them: core's (core/handoff/settings.py), with its action endpoint checked.

The Rasa server reads these settings when its channels start, so a history
window in endpoints.yml that cannot work (``action_endpoint.history_user_turns``)
fails there, naming the key, rather than on the first message.
"""

from __future__ import annotations

from functools import lru_cache
from types import SimpleNamespace
from typing import Any, Mapping, Optional

from core.handoff.settings import HandoffConfigError, HandoffSettings
from core.handoff.settings import load_settings as load_core_settings
from rasa_extensions.history import history_window

__all__ = ["HandoffConfigError", "check_action_endpoint", "load_settings", "settings"]


def check_action_endpoint(endpoints: Mapping[str, Any]) -> None:
    """Raise ValueError naming the key when the action endpoint's history window cannot work."""
    history_window(SimpleNamespace(kwargs=endpoints.get("action_endpoint") or {}))


def load_settings(env: Optional[Mapping[str, str]] = None) -> HandoffSettings:
    return load_core_settings(env, check_endpoints=check_action_endpoint)


@lru_cache(maxsize=1)
def settings() -> HandoffSettings:
    """This Rasa server's settings, read on first use (never at import)."""
    return load_settings()
