"""Slack, for customers and for agents. Setup and behaviour: docs/slack.md.

Customers (credentials.yml ``connectors.slack.SlackInput``):

- :mod:`connectors.slack.channel`: ``SlackInput``, the input channel at ``/webhooks/slack/webhook``;
- :mod:`connectors.slack.conversation`: which conversation a message or click belongs to;
- :mod:`connectors.slack.output`: ``SlackOutput``, replies into the customer's DM or thread;
- :mod:`connectors.slack.markup`: Slack markup as the text a website visitor would type.

Agents (``livechat.type: slack`` in endpoints.yml, credentials.yml ``connectors.slack.SlackAgentsInput``):

- :mod:`connectors.slack.connector`: ``SlackAgentsConnector``, handoffs posted to the agents' channel;
- :mod:`connectors.slack.packet`: the handoff packet as Block Kit, with its buttons;
- :mod:`connectors.slack.agents`: ``SlackAgentsInput``, agents' thread replies and button clicks.

Both:

- :mod:`connectors.slack.client`: the Web API clients and their errors
  (``SlackError`` → ``SlackUnavailable`` (retryable) / ``SlackRejected``);
- :mod:`connectors.slack.retry`: ``RetryPolicy``, slack_sdk's retry handlers for the customers' replies;
- :mod:`connectors.slack.verify`: request signatures (slack_sdk's ``SignatureVerifier``);
- :mod:`connectors.slack.inbound`: credentials, parsing, acknowledging and deduplicating Slack's requests,
  and the work done after acknowledging;
- :mod:`connectors.slack.blocks`: Block Kit builders.
"""

from __future__ import annotations

from connectors.slack.agents import SlackAgentsInput
from connectors.slack.channel import SlackInput
from connectors.slack.client import SlackError, SlackRejected, SlackUnavailable
from connectors.slack.connector import SlackAgentsConnector

__all__ = [
    "SlackAgentsConnector",
    "SlackAgentsInput",
    "SlackError",
    "SlackInput",
    "SlackRejected",
    "SlackUnavailable",
]
