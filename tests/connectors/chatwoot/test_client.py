"""Talking to Chatwoot: the access token on every request, Chatwoot down or slow, and errors
classified for the dispatcher (``connectors/chatwoot/client.py``)."""

from __future__ import annotations

import logging

import pytest

from connectors.chatwoot import ChatwootConnector
from connectors.chatwoot.client import ChatwootClient, ChatwootRejected, ChatwootUnavailable
from connectors.handoff.livechat import DeliveryError
from tests.connectors.chatwoot.harness import CUSTOMER, assert_one_of_everything, item, retry
from tests.fakes.chatwoot import FakeChatwoot


def test_every_request_carries_the_access_token_header(fake: FakeChatwoot, connector: ChatwootConnector) -> None:
    connector.deliver(item())

    assert fake.requests and all(r.headers.get("api_access_token") == fake.token for r in fake.requests)
    assert all("Authorization" not in r.headers for r in fake.requests)


@pytest.mark.parametrize("how", ["http_503", "disconnect", "refused"])
def test_chatwoot_down_is_a_retryable_error_and_a_later_retry_succeeds(
    fake: FakeChatwoot, connector: ChatwootConnector, how: str
) -> None:
    fake.go_down(how)
    first = item()
    with pytest.raises(DeliveryError) as error:
        connector.deliver(first)
    assert error.value.retryable

    fake.come_back()
    connector.deliver(retry(first))
    assert_one_of_everything(fake)


def test_a_slow_chatwoot_is_a_retryable_timeout(fake: FakeChatwoot) -> None:
    connector = ChatwootConnector.from_config(fake.config(timeout=[1, 0.3]))
    fake.fail("contacts.search", "slow", seconds=1.0)

    with pytest.raises(DeliveryError, match="timed out") as error:
        connector.deliver(item())
    assert error.value.retryable


def test_a_wrong_token_is_not_retryable_and_never_shown(fake: FakeChatwoot, caplog: pytest.LogCaptureFixture) -> None:
    connector = ChatwootConnector.from_config(fake.config(api_access_token="a-revoked-token"))

    with caplog.at_level(logging.DEBUG), pytest.raises(DeliveryError) as error:
        connector.deliver(item())

    assert not error.value.retryable
    assert "401" in str(error.value)
    assert "a-revoked-token" not in str(error.value) and "a-revoked-token" not in caplog.text
    assert fake.conversations == {}


@pytest.mark.parametrize(
    ("kind", "retryable"),
    [
        ("http_503", True),
        ("http_500", True),
        ("ratelimited", True),
        ("http_401", False),
        ("http_404", False),
        ("http_422", False),
    ],
)
def test_errors_are_classified_for_the_dispatcher(
    fake: FakeChatwoot, connector: ChatwootConnector, kind: str, retryable: bool
) -> None:
    fake.fail("messages.create", kind)

    with pytest.raises(DeliveryError) as error:
        connector.deliver(item())
    assert error.value.retryable is retryable


def test_the_client_error_tree(fake: FakeChatwoot) -> None:
    client = ChatwootClient(fake.url, fake.account_id, fake.token)
    fake.fail("contacts.search", "ratelimited")

    with pytest.raises(ChatwootUnavailable) as unavailable:
        client.search_contacts(CUSTOMER)
    with pytest.raises(ChatwootRejected) as rejected:
        client.conversation(404)

    assert unavailable.value.retryable and unavailable.value.status == 429 and unavailable.value.retry_after == 1
    assert not rejected.value.retryable and rejected.value.status == 404
