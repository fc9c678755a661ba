from datetime import date
from decimal import Decimal

import pytest

from shop.orders import Address, Money, Order, OrderState
from shop.verification import owns

ORDER = Order(
    number="1234567",
    email="maya.patel@example.com",
    state=OrderState.SHIPPED,
    placed_on=date(2026, 12, 1),
    total=Money(Decimal("10.00"), "USD"),
    shipping_address=Address(name="Maya Patel", line1="7 Kings Road", city="London", postcode="SW3 4RP", country="GB"),
)


@pytest.mark.parametrize("proof", ["maya.patel@example.com", " Maya.Patel@Example.COM ", "SW3 4RP", "sw34rp", "sw3-4rp"])
def test_the_email_or_the_postcode_on_the_order_proves_ownership(proof: str) -> None:
    assert owns(ORDER, proof)


@pytest.mark.parametrize("proof", ["someone@example.com", "SW3 4RQ", "maya.patel@example", "", "   ", "London"])
def test_anything_else_does_not(proof: str) -> None:
    assert not owns(ORDER, proof)


def test_an_unknown_order_fails_like_a_wrong_proof() -> None:
    assert owns(None, "maya.patel@example.com") is False
