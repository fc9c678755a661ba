"""Handoff settings: environment over files over defaults, loaded once, validated.

Sources:

- ``endpoints.yml``, section ``livechat`` (path from ``TANDEM_ENDPOINTS``, default the
  project's): ``type`` picks the live-chat tool (``desk``, the default; ``chatwoot``;
  ``slack``; ``webhook``); the other keys configure it. ``store_url`` is the
  SQLAlchemy URL of the handoff store. Rasa expands ``${VAR}`` in this file, and so
  does this loader.
- ``data/handoff.yml`` (``TANDEM_HANDOFF_SETTINGS``): business hours, holidays, time
  zone and waiting estimates, owned by the support team.
- Environment: ``TANDEM_HANDOFF_URL`` (store URL), ``TANDEM_DESK_TOKENS`` (agents of
  the built-in desk, ``name:token,name:token``), ``TANDEM_PSEUDONYM_KEY`` (key for
  pseudonymous customer ids in packets).

The Rasa server adds a check of its own endpoints (connectors/handoff/config.py)
through ``check_endpoints``, so this module knows nothing of Rasa's internals.

Errors: ``HandoffConfigError`` names the file, the key and the reason.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date, time
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Dict, Mapping, Optional, Tuple

import yaml

from core.secrets import local_secret

ROOT = Path(__file__).resolve().parent.parent.parent
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
LIVECHAT_TYPES = ("desk", "chatwoot", "slack", "webhook")


class HandoffConfigError(ValueError):
    """A handoff setting is missing or unusable; the message says where and why."""


@dataclass(frozen=True)
class Hours:
    """When people answer: per weekday a list of (open, close) local times, closed on holidays."""

    timezone: str = "UTC"
    weekly: Mapping[int, Tuple[Tuple[time, time], ...]] = field(default_factory=dict)
    holidays: frozenset = frozenset()


@dataclass(frozen=True)
class Waiting:
    # Minutes an agent spends per conversation, until the store has finished handoffs to learn from.
    default_handle_minutes: float = 6.0
    # How many recent finished handoffs the handle-time estimate is taken from.
    handle_time_sample: int = 50
    # A desk agent counts as online when their page polled within this many seconds.
    agent_online_seconds: float = 60.0
    # How often queued customers hear their updated position (only when it changed).
    update_every_seconds: float = 30.0


@dataclass(frozen=True)
class Limits:
    """How many new handoffs one client may start: a flood of "talk to a human" under new
    conversation ids must not fill the agents' queue."""

    # Per network address (pseudonymous), per hour; several customers may share one address.
    handoffs_per_client_per_hour: int = 10
    # Per conversation, per hour (one is active at a time; this counts hand-backs and new asks).
    handoffs_per_conversation_per_hour: int = 3


@dataclass(frozen=True)
class HandoffSettings:
    store_url: str
    livechat: Mapping[str, Any]
    hours: Hours
    waiting: Waiting
    limits: Limits
    desk_tokens: Mapping[str, str]  # token -> agent name
    pseudonym_key: str

    @property
    def livechat_type(self) -> str:
        return str(self.livechat.get("type", "desk"))

    @property
    def lease_seconds(self) -> float:
        """How long a dispatcher holds an outbox item it is delivering before another may take it."""
        return float(self.livechat.get("lease_seconds", 60.0))

    def __repr__(self) -> str:
        return f"HandoffSettings(store_url='***', livechat_type={self.livechat_type!r}, desk_agents={len(self.desk_tokens)})"


_ENV_VAR = re.compile(r"\$\{([^}]+)\}")


def _expand(value: Any) -> Any:
    if isinstance(value, str):
        return _ENV_VAR.sub(lambda m: os.environ.get(m.group(1), ""), value)
    if isinstance(value, dict):
        return {k: _expand(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v) for v in value]
    return value


def _read_yaml(path: Path) -> Dict[str, Any]:
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as error:
        raise HandoffConfigError(f"{path}: cannot read: {error}") from None
    if not isinstance(raw, dict):
        raise HandoffConfigError(f"{path}: expected a mapping")
    return raw


def _clock(path: Path, key: str, value: Any) -> time:
    if isinstance(value, int):  # YAML 1.1 reads 09:00 as sexagesimal 540
        return time(value // 60, value % 60)
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        raise HandoffConfigError(f"{path}: {key}: expected a time like 09:00, got {value!r}") from None


def parse_hours(raw: Mapping[str, Any], path: Path) -> Hours:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    tz = str(raw.get("timezone", "UTC"))
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise HandoffConfigError(f"{path}: timezone: unknown time zone {tz!r}") from None
    weekly: Dict[int, Tuple[Tuple[time, time], ...]] = {}
    hours = raw.get("business_hours") or {}
    if not isinstance(hours, dict):
        raise HandoffConfigError(f"{path}: business_hours: expected a mapping of weekday to opening times")
    for day, spans in hours.items():
        if day not in DAYS:
            raise HandoffConfigError(f"{path}: business_hours.{day}: not a weekday (use {', '.join(DAYS)})")
        if spans in (None, "closed"):
            continue
        if isinstance(spans, str):
            spans = [spans]
        parsed = []
        for span in spans:
            parts = str(span).split("-") if not isinstance(span, list) else span
            if len(parts) != 2:
                raise HandoffConfigError(f"{path}: business_hours.{day}: expected '09:00-17:30', got {span!r}")
            start, end = (_clock(path, f"business_hours.{day}", p.strip() if isinstance(p, str) else p) for p in parts)
            if end <= start and end != time(0, 0):
                raise HandoffConfigError(f"{path}: business_hours.{day}: {span!r} closes before it opens")
            parsed.append((start, end))
        weekly[DAYS.index(day)] = tuple(sorted(parsed))
    holidays = set()
    for value in raw.get("holidays") or []:
        try:
            holidays.add(value if isinstance(value, date) else date.fromisoformat(str(value)))
        except ValueError:
            raise HandoffConfigError(f"{path}: holidays: expected dates like 2026-12-25, got {value!r}") from None
    return Hours(timezone=tz, weekly=weekly, holidays=frozenset(holidays))


def parse_waiting(raw: Mapping[str, Any], path: Path) -> Waiting:
    values = {}
    for key, default in Waiting().__dict__.items():
        value = raw.get(key, default)
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
            raise HandoffConfigError(f"{path}: waiting.{key}: must be a positive number, got {value!r}")
        values[key] = type(default)(value)
    return Waiting(**values)


def parse_limits(raw: Mapping[str, Any], path: Path) -> Limits:
    if not isinstance(raw, Mapping):
        raise HandoffConfigError(f"{path}: limits: expected a mapping")
    values = {}
    for key, default in Limits().__dict__.items():
        value = raw.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise HandoffConfigError(f"{path}: limits.{key}: must be a whole number of at least 1, got {value!r}")
        values[key] = value
    unknown = sorted(set(raw) - set(values))
    if unknown:
        raise HandoffConfigError(f"{path}: limits.{unknown[0]}: unknown setting (known: {', '.join(values)})")
    return Limits(**values)


def parse_desk_tokens(value: str) -> Dict[str, str]:
    tokens = {}
    for item in filter(None, (part.strip() for part in value.split(","))):
        name, _, token = item.partition(":")
        if not name.strip() or len(token.strip()) < 12:
            raise HandoffConfigError("TANDEM_DESK_TOKENS: expected 'Name:token' pairs with tokens of 12+ characters")
        tokens[token.strip()] = name.strip()
    return tokens


def _local_secret(name: str) -> str:
    """A secret generated once per checkout under var/, for the embedded defaults."""
    return local_secret(name, ROOT / "var")


def default_desk_token() -> str:
    return _local_secret("desk-token")


# Checks a process adds on endpoints.yml as a whole: raise ValueError naming the key.
EndpointsCheck = Callable[[Mapping[str, Any]], None]


def load_settings(env: Optional[Mapping[str, str]] = None, check_endpoints: Optional[EndpointsCheck] = None) -> HandoffSettings:
    env = os.environ if env is None else env
    endpoints_path = Path(env.get("TANDEM_ENDPOINTS") or ROOT / "endpoints.yml")
    endpoints = _read_yaml(endpoints_path)
    livechat = _expand(endpoints.get("livechat") or {"type": "desk"})
    if not isinstance(livechat, dict) or livechat.get("type", "desk") not in LIVECHAT_TYPES:
        raise HandoffConfigError(f"{endpoints_path}: livechat.type: must be one of {', '.join(LIVECHAT_TYPES)}")
    lease = livechat.get("lease_seconds", 60.0)
    if isinstance(lease, bool) or not isinstance(lease, (int, float)) or lease <= 0:
        raise HandoffConfigError(f"{endpoints_path}: livechat.lease_seconds: must be a positive number of seconds, got {lease!r}")
    if check_endpoints is not None:
        try:
            check_endpoints(endpoints)
        except ValueError as error:
            raise HandoffConfigError(f"{endpoints_path}: {error}") from None
    settings_path = Path(env.get("TANDEM_HANDOFF_SETTINGS") or ROOT / "data" / "handoff.yml")
    raw = _read_yaml(settings_path)
    store_url = env.get("TANDEM_HANDOFF_URL") or livechat.get("store_url") or f"sqlite:///{ROOT / 'var' / 'handoff.db'}"
    tokens = env.get("TANDEM_DESK_TOKENS")
    return HandoffSettings(
        store_url=str(store_url),
        livechat=livechat,
        hours=parse_hours(raw, settings_path),
        waiting=parse_waiting(raw.get("waiting") or {}, settings_path),
        limits=parse_limits(raw.get("limits") or {}, settings_path),
        desk_tokens=parse_desk_tokens(tokens) if tokens else {default_desk_token(): "Support agent"},
        pseudonym_key=env.get("TANDEM_PSEUDONYM_KEY") or _local_secret("pseudonym-key"),
    )


@lru_cache(maxsize=1)
def settings() -> HandoffSettings:
    """The action server's settings, read on first use (never at import); the Rasa server's: connectors/handoff/config.py."""
    return load_settings()
