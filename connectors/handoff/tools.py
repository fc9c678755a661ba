"""The live-chat connector chosen by ``livechat.type`` in endpoints.yml."""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional

from connectors.handoff.livechat import LiveChatConnector, OutboxItem


class DeskConnector(LiveChatConnector):
    """The built-in agent desk reads handoffs straight from the store, so there is
    nothing to send: an item is delivered the moment it is committed."""

    type_name = "desk"

    def deliver(self, item: OutboxItem) -> Optional[Dict[str, Any]]:
        return None


def connector_for(livechat: Mapping[str, Any]) -> LiveChatConnector:
    kind = livechat.get("type", "desk")
    if kind == "desk":
        return DeskConnector()
    if kind == "chatwoot":
        from connectors.chatwoot import ChatwootConnector

        return ChatwootConnector.from_config(livechat)
    if kind == "slack":
        from connectors.slack import SlackAgentsConnector

        return SlackAgentsConnector.from_config(livechat)
    if kind == "webhook":
        from connectors.webhook import WebhookConnector

        return WebhookConnector.from_config(livechat)
    raise ValueError(f"livechat.type {kind!r} is not one of desk, chatwoot, slack, webhook")
