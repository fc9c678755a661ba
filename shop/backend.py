"""The one interface every shop system implements, and the rules no implementation may skip.

Every call may raise :class:`~shop.errors.ShopUnavailable` (timeouts, server errors);
changes raise :class:`~shop.errors.NotAllowed` when the order's state forbids them.
Implementations: ``shop.demo`` (SQLAlchemy) and ``shop.shopify`` (Shopify Admin API).
"""

from __future__ import annotations

from typing import List, Optional, Protocol

from shop.orders import Address, Order


class ShopBackend(Protocol):
    def find_order(self, number: str) -> Optional[Order]:
        """The order with these canonical digits, or None."""

    def orders_of_customer(self, email: str) -> List[Order]:
        """A signed-in customer's orders, newest first."""

    def cancel_order(self, number: str) -> Order:
        """Cancel an order not yet dispatched; the refund follows the shop's own process."""

    def change_address(self, number: str, address: Address) -> Order:
        """Send an order not yet dispatched to another address."""

    def resend_invoice(self, number: str) -> None:
        """Email the invoice again to the address on the order."""
