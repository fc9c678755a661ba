"""A fake Shopify on loopback holding the demo orders (tests/fakes/shopify.py), and a client of it that never really sleeps."""

from __future__ import annotations

from typing import Iterator, List

import pytest

from shop.shopify.client import ShopifyClient
from tests.fakes.shopify import FakeShopify
from tests.shop.contract import clock

DOMAIN = "acme-test.myshopify.com"


@pytest.fixture
def fake() -> Iterator[FakeShopify]:
    shopify = FakeShopify(now=clock().now()).start()
    yield shopify
    shopify.release()  # a request held by ``fail("hang")`` ends now
    shopify.stop()
    # Every request the client sent used documented fields and arguments only.
    assert shopify.problems == []


@pytest.fixture
def sleeps() -> List[float]:
    return []


@pytest.fixture
def client(fake: FakeShopify, sleeps: List[float]) -> ShopifyClient:
    return ShopifyClient(DOMAIN, fake.token, base_url=fake.base_url, timeout_seconds=2.0, sleep=sleeps.append)
