"""What can go wrong when the bot asks the shop; each maps to one honest reply."""

from __future__ import annotations


class ShopError(Exception):
    """Base of every shop error."""


class ShopUnavailable(ShopError):
    """The order system did not answer in time, or answered with a server error: try later or hand off."""


class OrderNotFound(ShopError):
    """No order has this number (said to the customer exactly like a failed verification)."""


class NotAllowed(ShopError):
    """The change is not possible in the order's state (``reason``: ``already_shipped``, ``already_cancelled``...)."""

    def __init__(self, reason: str, message: str = "") -> None:
        super().__init__(message or reason)
        self.reason = reason


class ShopConfigError(ValueError):
    """The shop section of endpoints.yml is unusable; the message names the key and why."""
