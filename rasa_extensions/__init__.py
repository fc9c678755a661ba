"""Tandem's extensions of Rasa's internals, in one place.

- ``patches``: every change Tandem makes to Rasa's own classes, ``apply()`` and
  ``restore()``, and the guard to the Rasa versions they were tested with.
- ``cli``: ``python -m rasa_extensions.cli <rasa arguments>``, Rasa's command line with
  the patches applied first; every way the project runs Rasa goes through it.
- ``events``, ``history``: pure helpers the patches, the policies and the connectors
  share (event memos, the action-history window), so those never import each other.

This package may import Rasa, third-party libraries and ``core``; never ``policies``,
``actions``, ``connectors`` or ``scripts``. Importing it changes nothing.
"""
