"""The escalation rules: when a person takes over, and why. Pure: no Rasa, no I/O but reading the rules files.

- :mod:`~core.escalation.rules_file`: reading a designer's YAML with errors that name the key;
- :mod:`~core.escalation.risk_catalogue`: the risk catalogue (data/risks.yml);
- :mod:`~core.escalation.rules` and :mod:`~core.escalation.loading`: the rules (data/escalation.yml), typed and validated;
- :mod:`~core.escalation.signals`: sentiment and frustration, shared with the handoff packet;
- :mod:`~core.escalation.turn`, :mod:`~core.escalation.failures` and :mod:`~core.escalation.decide`: the decision.
"""
