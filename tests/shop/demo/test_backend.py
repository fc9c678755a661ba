"""The demo shop's contract, on a SQLite file and on a real PostgreSQL server.

Seed dates are relative to the seeding day, so every test pins the clock.
"""

from __future__ import annotations

import os
import threading
import uuid
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Iterator, List

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from core.clock import FixedClock
from core.db import create_engine as create_store_engine
from shop.demo.backend import DemoShop
from shop.demo.seed import SEED_FILE, load_seed, seed
from shop.demo.tables import EmailRow
from shop.errors import NotAllowed, OrderNotFound, ShopUnavailable
from shop.orders import Address, OrderState, RefundState

TODAY = date(2027, 3, 10)
POSTGRES_URL = os.environ.get("TANDEM_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
NEW_ADDRESS = Address(name="Tom Okafor", line1="9 Lake Road", city="Portland", postcode="97201", country="US")


def clock() -> FixedClock:
    return FixedClock(datetime(2027, 3, 10, 9, 30, tzinfo=timezone.utc))


class ShopContract:
    @pytest.fixture
    def shop(self) -> DemoShop:
        raise NotImplementedError

    def test_seeds_every_order_of_the_file_once(self, shop: DemoShop) -> None:
        expected = len(load_seed()["orders"])
        assert seed(shop) == expected
        assert seed(shop) == 0

    def test_seed_has_an_order_in_every_state(self, shop: DemoShop) -> None:
        seed(shop)
        numbers = [str(order["number"]) for order in load_seed()["orders"]]
        states = {shop.find_order(number).state for number in numbers}
        assert states == set(OrderState)

    def test_a_shipped_order_has_carrier_tracking_and_dates_relative_to_today(self, shop: DemoShop) -> None:
        seed(shop)
        order = shop.find_order("1234567")
        assert order.state is OrderState.SHIPPED
        shipment = order.latest_shipment
        assert (shipment.carrier, shipment.tracking_number) == ("UPS", "1Z999AA10123456784")
        assert shipment.tracking_url == "https://tracking.example.com/ups/1Z999AA10123456784"
        assert order.placed_on == date(2027, 3, 6) and shipment.expected_on == date(2027, 3, 11)
        assert order.total.amount == Decimal("113.50") and order.total.currency == "USD"
        assert [line.title for line in order.lines] == ["Trailrunner 3 running shoes", "Merino running socks (3 pack)"]

    def test_refunds_carry_amount_method_and_state(self, shop: DemoShop) -> None:
        seed(shop)
        (refund,) = shop.find_order("5678901").refunds
        assert (refund.amount.amount, refund.method, refund.state) == (Decimal("149.00"), "card", RefundState.PENDING)
        assert refund.issued_on is None and refund.requested_on == date(2027, 3, 8)

    def test_unknown_numbers_find_nothing(self, shop: DemoShop) -> None:
        seed(shop)
        assert shop.find_order("1111111") is None
        with pytest.raises(OrderNotFound):
            shop.cancel_order("1111111")

    def test_a_customer_sees_only_their_orders_newest_first(self, shop: DemoShop) -> None:
        seed(shop)
        orders = shop.orders_of_customer(" Maya.Patel@example.com")
        assert [order.number for order in orders] == ["1234567", "2345678"]
        assert shop.orders_of_customer("nobody@example.com") == []

    def test_an_order_not_dispatched_can_be_cancelled_once(self, shop: DemoShop) -> None:
        seed(shop)
        cancelled = shop.cancel_order("3456789")
        assert cancelled.state is OrderState.CANCELLED and cancelled.cancelled_on == TODAY
        assert shop.find_order("3456789").state is OrderState.CANCELLED
        with pytest.raises(NotAllowed) as error:
            shop.cancel_order("3456789")
        assert error.value.reason == "already_cancelled"

    @pytest.mark.parametrize("number", ["1234567", "2345678", "5678901"])
    def test_a_dispatched_order_cannot_be_cancelled_or_readdressed(self, shop: DemoShop, number: str) -> None:
        seed(shop)
        for change in (lambda: shop.cancel_order(number), lambda: shop.change_address(number, NEW_ADDRESS)):
            with pytest.raises(NotAllowed) as error:
                change()
            assert error.value.reason == "already_dispatched"
        assert shop.find_order(number).state is not OrderState.CANCELLED

    def test_a_packed_order_can_be_readdressed(self, shop: DemoShop) -> None:
        seed(shop)
        assert shop.change_address("4567890", NEW_ADDRESS).shipping_address == NEW_ADDRESS
        assert shop.find_order("4567890").postcode == "97201"

    def test_resending_an_invoice_is_recorded(self, shop: DemoShop) -> None:
        seed(shop)
        shop.resend_invoice("2345678")
        with shop.session() as session:
            sent = [(row.order_number, row.kind) for row in session.query(EmailRow)]
        assert sent == [("2345678", "invoice")]


class TestSQLite(ShopContract):
    @pytest.fixture
    def shop(self, tmp_path: Path) -> Iterator[DemoShop]:
        engine = create_store_engine(f"sqlite:///{tmp_path / 'shop.db'}")
        yield DemoShop(engine, clock())
        engine.dispose()


@pytest.mark.postgres
class TestPostgres(ShopContract):
    @pytest.fixture
    def shop(self) -> Iterator[DemoShop]:
        schema = f"shop_test_{uuid.uuid4().hex[:12]}"
        admin = create_engine(POSTGRES_URL)
        try:
            with admin.begin() as connection:
                connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        except OperationalError as error:
            pytest.fail(f"PostgreSQL is not reachable at {POSTGRES_URL}: {error}", pytrace=False)
        engine = create_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
        yield DemoShop(engine, clock())
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    def test_two_replicas_cancelling_at_once_cancel_once(self, shop: DemoShop) -> None:
        seed(shop)
        outcomes: List[str] = []
        start = threading.Barrier(2)

        def cancel() -> None:
            start.wait()
            try:
                shop.cancel_order("4567890")
                outcomes.append("cancelled")
            except NotAllowed as error:
                outcomes.append(error.reason)

        threads = [threading.Thread(target=cancel) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes) == ["already_cancelled", "cancelled"]


def test_an_unreachable_database_is_reported_as_unavailable(tmp_path: Path) -> None:
    shop = DemoShop(create_engine(f"sqlite:///{tmp_path / 'missing' / 'shop.db'}"), clock())
    with pytest.raises(ShopUnavailable):
        shop.find_order("1234567")
    closed_port = DemoShop(create_engine("postgresql://postgres@127.0.0.1:1/none", connect_args={"connect_timeout": 2}), clock())
    with pytest.raises(ShopUnavailable):
        closed_port.orders_of_customer("maya.patel@example.com")


def test_the_seed_file_is_the_repositorys() -> None:
    assert SEED_FILE.is_file() and SEED_FILE.parts[-3:] == ("data", "shop", "orders.yml")
