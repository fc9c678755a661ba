"""Input channels (how customers reach Tandem) and live-agent connectors."""
