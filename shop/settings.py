"""Which shop system answers, from the ``shop`` section of endpoints.yml, validated.

The file is ``TANDEM_ENDPOINTS`` (default the project's endpoints.yml); ``${VAR}`` is
expanded from the environment as Rasa and core/handoff/settings.py do. Without a
``shop`` section the demo shop answers::

    shop:
      type: demo                      # the default
      url: sqlite:///var/shop.db      # SQLAlchemy URL; TANDEM_SHOP_URL overrides it

    shop:
      type: shopify
      shop_domain: acme.myshopify.com
      access_token: ${SHOPIFY_ACCESS_TOKEN}
      api_version: "2025-01"          # default
      timeout_seconds: 5              # default; per request, connect and read
      order_prefix: "#"               # default; quoted, as YAML reads a bare # as a comment

A relative SQLite path is taken from the project root (like the default,
var/shop.db), so every process finds the same file whatever its working directory.
The access token is accepted only as a ``${VAR}`` reference: a token written into
endpoints.yml would end up in version control and backups. ``base_url`` (https, or
http on loopback) sends the Shopify requests elsewhere, for a test double or a proxy.

Errors: :class:`~shop.errors.ShopConfigError` naming the file, the key and the reason.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Union
from urllib.parse import urlsplit

import yaml
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from core.clock import Clock
from shop.backend import ShopBackend
from shop.errors import ShopConfigError

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DEMO_URL = f"sqlite:///{ROOT / 'var' / 'shop.db'}"
TYPES = ("demo", "shopify")
DEMO_KEYS = ("type", "url")
SHOPIFY_KEYS = ("type", "shop_domain", "access_token", "api_version", "timeout_seconds", "order_prefix", "base_url")
_ENV_VAR = re.compile(r"\$\{([^}]+)\}")
_ONLY_A_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_SHOP_DOMAIN = re.compile(r"[a-z0-9][a-z0-9-]*\.myshopify\.com")
_API_VERSION = re.compile(r"\d{4}-(01|04|07|10)|unstable")
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class DemoShopSettings:
    url: str

    def __repr__(self) -> str:
        return "DemoShopSettings(url='***')"  # a database URL may hold a password


@dataclass(frozen=True)
class ShopifySettings:
    shop_domain: str
    access_token: str = field(repr=False)
    api_version: str = "2025-01"
    timeout_seconds: float = 5.0
    order_prefix: str = "#"
    base_url: Optional[str] = None


ShopSettings = Union[DemoShopSettings, ShopifySettings]


def _expand(value: Any, env: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return _ENV_VAR.sub(lambda m: env.get(m.group(1), ""), value)
    return value


def _unknown(section: Mapping[str, Any], known: tuple, path: Path) -> None:
    unknown = sorted(set(section) - set(known))
    if unknown:
        raise ShopConfigError(f"{path}: shop.{unknown[0]}: unknown setting for this type (known: {', '.join(known)})")


def _demo(section: Mapping[str, Any], path: Path, env: Mapping[str, str]) -> DemoShopSettings:
    _unknown(section, DEMO_KEYS, path)
    key = "TANDEM_SHOP_URL" if env.get("TANDEM_SHOP_URL") else "shop.url"
    raw = env.get("TANDEM_SHOP_URL") or _expand(section.get("url"), env) or DEFAULT_DEMO_URL
    try:
        url = make_url(str(raw))
    except ArgumentError:
        raise ShopConfigError(f"{path}: {key}: not a SQLAlchemy database URL like sqlite:///var/shop.db") from None
    database = url.database
    if url.get_backend_name() == "sqlite" and database not in (None, "", ":memory:") and not Path(database).is_absolute():
        url = url.set(database=str(ROOT / database))
    return DemoShopSettings(url=url.render_as_string(hide_password=False))


def _token(section: Mapping[str, Any], path: Path, env: Mapping[str, str]) -> str:
    raw = section.get("access_token")
    if raw is None:
        raise ShopConfigError(f"{path}: shop.access_token: missing; write access_token: ${{SHOPIFY_ACCESS_TOKEN}}")
    reference = _ONLY_A_REFERENCE.fullmatch(str(raw).strip())
    if reference is None:
        raise ShopConfigError(
            f"{path}: shop.access_token: must name an environment variable, like ${{SHOPIFY_ACCESS_TOKEN}}; "
            "a token written into endpoints.yml ends up in version control and backups"
        )
    value = env.get(reference.group(1), "").strip()
    if not value:
        raise ShopConfigError(f"{path}: shop.access_token: the environment variable {reference.group(1)} is not set")
    return value


def _shopify(section: Mapping[str, Any], path: Path, env: Mapping[str, str]) -> ShopifySettings:
    _unknown(section, SHOPIFY_KEYS, path)
    domain = str(_expand(section.get("shop_domain"), env) or "").strip().lower()
    if not _SHOP_DOMAIN.fullmatch(domain):
        raise ShopConfigError(
            f"{path}: shop.shop_domain: expected the store's myshopify.com name like acme.myshopify.com "
            f"(no https://, not a custom domain), got {section.get('shop_domain')!r}"
        )
    version = str(_expand(section.get("api_version", "2025-01"), env)).strip()
    if not _API_VERSION.fullmatch(version):
        raise ShopConfigError(f'{path}: shop.api_version: expected a Shopify API version like "2025-01", got {version!r}')
    timeout = section.get("timeout_seconds", 5.0)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= 60:
        raise ShopConfigError(f"{path}: shop.timeout_seconds: must be a number of seconds in (0, 60], got {timeout!r}")
    prefix = section.get("order_prefix", "#")
    if not isinstance(prefix, str) or len(prefix) > 20:
        raise ShopConfigError(
            f'{path}: shop.order_prefix: expected the text before the order number in quotes, like "#" or "AC-" '
            f"(an unquoted # starts a YAML comment), got {prefix!r}"
        )
    return ShopifySettings(
        shop_domain=domain,
        access_token=_token(section, path, env),
        api_version=version,
        timeout_seconds=float(timeout),
        order_prefix=prefix,
        base_url=_base_url(section, path, env),
    )


def _base_url(section: Mapping[str, Any], path: Path, env: Mapping[str, str]) -> Optional[str]:
    raw = _expand(section.get("base_url"), env)
    if not raw:
        return None
    parts = urlsplit(str(raw))
    # The token travels in a header: in clear text only to this machine.
    if not parts.hostname or not (parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in _LOOPBACK)):
        raise ShopConfigError(f"{path}: shop.base_url: must be an https URL (http only on loopback), got {raw!r}")
    return str(raw).rstrip("/")


def parse_settings(section: Any, path: Path, env: Mapping[str, str]) -> ShopSettings:
    """The settings of a ``shop`` section (None: the demo shop's defaults)."""
    if section is None:
        section = {}
    if not isinstance(section, dict):
        raise ShopConfigError(f"{path}: shop: expected a mapping with type: demo or type: shopify")
    kind = section.get("type", "demo")
    if kind not in TYPES:
        raise ShopConfigError(f"{path}: shop.type: must be one of {', '.join(TYPES)}, got {kind!r}")
    return _demo(section, path, env) if kind == "demo" else _shopify(section, path, env)


def load_settings(env: Optional[Mapping[str, str]] = None) -> ShopSettings:
    env = os.environ if env is None else env
    path = Path(env.get("TANDEM_ENDPOINTS") or ROOT / "endpoints.yml")
    try:
        endpoints: Dict[str, Any] = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as error:
        raise ShopConfigError(f"{path}: cannot read: {error}") from None
    if not isinstance(endpoints, dict):
        raise ShopConfigError(f"{path}: expected a mapping")
    return parse_settings(endpoints.get("shop"), path, env)


def backend_from_settings(settings: ShopSettings, clock: Optional[Clock] = None) -> ShopBackend:
    """The shop system the settings name; nothing is contacted until the first call."""
    if isinstance(settings, DemoShopSettings):
        from core.db import create_engine
        from shop.demo.backend import DemoShop

        return DemoShop(create_engine(settings.url), clock)
    from shop.shopify import ShopifyClient, ShopifyShop

    client = ShopifyClient(
        settings.shop_domain,
        settings.access_token,
        settings.api_version,
        settings.timeout_seconds,
        base_url=settings.base_url,
    )
    return ShopifyShop(client, settings.order_prefix, clock)
