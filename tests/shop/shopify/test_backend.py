"""The Shopify shop: the demo shop's contract (tests/shop/contract.py) against the fake Shopify, and what is Shopify's own."""

from __future__ import annotations

from copy import deepcopy
from typing import Any, Dict, List

import pytest

from shop.errors import NotAllowed, ShopUnavailable
from shop.orders import Address, OrderState
from shop.shopify.backend import ShopifyShop, _method, split_name, state_of, to_order
from shop.shopify.client import ShopifyClient
from tests.fakes.shopify import FakeShopify
from tests.shop.contract import NEW_ADDRESS, InvoicesSent, ShopContract, clock
from tests.shop.shopify.conftest import DOMAIN


class TestShopify(ShopContract):
    @pytest.fixture
    def shop(self, client: ShopifyClient) -> ShopifyShop:
        return ShopifyShop(client, "#", clock())

    @pytest.fixture
    def invoices_sent(self, shop: ShopifyShop, fake: FakeShopify) -> InvoicesSent:
        return lambda: [(shop.digits(name), "invoice") for name, _ in fake.invoices]

    def load_seed_orders(self, shop: ShopifyShop) -> None:
        pass  # the fake holds the seed file's orders from the start


@pytest.fixture
def shop(client: ShopifyClient) -> ShopifyShop:
    return ShopifyShop(client, "#", clock())


def searches(fake: FakeShopify) -> List[str]:
    return [call.variables.get("query", "") for call in fake.calls]


def test_only_the_exact_number_is_found(shop: ShopifyShop, fake: FakeShopify) -> None:
    # Shopify's name search also matches #1234567 for "#123456"; that is not the order asked for.
    assert shop.find_order("123456") is None
    assert searches(fake) == ['name:"#123456"']


def test_a_shop_with_its_own_prefix(fake: FakeShopify) -> None:
    prefixed = FakeShopify(now=clock().now(), prefix="AC-").start()
    try:
        client = ShopifyClient(DOMAIN, prefixed.token, base_url=prefixed.base_url)
        order = ShopifyShop(client, "AC-", clock()).find_order("1234567")
        assert order is not None and order.number == "1234567" and order.state is OrderState.SHIPPED
        assert searches(prefixed) == ['name:"AC-1234567"'] and prefixed.problems == []
    finally:
        prefixed.stop()


@pytest.mark.parametrize("number", ["", "12a4567", '1" OR name:*', "1234567 "])
def test_what_is_not_a_canonical_number_is_not_asked_for(shop: ShopifyShop, fake: FakeShopify, number: str) -> None:
    assert shop.find_order(number) is None
    assert fake.calls == []


@pytest.mark.parametrize("email", ["", "not an email", 'maya.patel@example.com" OR email:*'])
def test_what_is_not_an_email_finds_no_orders_and_asks_nothing(shop: ShopifyShop, fake: FakeShopify, email: str) -> None:
    assert shop.orders_of_customer(email) == []
    assert fake.calls == []


def test_a_cancellation_asks_for_a_refund_restock_and_notification(shop: ShopifyShop, fake: FakeShopify) -> None:
    shop.cancel_order("4567890")
    (call,) = (c for c in fake.calls if c.operation == "OrderCancel")
    assert call.variables == {
        "orderId": fake.order("4567890")["id"],
        "reason": "CUSTOMER",
        "refund": True,
        "restock": True,
        "notifyCustomer": True,
    }


def test_an_order_fulfilled_while_the_customer_asked_is_not_cancelled(shop: ShopifyShop, fake: FakeShopify) -> None:
    def warehouse_ships(order_id: str) -> None:
        order = fake.order("4567890")
        order["displayFulfillmentStatus"] = "FULFILLED"
        order["fulfillments"] = deepcopy(fake.order("1234567")["fulfillments"])

    fake.before_mutation = warehouse_ships
    with pytest.raises(NotAllowed) as error:
        shop.cancel_order("4567890")
    assert error.value.reason == "already_dispatched" and "fulfillments" in str(error.value)
    assert fake.order("4567890")["cancelledAt"] is None


@pytest.mark.parametrize("country, postcode", [("usa", "97201"), ("US", "")])
def test_an_address_shopify_would_refuse_is_an_invalid_address(
    shop: ShopifyShop, fake: FakeShopify, country: str, postcode: str
) -> None:
    address = Address(name="Tom Okafor", line1="9 Lake Road", city="Portland", postcode=postcode, country=country)
    with pytest.raises(NotAllowed) as error:
        shop.change_address("3456789", address)
    assert error.value.reason == "invalid_address"
    assert fake.order("3456789")["shippingAddress"]["city"] == "Seattle"


def test_a_new_address_is_sent_as_a_mailing_address(shop: ShopifyShop, fake: FakeShopify) -> None:
    shop.change_address("3456789", NEW_ADDRESS)
    (call,) = (c for c in fake.calls if c.operation == "OrderUpdateShippingAddress")
    assert call.variables["input"] == {
        "id": fake.order("3456789")["id"],
        "shippingAddress": {
            "firstName": "Tom",
            "lastName": "Okafor",
            "address1": "9 Lake Road",
            "address2": "",
            "city": "Portland",
            "zip": "97201",
            "countryCode": "US",
        },
    }


def test_the_invoice_goes_to_the_address_on_the_order(shop: ShopifyShop, fake: FakeShopify) -> None:
    shop.resend_invoice("2345678")
    assert fake.invoices == [("#2345678", "maya.patel@example.com")]


def test_an_order_system_down_during_a_change_is_unavailable(shop: ShopifyShop, fake: FakeShopify) -> None:
    fake.fail("http_503", times=3)
    for change in (lambda: shop.cancel_order("3456789"), lambda: shop.change_address("3456789", NEW_ADDRESS)):
        with pytest.raises(ShopUnavailable):
            change()
    with pytest.raises(ShopUnavailable):
        shop.orders_of_customer("maya.patel@example.com")


def node(**fields: Any) -> Dict[str, Any]:
    base: Dict[str, Any] = {
        "cancelledAt": None,
        "displayFinancialStatus": "PAID",
        "displayFulfillmentStatus": "UNFULFILLED",
        "returnStatus": "NO_RETURN",
        "fulfillments": [],
    }
    return {**base, **fields}


SHIPPED = {"status": "SUCCESS", "displayStatus": "IN_TRANSIT", "deliveredAt": None}
DELIVERED = {"status": "SUCCESS", "displayStatus": "DELIVERED", "deliveredAt": "2027-03-01T10:00:00Z"}
CANCELLED = {"status": "CANCELLED", "displayStatus": "CANCELED", "deliveredAt": None}


@pytest.mark.parametrize(
    "fields, state",
    [
        ({"cancelledAt": "2027-03-01T10:00:00Z", "displayFulfillmentStatus": "FULFILLED"}, OrderState.CANCELLED),
        ({"displayFinancialStatus": "REFUNDED", "returnStatus": "RETURNED"}, OrderState.REFUNDED),
        ({"returnStatus": "INSPECTION_COMPLETE", "displayFulfillmentStatus": "FULFILLED"}, OrderState.RETURNED),
        ({"displayFulfillmentStatus": "FULFILLED", "fulfillments": [DELIVERED, CANCELLED]}, OrderState.DELIVERED),
        ({"displayFulfillmentStatus": "FULFILLED", "fulfillments": [DELIVERED, SHIPPED]}, OrderState.SHIPPED),
        ({"displayFulfillmentStatus": "PARTIALLY_FULFILLED", "fulfillments": [DELIVERED]}, OrderState.SHIPPED),
        (
            {
                "displayFinancialStatus": "PARTIALLY_REFUNDED",
                "displayFulfillmentStatus": "FULFILLED",
                "fulfillments": [DELIVERED],
            },
            OrderState.DELIVERED,
        ),
        (
            {"returnStatus": "RETURN_REQUESTED", "displayFulfillmentStatus": "FULFILLED", "fulfillments": [DELIVERED]},
            OrderState.DELIVERED,
        ),
        ({"displayFulfillmentStatus": "ON_HOLD"}, OrderState.PACKED),
        ({"displayFulfillmentStatus": "PENDING_FULFILLMENT"}, OrderState.PACKED),
        ({"displayFulfillmentStatus": "SCHEDULED"}, OrderState.PROCESSING),
        ({"displayFulfillmentStatus": "REQUEST_DECLINED"}, OrderState.PROCESSING),
        ({"displayFulfillmentStatus": "SOMETHING_NEW", "fulfillments": [SHIPPED]}, OrderState.SHIPPED),
        ({"displayFulfillmentStatus": "SOMETHING_NEW", "fulfillments": [CANCELLED]}, OrderState.PROCESSING),
    ],
)
def test_shopify_statuses_map_to_order_states(fields: Dict[str, Any], state: OrderState) -> None:
    assert state_of(node(**fields)) is state


@pytest.mark.parametrize(
    "gateway, method",
    [
        ("shopify_payments", "card"),
        ("paypal", "paypal"),
        ("gift_card", "gift_card"),
        ("bank_deposit", "bank_transfer"),
        ("stripe", "card"),
    ],
)
def test_payment_gateways_map_to_refund_methods(gateway: str, method: str) -> None:
    assert _method(gateway) == method


def test_an_order_in_an_unexpected_shape_is_unavailable(fake: FakeShopify) -> None:
    broken = deepcopy(fake.order("1234567"))
    del broken["totalPriceSet"]
    with pytest.raises(ShopUnavailable, match="unexpected shape"):
        to_order(broken, "1234567")


@pytest.mark.parametrize(
    "name, parts", [("Tom Okafor", ("Tom", "Okafor")), ("Mary Ann Smith", ("Mary Ann", "Smith")), ("Cher", ("", "Cher"))]
)
def test_names_split_into_first_and_last(name: str, parts: Any) -> None:
    assert split_name(name) == parts
