"""How much of the conversation custom actions receive, read from ``action_endpoint`` in endpoints.yml.

Used by the patch that bounds it (patches.py) and by the handoff settings, which
check it when the server starts (connectors/handoff/config.py)."""

from __future__ import annotations

from typing import Any, FrozenSet, Optional, Tuple

HISTORY_USER_TURNS_KEY = "history_user_turns"
FULL_HISTORY_ACTIONS_KEY = "full_history_actions"


def history_window(endpoint: Any) -> Optional[Tuple[int, FrozenSet[str]]]:
    """(user turns, actions that get everything) from an action endpoint, or None to send everything.

    Raises ValueError naming the key when endpoints.yml holds a value that cannot work."""
    settings = getattr(endpoint, "kwargs", None) or {}
    turns = settings.get(HISTORY_USER_TURNS_KEY)
    if turns is None:
        return None
    if isinstance(turns, bool) or not isinstance(turns, int) or turns < 1:
        raise ValueError(f"action_endpoint.{HISTORY_USER_TURNS_KEY} must be a whole number of at least 1, not {turns!r}")
    full = settings.get(FULL_HISTORY_ACTIONS_KEY) or []
    if not isinstance(full, list) or not all(isinstance(name, str) for name in full):
        raise ValueError(f"action_endpoint.{FULL_HISTORY_ACTIONS_KEY} must be a list of action names, not {full!r}")
    return turns, frozenset(full)
