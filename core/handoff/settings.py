"""Handoff settings: environment over files over defaults, loaded once, validated.

Sources:

- ``endpoints.yml``, section ``livechat`` (path from ``TANDEM_ENDPOINTS``, default the
  project's): ``type`` picks the live-chat tool (``desk``, the default; ``chatwoot``;
  ``slack``; ``webhook``); the other keys configure it. ``store_url`` is the
  SQLAlchemy URL of the handoff store. Rasa expands ``${VAR}`` in this file, and so
  does this loader.
- ``data/handoff.yml`` (``TANDEM_HANDOFF_SETTINGS``): business hours, holidays, time
  zone, waiting estimates and limits, owned by the support team; its shape is checked
  against ``handoff.schema.json`` beside this module (core/yaml_schema.py).
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
from typing import Any, Callable, Dict, Mapping, Optional, Tuple, TypeVar

import yaml

from core.secrets import local_secret
from core.yaml_schema import RulesFileError, check

ROOT = Path(__file__).resolve().parent.parent.parent
# The shape of data/handoff.yml; the checks in _hours are what a schema cannot say.
SCHEMA = Path(__file__).with_name("handoff.schema.json")
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
LIVECHAT_TYPES = ("desk", "chatwoot", "slack", "webhook")
T = TypeVar("T")


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


def _clock(value: Any) -> time:
    if isinstance(value, int):  # YAML 1.1 reads an unquoted 10:00 as sexagesimal 600
        return time(value // 60, value % 60)
    return time.fromisoformat(value.strip())


def _checked(raw: Mapping[str, Any], path: Path) -> None:
    """The file's shape (keys, types, ranges, the form of times and dates), against handoff.schema.json."""
    try:
        check(raw, SCHEMA, str(path))
    except RulesFileError as error:
        raise HandoffConfigError(str(error)) from None


def _hours(raw: Mapping[str, Any], path: Path) -> Hours:
    """What the schema cannot say: the time zone exists, and each span closes after it opens."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    tz = str(raw.get("timezone", "UTC"))
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise HandoffConfigError(f"{path}: timezone: unknown time zone {tz!r}") from None
    weekly: Dict[int, Tuple[Tuple[time, time], ...]] = {}
    for day, spans in (raw.get("business_hours") or {}).items():
        if spans in (None, "closed"):
            continue
        parsed = []
        for span in [spans] if isinstance(spans, str) else spans:
            start, end = (_clock(part) for part in (span.split("-") if isinstance(span, str) else span))
            if end <= start and end != time(0, 0):
                raise HandoffConfigError(f"{path}: business_hours.{day}: {span!r} closes before it opens")
            parsed.append((start, end))
        weekly[DAYS.index(day)] = tuple(sorted(parsed))
    holidays = {value if isinstance(value, date) else date.fromisoformat(value) for value in raw.get("holidays") or ()}
    return Hours(timezone=tz, weekly=weekly, holidays=frozenset(holidays))


def _typed(cls: Callable[..., T], raw: Mapping[str, Any]) -> T:
    """The settings of ``raw`` over the defaults, each of its default's type (YAML's 6 is 6.0 minutes)."""
    defaults = cls().__dict__
    return cls(**{key: type(defaults[key])(value) for key, value in raw.items()})


def parse_handoff_file(raw: Mapping[str, Any], path: Path) -> Tuple[Hours, Waiting, Limits]:
    """The settings of data/handoff.yml, or a HandoffConfigError naming the file, the key and the reason."""
    _checked(raw, path)
    return _hours(raw, path), _typed(Waiting, raw.get("waiting") or {}), _typed(Limits, raw.get("limits") or {})


def parse_hours(raw: Mapping[str, Any], path: Path) -> Hours:
    """The opening hours of data/handoff.yml (``raw``: the whole file)."""
    return parse_handoff_file(raw, path)[0]


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
    hours, waiting, limits = parse_handoff_file(raw, settings_path)
    return HandoffSettings(
        store_url=str(store_url),
        livechat=livechat,
        hours=hours,
        waiting=waiting,
        limits=limits,
        desk_tokens=parse_desk_tokens(tokens) if tokens else {default_desk_token(): "Support agent"},
        pseudonym_key=env.get("TANDEM_PSEUDONYM_KEY") or _local_secret("pseudonym-key"),
    )


@lru_cache(maxsize=1)
def settings() -> HandoffSettings:
    """The action server's settings, read on first use (never at import); the Rasa server's: connectors/handoff/config.py."""
    return load_settings()
