"""The shop backend of this action server, made on first use (never at import)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from core import clock
from core.db import create_engine
from shop.backend import ShopBackend
from shop.demo import DemoShop

ROOT = Path(__file__).resolve().parents[2]
_backend: Optional[ShopBackend] = None


def default_shop_url() -> str:
    return f"sqlite:///{ROOT / 'var' / 'shop.db'}"


def shop_backend() -> ShopBackend:
    global _backend
    if _backend is None:
        url = os.environ.get("TANDEM_SHOP_URL") or default_shop_url()
        _backend = DemoShop(create_engine(url), clock.from_environment())
    return _backend


def set_shop_backend(backend: Optional[ShopBackend]) -> None:
    """Replace the backend (tests point it at their own shop)."""
    global _backend
    _backend = backend
