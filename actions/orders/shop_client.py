"""The shop backend of this action server: the ``shop`` section of endpoints.yml (shop/settings.py),
loaded and made on first use (never at import); the demo shop when the section is absent."""

from __future__ import annotations

from typing import Optional

from core import clock
from shop.backend import ShopBackend
from shop.settings import backend_from_settings, load_settings

_backend: Optional[ShopBackend] = None


def shop_backend() -> ShopBackend:
    global _backend
    if _backend is None:
        _backend = backend_from_settings(load_settings(), clock.from_environment())
    return _backend


def set_shop_backend(backend: Optional[ShopBackend]) -> None:
    """Replace the backend (tests point it at their own shop)."""
    global _backend
    _backend = backend
