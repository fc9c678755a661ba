import pytest

from shop import order_numbers


@pytest.mark.parametrize(
    "text, digits",
    [
        ("it's 123456", "123456"),
        ("1234567", "1234567"),
        ("#AC-1234567", "1234567"),
        ("AC1234567", "1234567"),
        ("ac 1234567 please", "1234567"),
        ("order 123-456", "123456"),
        ("my order number is AC-1234567, it hasn't come", "1234567"),
        ("where is #7654321?", "7654321"),
        ("order 12345678.", "12345678"),
    ],
)
def test_finds_the_forms_customers_type(text: str, digits: str) -> None:
    assert order_numbers.find(text) == digits


@pytest.mark.parametrize(
    "text",
    [
        "I paid 123456 dollars",
        "refund of $1234567",
        "card 4111111111111111",
        "call me on 020-7946-0958",
        "ordered on 2026-12-07",
        "it cost 1,234,567.00",
        "order 12345",  # too short to be one of ours
        "where is my order",
        "",
    ],
)
def test_ignores_what_is_not_an_order_number(text: str) -> None:
    assert order_numbers.find(text) is None


def test_display_adds_the_prefix() -> None:
    assert order_numbers.display("1234567") == "AC-1234567"
