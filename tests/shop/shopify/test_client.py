"""The Shopify client against the fake: timeouts, server errors, throttling, a wrong token, a closed port; a secret token."""

from __future__ import annotations

import logging
import time
from typing import Any, List

import pytest

from shop.errors import ShopUnavailable
from shop.shopify import queries
from shop.shopify.client import Secret, ShopifyAuthError, ShopifyClient, ShopifyQueryError, ShopifyThrottled, throttle_wait
from tests.fakes.shopify import FakeShopify
from tests.shop.shopify.conftest import DOMAIN

FIND = {"query": 'name:"#1234567"'}


def find(client: ShopifyClient) -> Any:
    return client.execute(queries.FIND_BY_NAME, queries.FIND_BY_NAME_DOCUMENT, FIND)


def names(data: Any) -> List[str]:
    return [node["name"] for node in data["orders"]["nodes"]]


def test_a_query_answers_with_its_data(client: ShopifyClient, fake: FakeShopify, sleeps: List[float]) -> None:
    assert names(find(client)) == ["#1234567"]
    assert [(c.operation, c.status) for c in fake.calls] == [("FindOrderByName", 200)] and sleeps == []


def test_no_answer_within_the_timeout_is_unavailable_in_that_time(fake: FakeShopify) -> None:
    client = ShopifyClient(DOMAIN, fake.token, base_url=fake.base_url, timeout_seconds=0.5)
    fake.fail("hang")
    started = time.monotonic()
    with pytest.raises(ShopUnavailable, match="no answer within 0.5 s"):
        find(client)
    assert time.monotonic() - started < 1.5
    fake.release()
    assert names(find(client)) == ["#1234567"]


def test_a_server_error_is_unavailable_without_retrying(client: ShopifyClient, fake: FakeShopify, sleeps: List[float]) -> None:
    fake.fail("http_503")
    with pytest.raises(ShopUnavailable, match="HTTP 503"):
        find(client)
    assert len(fake.calls) == 1 and sleeps == []


def test_throttled_twice_then_answered_after_the_waits_shopify_asked_for(
    client: ShopifyClient, fake: FakeShopify, sleeps: List[float]
) -> None:
    # (requestedQueryCost - currentlyAvailable) / restoreRate
    fake.throttle(1, requested=60, available=10.0, restore_rate=50.0)
    fake.throttle(1, requested=120, available=30.0, restore_rate=100.0)
    assert names(find(client)) == ["#1234567"]
    assert sleeps == [pytest.approx(1.0), pytest.approx(0.9)]
    assert [c.outcome for c in fake.calls] == ["throttled", "throttled", "ok"]


def test_throttled_forever_is_unavailable_after_the_bound(client: ShopifyClient, fake: FakeShopify, sleeps: List[float]) -> None:
    fake.throttle(10)
    with pytest.raises(ShopifyThrottled, match="after 2 retries") as error:
        find(client)
    assert isinstance(error.value, ShopUnavailable)
    assert len(fake.calls) == 3 and sleeps == [pytest.approx(1.0)] * 2


def test_a_wait_too_long_for_a_chat_is_not_waited_for(client: ShopifyClient, fake: FakeShopify, sleeps: List[float]) -> None:
    fake.throttle(1, requested=1000, available=0.0, restore_rate=50.0)  # 20 s
    with pytest.raises(ShopifyThrottled, match="20.0 s needed"):
        find(client)
    assert len(fake.calls) == 1 and sleeps == []


def test_http_429_waits_what_retry_after_says(client: ShopifyClient, fake: FakeShopify, sleeps: List[float]) -> None:
    fake.fail("http_429", retry_after="2.5")
    assert names(find(client)) == ["#1234567"]
    assert sleeps == [2.5]


def test_a_mutation_throttled_once_is_done_once(client: ShopifyClient, fake: FakeShopify, sleeps: List[float]) -> None:
    fake.throttle(1)
    order_id = fake.order("3456789")["id"]
    variables = {"orderId": order_id, "reason": "CUSTOMER", "refund": True, "restock": True, "notifyCustomer": True}
    data = client.execute(queries.CANCEL, queries.CANCEL_DOCUMENT, variables)
    assert data["orderCancel"]["orderCancelUserErrors"] == [] and data["orderCancel"]["job"]["done"] is True
    assert fake.order("3456789")["cancelledAt"] and len(sleeps) == 1


def test_a_wrong_token_is_an_auth_error_the_customer_hears_as_unavailable(
    fake: FakeShopify, caplog: pytest.LogCaptureFixture
) -> None:
    client = ShopifyClient(DOMAIN, "shpat_wrong_token_abcdef", base_url=fake.base_url)
    with caplog.at_level(logging.ERROR, logger="shop.shopify.client"), pytest.raises(ShopifyAuthError, match="HTTP 401") as error:
        find(client)
    assert isinstance(error.value, ShopUnavailable)
    assert "access token was refused" in caplog.text


def test_the_token_is_never_logged_nor_shown(fake: FakeShopify, caplog: pytest.LogCaptureFixture) -> None:
    sleeps: List[float] = []
    right = ShopifyClient(DOMAIN, fake.token, base_url=fake.base_url, timeout_seconds=0.5, sleep=sleeps.append)
    wrong = ShopifyClient(DOMAIN, "shpat_wrong_token_abcdef", base_url=fake.base_url)
    errors: List[Exception] = []
    fake.throttle(3)
    fake.fail("http_503")
    fake.fail("hang")
    with caplog.at_level(logging.DEBUG):
        for client in (right, right, right, wrong):
            try:
                find(client)
            except ShopUnavailable as error:
                errors.append(error)
        fake.release()
        fake.stop()
        try:
            find(right)
        except ShopUnavailable as error:
            errors.append(error)
    assert [type(e) for e in errors] == [ShopifyThrottled, ShopUnavailable, ShopUnavailable, ShopifyAuthError, ShopUnavailable]
    shown = caplog.text + "".join(f"{e!s}{e!r}{e.__cause__!r}{e.__context__!r}" for e in errors)
    shown += repr(right) + str(right) + repr(vars(right)) + repr(wrong) + repr(vars(wrong))
    for token in (fake.token, "shpat_wrong_token_abcdef"):
        assert token not in shown
    assert "throttled" in caplog.text and "refused" in caplog.text  # the log was captured at all


def test_a_closed_port_is_unavailable(fake: FakeShopify) -> None:
    client = ShopifyClient(DOMAIN, fake.token, base_url=fake.base_url)
    fake.stop()
    with pytest.raises(ShopUnavailable, match="ConnectionError"):
        find(client)


def test_another_api_version_is_unavailable(fake: FakeShopify) -> None:
    client = ShopifyClient(DOMAIN, fake.token, "2024-07", base_url=fake.base_url)
    with pytest.raises(ShopUnavailable, match="HTTP 404"):
        find(client)


def test_a_field_shopify_does_not_document_fails_loudly(client: ShopifyClient, fake: FakeShopify) -> None:
    misspelt = queries.FIND_BY_NAME_DOCUMENT.replace("displayFulfillmentStatus", "displayFulfilmentStatus")
    with pytest.raises(ShopifyQueryError, match="Field 'displayFulfilmentStatus' doesn't exist on type 'Order'"):
        client.execute(queries.FIND_BY_NAME, misspelt, FIND)
    assert fake.problems == ["FindOrderByName: Field 'displayFulfilmentStatus' doesn't exist on type 'Order'"]
    fake.problems.clear()  # expected here; the fixture checks no other test sends one


def test_the_throttle_wait_falls_back_when_shopify_gives_no_figures() -> None:
    assert throttle_wait({"errors": [{"extensions": {"code": "THROTTLED"}}]}) == 1.0
    cost = {"requestedQueryCost": 50, "throttleStatus": {"currentlyAvailable": 80.0, "restoreRate": 50.0}}
    assert throttle_wait({"extensions": {"cost": cost}}) == 0.0


def test_a_secret_does_not_show_itself() -> None:
    secret = Secret("shpat_abc")
    assert "shpat_abc" not in repr(secret) + str(secret) + f"{secret}" and secret.reveal() == "shpat_abc"
