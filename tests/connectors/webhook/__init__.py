"""The generic signed webhook (connectors/webhook.py): delivery to a tiny local receiver and error
classification (test_connector.py), and agents' signed events through ``WebhookAgentInput`` on
a real Sanic server (test_inbound.py)."""
