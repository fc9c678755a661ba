"""Handoffs to a person: what they are, where they are kept, how they are configured, how long the wait is.

- :mod:`~core.handoff.model`: statuses, records, outbox items and errors;
- :mod:`~core.handoff.tables`, :mod:`~core.handoff.store` and :mod:`~core.handoff.outbox`: the store (any SQLAlchemy database);
- :mod:`~core.handoff.settings`: endpoints.yml's ``livechat`` and data/handoff.yml, validated;
- :mod:`~core.handoff.waiting`: opening hours and waiting estimates.

The action server creates handoffs; the Rasa server (connectors/handoff/) relays and delivers them.
"""
