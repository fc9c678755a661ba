"""The escalation rules: when a person takes over, and why. Pure: no Rasa, no I/O but reading the rules files.

- ``escalation.schema.json``, ``risks.schema.json``: the files' shape, checked by :mod:`core.yaml_schema`
  with errors that name the key;
- :mod:`~core.escalation.risk_catalogue`: the risk catalogue (data/risks.yml);
- :mod:`~core.escalation.rules` and :mod:`~core.escalation.loading`: the rules (data/escalation.yml), typed and validated;
- :mod:`~core.escalation.signals`: sentiment, frustration and urgent sentences;
- :mod:`~core.escalation.turn`, :mod:`~core.escalation.failures` and :mod:`~core.escalation.decide`: the decision;
- :mod:`~core.escalation.record`: the decision as the tracker records it for the action server.
"""
