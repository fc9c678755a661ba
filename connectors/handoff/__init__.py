"""Live-agent handoff in the Rasa server: the relay between the customer's channel and the
agent's tool, the outbox dispatcher, and the contract live-chat connectors implement.
The handoff store, its settings and the waiting estimates are domain code: core/handoff/."""
