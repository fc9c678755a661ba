"""Chatwoot as Tandem's live-chat tool (``livechat.type: chatwoot`` in endpoints.yml).

- :mod:`connectors.chatwoot.client`: ``ChatwootClient`` and its errors
  (``ChatwootError`` → ``ChatwootUnavailable`` (retryable) / ``ChatwootRejected``);
- :mod:`connectors.chatwoot.connector`: ``ChatwootConnector``, outbound delivery of
  handoffs, customer messages and closes to an API-channel inbox;
- :mod:`connectors.chatwoot.inbound`: ``ChatwootAgentInput``, the Rasa input channel at
  ``/webhooks/chatwoot/webhook`` that turns agents' actions into ``AgentActions`` calls.

Setup and behaviour: docs/chatwoot.md.
"""

from __future__ import annotations

from connectors.chatwoot.client import ChatwootClient, ChatwootError, ChatwootRejected, ChatwootUnavailable
from connectors.chatwoot.connector import ChatwootConnector
from connectors.chatwoot.inbound import ChatwootAgentInput

__all__ = [
    "ChatwootAgentInput",
    "ChatwootClient",
    "ChatwootConnector",
    "ChatwootError",
    "ChatwootRejected",
    "ChatwootUnavailable",
]
