"""What every :class:`~shop.backend.ShopBackend` does with the demo orders of data/shop/orders.yml.

A test class inherits :class:`ShopContract` and provides:

- the ``shop`` fixture: the backend, its clock pinned by :func:`clock` (seed dates are
  relative to the seeding day);
- ``load_seed_orders(shop)``: puts the seed file's orders in it (a no-op where they are
  there from the start);
- the ``invoices_sent`` fixture: a function listing ``(order number, "invoice")`` for every
  invoice the shop sent.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, Callable, List, Tuple

import pytest

from core.clock import FixedClock
from shop.demo.seed import load_seed
from shop.errors import NotAllowed, OrderNotFound
from shop.orders import Address, OrderState, RefundState

TODAY = date(2027, 3, 10)
NEW_ADDRESS = Address(name="Tom Okafor", line1="9 Lake Road", city="Portland", postcode="97201", country="US")
InvoicesSent = Callable[[], List[Tuple[str, str]]]


def clock() -> FixedClock:
    return FixedClock(datetime(2027, 3, 10, 9, 30, tzinfo=timezone.utc))


class ShopContract:
    @pytest.fixture
    def shop(self) -> Any:
        raise NotImplementedError

    @pytest.fixture
    def invoices_sent(self, shop: Any) -> InvoicesSent:
        raise NotImplementedError

    def load_seed_orders(self, shop: Any) -> None:
        raise NotImplementedError

    def test_seed_has_an_order_in_every_state(self, shop: Any) -> None:
        self.load_seed_orders(shop)
        numbers = [str(order["number"]) for order in load_seed()["orders"]]
        states = {shop.find_order(number).state for number in numbers}
        assert states == set(OrderState)

    def test_a_shipped_order_has_carrier_tracking_and_dates_relative_to_today(self, shop: Any) -> None:
        self.load_seed_orders(shop)
        order = shop.find_order("1234567")
        assert order.state is OrderState.SHIPPED
        shipment = order.latest_shipment
        assert (shipment.carrier, shipment.tracking_number) == ("UPS", "1Z999AA10123456784")
        assert shipment.tracking_url == "https://tracking.example.com/ups/1Z999AA10123456784"
        assert order.placed_on == date(2027, 3, 6) and shipment.expected_on == date(2027, 3, 11)
        assert order.total.amount == Decimal("113.50") and order.total.currency == "USD"
        assert [line.title for line in order.lines] == ["Trailrunner 3 running shoes", "Merino running socks (3 pack)"]

    def test_refunds_carry_amount_method_and_state(self, shop: Any) -> None:
        self.load_seed_orders(shop)
        (refund,) = shop.find_order("5678901").refunds
        assert (refund.amount.amount, refund.method, refund.state) == (Decimal("149.00"), "card", RefundState.PENDING)
        assert refund.issued_on is None and refund.requested_on == date(2027, 3, 8)

    def test_unknown_numbers_find_nothing(self, shop: Any) -> None:
        self.load_seed_orders(shop)
        assert shop.find_order("1111111") is None
        with pytest.raises(OrderNotFound):
            shop.cancel_order("1111111")

    def test_a_customer_sees_only_their_orders_newest_first(self, shop: Any) -> None:
        self.load_seed_orders(shop)
        orders = shop.orders_of_customer(" Maya.Patel@example.com")
        assert [order.number for order in orders] == ["1234567", "2345678"]
        assert shop.orders_of_customer("nobody@example.com") == []

    def test_an_order_not_dispatched_can_be_cancelled_once(self, shop: Any) -> None:
        self.load_seed_orders(shop)
        cancelled = shop.cancel_order("3456789")
        assert cancelled.state is OrderState.CANCELLED and cancelled.cancelled_on == TODAY
        assert shop.find_order("3456789").state is OrderState.CANCELLED
        with pytest.raises(NotAllowed) as error:
            shop.cancel_order("3456789")
        assert error.value.reason == "already_cancelled"

    @pytest.mark.parametrize("number", ["1234567", "2345678", "5678901"])
    def test_a_dispatched_order_cannot_be_cancelled_or_readdressed(self, shop: Any, number: str) -> None:
        self.load_seed_orders(shop)
        for change in (lambda: shop.cancel_order(number), lambda: shop.change_address(number, NEW_ADDRESS)):
            with pytest.raises(NotAllowed) as error:
                change()
            assert error.value.reason == "already_dispatched"
        assert shop.find_order(number).state is not OrderState.CANCELLED

    def test_a_packed_order_can_be_readdressed(self, shop: Any) -> None:
        self.load_seed_orders(shop)
        assert shop.change_address("4567890", NEW_ADDRESS).shipping_address == NEW_ADDRESS
        assert shop.find_order("4567890").postcode == "97201"

    def test_resending_an_invoice_is_recorded(self, shop: Any, invoices_sent: InvoicesSent) -> None:
        self.load_seed_orders(shop)
        shop.resend_invoice("2345678")
        assert invoices_sent() == [("2345678", "invoice")]
