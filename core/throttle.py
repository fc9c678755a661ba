"""How often one client may do something: a sliding window per key, on the product clock.

In memory, per process: with several Rasa replicas each counts its own share, so a
client spreading requests across replicas gets at most ``replicas x limit`` (the
README's Security section says so). Keys are kept in a bounded LRU, so a flood of new
keys cannot grow memory without bound.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict, deque
from typing import Deque, Mapping, Optional

from core import clock

MAX_KEYS = 100_000


class RateLimit:
    def __init__(self, limit: int, per_seconds: float, max_keys: int = MAX_KEYS) -> None:
        if limit < 1 or per_seconds <= 0:
            raise ValueError("a rate limit needs limit >= 1 and per_seconds > 0")
        self.limit = limit
        self.per_seconds = per_seconds
        self._max_keys = max_keys
        self._seen: OrderedDict[str, Deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        """Count one event for ``key``; False when it is over the limit (then it is not counted)."""
        now = clock.timestamp()
        with self._lock:
            times = self._seen.pop(key, None) or deque()
            while times and times[0] <= now - self.per_seconds:
                times.popleft()
            allowed = len(times) < self.limit
            if allowed:
                times.append(now)
            self._seen[key] = times
            while len(self._seen) > self._max_keys:
                self._seen.popitem(last=False)
            return allowed


def rate_from_environment(name: str, default: int, per_seconds: float, env: Optional[Mapping[str, str]] = None) -> RateLimit:
    """A limit read from environment variable ``name`` (a positive integer), else ``default``."""
    env = os.environ if env is None else env
    raw = env.get(name)
    try:
        limit = int(raw) if raw else default
    except ValueError:
        raise ValueError(f"{name}: expected a positive whole number, got {raw!r}") from None
    if limit < 1:
        raise ValueError(f"{name}: expected a positive whole number, got {raw!r}")
    return RateLimit(limit, per_seconds)
