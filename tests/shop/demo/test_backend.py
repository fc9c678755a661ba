"""The demo shop's contract (tests/shop/contract.py), on a SQLite file and on a real PostgreSQL server.

Seed dates are relative to the seeding day, so every test pins the clock.
"""

from __future__ import annotations

import os
import threading
import uuid
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from core.db import create_engine as create_store_engine
from shop.demo.backend import DemoShop
from shop.demo.seed import SEED_FILE, load_seed, seed
from shop.demo.tables import EmailRow
from shop.errors import NotAllowed, ShopUnavailable
from tests.shop.contract import InvoicesSent, ShopContract, clock

POSTGRES_URL = os.environ.get("TANDEM_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


class DemoShopContract(ShopContract):
    def load_seed_orders(self, shop: DemoShop) -> None:
        seed(shop)

    @pytest.fixture
    def invoices_sent(self, shop: DemoShop) -> InvoicesSent:
        def sent() -> List[Tuple[str, str]]:
            with shop.session() as session:
                return [(row.order_number, row.kind) for row in session.query(EmailRow)]

        return sent

    def test_seeds_every_order_of_the_file_once(self, shop: DemoShop) -> None:
        expected = len(load_seed()["orders"])
        assert seed(shop) == expected
        assert seed(shop) == 0


class TestSQLite(DemoShopContract):
    @pytest.fixture
    def shop(self, tmp_path: Path) -> Iterator[DemoShop]:
        engine = create_store_engine(f"sqlite:///{tmp_path / 'shop.db'}")
        yield DemoShop(engine, clock())
        engine.dispose()


@pytest.mark.postgres
class TestPostgres(DemoShopContract):
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
