"""The shop section of endpoints.yml: the demo shop by default, Shopify with its token from the environment only."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

import pytest
import yaml

from shop.demo.backend import DemoShop
from shop.errors import ShopConfigError
from shop.settings import ROOT, DemoShopSettings, ShopifySettings, backend_from_settings, load_settings, parse_settings
from shop.shopify import ShopifyShop
from tests.fakes.shopify import FakeShopify
from tests.shop.contract import clock

FILE = Path("/etc/tandem/endpoints.yml")
TOKEN = "shpat_settings_test_0123456789"
ENV = {"SHOPIFY_ACCESS_TOKEN": TOKEN}
SHOPIFY: Dict[str, Any] = {"type": "shopify", "shop_domain": "acme.myshopify.com", "access_token": "${SHOPIFY_ACCESS_TOKEN}"}


def shopify(**changes: Any) -> Dict[str, Any]:
    section = {**SHOPIFY, **changes}
    return {key: value for key, value in section.items() if value is not None}


def test_without_a_section_the_demo_shop_answers_from_var() -> None:
    assert parse_settings(None, FILE, {}) == DemoShopSettings(url=f"sqlite:///{ROOT / 'var' / 'shop.db'}")


@pytest.mark.parametrize(
    "url, expected",
    [
        ("sqlite:///var/shop.db", f"sqlite:///{ROOT / 'var' / 'shop.db'}"),
        ("sqlite:////srv/shop.db", "sqlite:////srv/shop.db"),
        ("postgresql://shop:secret@db/shop", "postgresql://shop:secret@db/shop"),
    ],
)
def test_a_relative_sqlite_file_is_under_the_project(url: str, expected: str) -> None:
    settings = parse_settings({"type": "demo", "url": url}, FILE, {})
    assert settings == DemoShopSettings(url=expected) and "secret" not in repr(settings)


def test_the_environment_overrides_the_demo_url() -> None:
    settings = parse_settings({"url": "sqlite:///var/shop.db"}, FILE, {"TANDEM_SHOP_URL": "postgresql://db/shop"})
    assert settings == DemoShopSettings(url="postgresql://db/shop")


def test_shopify_with_its_defaults() -> None:
    settings = parse_settings(shopify(shop_domain="Acme.myshopify.com"), FILE, ENV)
    assert settings == ShopifySettings("acme.myshopify.com", TOKEN, "2025-01", 5.0, "#", None)
    assert TOKEN not in repr(settings) + str(settings)


def test_shopify_with_every_setting() -> None:
    section = shopify(api_version="2025-04", timeout_seconds=2.5, order_prefix="AC-", base_url="http://127.0.0.1:9999/")
    settings = parse_settings(section, FILE, ENV)
    assert settings == ShopifySettings("acme.myshopify.com", TOKEN, "2025-04", 2.5, "AC-", "http://127.0.0.1:9999")


@pytest.mark.parametrize(
    "section, key, reason",
    [
        (shopify(access_token=TOKEN), "shop.access_token", "must name an environment variable"),
        (shopify(access_token="Bearer ${SHOPIFY_ACCESS_TOKEN}"), "shop.access_token", "must name an environment variable"),
        (shopify(access_token=None), "shop.access_token", "missing"),
        (shopify(access_token="${OTHER_TOKEN}"), "shop.access_token", "OTHER_TOKEN is not set"),
        (shopify(shop_domain="https://acme.myshopify.com"), "shop.shop_domain", "myshopify.com"),
        (shopify(shop_domain="shop.acme.com"), "shop.shop_domain", "not a custom domain"),
        (shopify(api_version="2025-02"), "shop.api_version", 'like "2025-01"'),
        (shopify(timeout_seconds=0), "shop.timeout_seconds", "in (0, 60]"),
        (shopify(timeout_seconds="5"), "shop.timeout_seconds", "in (0, 60]"),
        (shopify(timeout_seconds=True), "shop.timeout_seconds", "in (0, 60]"),
        (shopify(order_prefix=7), "shop.order_prefix", "an unquoted # starts a YAML comment"),
        (shopify(base_url="http://shopify-proxy.internal"), "shop.base_url", "https"),
        (shopify(acces_token="${SHOPIFY_ACCESS_TOKEN}"), "shop.acces_token", "unknown setting"),
        ({"type": "demo", "shop_domain": "acme.myshopify.com"}, "shop.shop_domain", "unknown setting"),
        ({"type": "magento"}, "shop.type", "demo, shopify"),
        ({"type": "demo", "url": "not a url"}, "shop.url", "SQLAlchemy"),
        ("shopify", "shop", "expected a mapping"),
    ],
)
def test_errors_name_the_file_the_key_and_the_reason(section: Any, key: str, reason: str) -> None:
    with pytest.raises(ShopConfigError) as error:
        parse_settings(section, FILE, ENV)
    assert str(error.value).startswith(f"{FILE}: {key}: ") and reason in str(error.value)
    assert TOKEN not in str(error.value)


def test_a_token_written_into_the_file_is_refused_without_being_repeated(tmp_path: Path) -> None:
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(yaml.safe_dump({"shop": shopify(access_token=TOKEN)}))
    with pytest.raises(ShopConfigError, match="ends up in version control") as error:
        load_settings({"TANDEM_ENDPOINTS": str(endpoints), **ENV})
    assert TOKEN not in str(error.value)


def test_an_unquoted_hash_prefix_is_explained(tmp_path: Path) -> None:
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(
        "shop:\n  type: shopify\n  shop_domain: acme.myshopify.com\n  access_token: ${SHOPIFY_ACCESS_TOKEN}\n  order_prefix: #\n"
    )
    with pytest.raises(ShopConfigError, match="quotes"):
        load_settings({"TANDEM_ENDPOINTS": str(endpoints), **ENV})


def test_the_projects_endpoints_file_gives_the_demo_shop() -> None:
    assert isinstance(load_settings({}), DemoShopSettings)


def test_the_demo_backend(tmp_path: Path) -> None:
    backend = backend_from_settings(DemoShopSettings(url=f"sqlite:///{tmp_path / 'shop.db'}"), clock())
    assert isinstance(backend, DemoShop)


def test_the_shopify_backend_reads_the_store_the_file_names(tmp_path: Path) -> None:
    fake = FakeShopify(now=clock().now()).start()
    try:
        endpoints = tmp_path / "endpoints.yml"
        section = shopify(base_url=fake.base_url, timeout_seconds=2, access_token="${SHOP_TOKEN}")
        endpoints.write_text(yaml.safe_dump({"shop": section}))
        backend = backend_from_settings(load_settings({"TANDEM_ENDPOINTS": str(endpoints), "SHOP_TOKEN": fake.token}), clock())
        assert isinstance(backend, ShopifyShop) and fake.token not in repr(backend)
        order = backend.find_order("2345678")
        assert order is not None and order.email == "maya.patel@example.com" and fake.problems == []
    finally:
        fake.stop()
