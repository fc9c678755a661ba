"""Configuration: the connector's ``livechat`` section and the inbound channel's credentials."""

from __future__ import annotations

from typing import Any, Dict

import pytest

from connectors.chatwoot import ChatwootAgentInput, ChatwootConnector
from tests.fakes.chatwoot import FakeChatwoot


def test_from_config_reads_the_livechat_section(fake: FakeChatwoot) -> None:
    connector = ChatwootConnector.from_config(fake.config(account_id="1", inbox_id="7", webhook_secret="s3cret", timeout=5))

    assert (connector.account_id, connector.inbox_id, connector.client.timeout) == (1, 7, (3.05, 5.0))
    assert connector.type_name == "chatwoot"
    assert fake.token not in repr(connector) and "s3cret" not in repr(connector)
    assert "***" in repr(connector) and fake.token not in repr(connector.client)


def test_the_handoff_config_builds_this_connector(fake: FakeChatwoot) -> None:
    from connectors.handoff.tools import connector_for

    assert isinstance(connector_for(fake.config()), ChatwootConnector)


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"url": None}, "url"),
        ({"url": "chatwoot.example"}, "url"),
        ({"account_id": None}, "account_id"),
        ({"account_id": "one"}, "account_id"),
        ({"account_id": 0}, "account_id"),
        ({"inbox_id": None}, "inbox_id"),
        ({"inbox_id": True}, "inbox_id"),
        ({"api_access_token": None}, "api_access_token"),
        ({"api_access_token": "  "}, "api_access_token"),
        ({"api_access_token": 123}, "api_access_token"),
        ({"webhook_secret": 42}, "webhook_secret"),
        ({"timeout": -1}, "timeout"),
        ({"timeout": [1, 2, 3]}, "timeout"),
        ({"type": "slack"}, "type"),
    ],
)
def test_from_config_names_the_bad_key(fake: FakeChatwoot, change: Dict[str, Any], key: str) -> None:
    cfg = {k: v for k, v in {**fake.config(), **change}.items() if v is not None}

    with pytest.raises(ValueError, match=rf"livechat\.{key}\b") as error:
        ChatwootConnector.from_config(cfg)
    assert fake.token not in str(error.value)


def test_credentials_fall_back_to_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHATWOOT_WEBHOOK_SECRET", "from-env-secret")
    monkeypatch.setenv("CHATWOOT_INBOX_ID", "7")

    channel = ChatwootAgentInput.from_credentials(None)
    explicit = ChatwootAgentInput.from_credentials({"webhook_secret": "from-credentials", "inbox_id": 9})

    assert ChatwootAgentInput.name() == "chatwoot"
    assert (channel.webhook_secret, channel.inbox_id) == ("from-env-secret", 7)
    assert (explicit.webhook_secret, explicit.inbox_id) == ("from-credentials", 9)
    assert "from-env-secret" not in repr(channel)
