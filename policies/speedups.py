"""Rasa 3.6 performance fixes that configuration cannot reach.

``RemoteAction`` validates every action-server response with
``jsonschema.validate(result, schema)``, which re-checks the (constant) schema
against its meta-schema on every call: 15-17 ms per custom action on these
machines, against 0.4 ms for the validation itself. :func:`apply` swaps in a
validator built once from the same schema, so responses are checked exactly as
before, only without re-validating Rasa's own schema each time.

``DialogueStateTracker.applied_events`` walks every event of the conversation each
time it is called, and one message calls it about ten times (session check, policies,
featurisation): the main per-message cost that still grows with the conversation.
The result depends only on the events, so :func:`apply` memoises it per tracker until
an event is added; callers still get a fresh list they may modify.

Applied by the Rasa server when Tandem's channels start (connectors/handoff/runtime.py);
guarded by the Rasa version it was written against, so an upgrade never runs it blind.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any, Dict, List

logger = logging.getLogger(__name__)

PATCHED_RASA_VERSIONS = ("3.6.",)
_applied = False


@lru_cache(maxsize=1)
def _response_validator() -> Any:
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    spec = RemoteAction.action_response_format_spec()
    return validator_for(spec)(spec)


def apply() -> bool:
    """Install the fixes once; False when this Rasa version is not one they were written for."""
    global _applied
    if _applied:
        return True
    import rasa
    from jsonschema.exceptions import ValidationError
    from rasa.core.actions.action import RemoteAction

    if not rasa.__version__.startswith(PATCHED_RASA_VERSIONS):
        logger.warning("speedups: Rasa %s is not %s; leaving it unpatched", rasa.__version__, PATCHED_RASA_VERSIONS)
        return False
    original = RemoteAction._validate_action_result

    def validate_with_prebuilt_schema(self: RemoteAction, result: Dict[str, Any]) -> bool:
        try:
            _response_validator().validate(result)
        except ValidationError:
            return original(self, result)  # Rasa's own path logs and raises exactly as before
        return True

    RemoteAction._validate_action_result = validate_with_prebuilt_schema
    _memoise_applied_events()
    _applied = True
    return True


def _memoise_applied_events() -> None:
    from rasa.shared.core.trackers import DialogueStateTracker

    compute = DialogueStateTracker.applied_events

    def applied_events(self: DialogueStateTracker) -> List[Any]:
        # Events are only appended (update()); a new deque (a copied or rewound tracker),
        # a new length or a new last event (a deque capped by max_event_history) means
        # the cached walk is stale.
        events = self.events
        key = (id(events), len(events), id(events[-1]) if events else None)
        cached = self.__dict__.get("_tandem_applied")
        if cached is None or cached[0] != key:
            cached = (key, compute(self))
            self.__dict__["_tandem_applied"] = cached
        return list(cached[1])

    DialogueStateTracker.applied_events = applied_events
