"""Live-agent handoff: the handoff store and outbox, the relay between the
customer's channel and the agent's tool, waiting times and business hours."""
