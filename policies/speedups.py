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
The result depends only on the events, so :func:`apply` memoises it per tracker and,
when events were only appended since, extends the memo with them instead of walking
everything again (events that rewind, restart or touch a form's loop recompute it in
full); callers still get a fresh list they may modify. Such memos (attributes named
``EVENT_MEMO_PREFIX...``) check the identity of the events they were built from, so a
tracker copy, which shares its events, carries them along.

Rasa sends every custom action the whole conversation (``EventVerbosity.ALL``),
serialised on every call and parsed again by the action server: with 60 turns
that is the largest cost that still grows per message. Tandem's actions only look
back a turn or two, except the handoff, whose packet carries the transcript. So
:func:`apply` sends each action the events of the last ``history_user_turns`` user
turns, and the whole conversation to the ``full_history_actions``, both read from
``action_endpoint`` in endpoints.yml; without ``history_user_turns`` nothing changes.
Slots, the latest message and the other tracker fields are sent in full as before.

Before running each action Rasa copies the tracker (``DialogueStateTracker.copy``)
by replaying every event into a new one, two or three times a message. The copy's
state is exactly the original's, so :func:`apply` builds it directly from the
state fields instead (events in a new deque, slots and the active loop copied, so
changing the copy leaves the original alone).

Applied by the Rasa server when Tandem's channels start (connectors/handoff/runtime.py);
guarded by the Rasa version it was written against, so an upgrade never runs it blind.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Dict, FrozenSet, List, Optional, Sequence, Tuple

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
    _bound_action_history()
    _copy_trackers_without_replay()
    _applied = True
    return True


EVENT_MEMO_PREFIX = "_tandem_memo_"
_APPLIED_MEMO = EVENT_MEMO_PREFIX + "applied"
_rasa_applied_events: Any = None  # Rasa's own walk, kept by apply() for full recomputes


@dataclass(frozen=True)
class EventsMemo:
    """A value computed from a tracker's first ``length`` events, which were ``first`` ... ``last``.

    Events are only ever appended to a tracker (a capped deque drops the oldest), so
    when a tracker still holds the same objects at both ends of that prefix, the
    prefix is the one the value was computed from."""

    length: int
    first: Any
    last: Any
    value: Any

    @classmethod
    def of(cls, events: Sequence[Any], value: Any, length: Optional[int] = None) -> EventsMemo:
        """The memo of ``value`` computed from ``events[:length]`` (all of them by default)."""
        length = len(events) if length is None else length
        return cls(length, events[0], events[length - 1], value) if length else cls(0, None, None, value)

    def covers_a_prefix_of(self, events: Sequence[Any]) -> bool:
        if self.length == 0:
            return True
        if len(events) < self.length:
            return False
        return events[0] is self.first and events[self.length - 1] is self.last


def _appends_only(new_events: Sequence[Any], loop_names: FrozenSet[str]) -> bool:
    """True when Rasa's applied-events walk would simply append each of ``new_events``."""
    from rasa.shared.core.events import (
        ActionExecuted,
        ActionReverted,
        ActiveLoop,
        Restarted,
        SessionStarted,
        UserUtteranceReverted,
    )

    for event in new_events:
        if isinstance(event, (Restarted, SessionStarted, ActionReverted, UserUtteranceReverted)):
            return False
        if isinstance(event, ActiveLoop) and event.name and event.name not in loop_names:
            return False  # a new loop name changes how earlier events are read
        if isinstance(event, ActionExecuted) and event.action_name in loop_names:
            return False
    return True


def _memoise_applied_events() -> None:
    from rasa.shared.core.events import ActiveLoop
    from rasa.shared.core.trackers import DialogueStateTracker

    global _rasa_applied_events
    _rasa_applied_events = DialogueStateTracker.applied_events

    def applied_events(self: DialogueStateTracker) -> List[Any]:
        events = self.events
        memo: Optional[EventsMemo] = self.__dict__.get(_APPLIED_MEMO)
        if memo is not None and memo.covers_a_prefix_of(events):
            applied, loop_names = memo.value
            if len(events) == memo.length:
                return list(applied)
            new_events = list(itertools.islice(events, memo.length, None))
            if _appends_only(new_events, loop_names):
                applied = applied + tuple(new_events)
                self.__dict__[_APPLIED_MEMO] = EventsMemo.of(events, (applied, loop_names))
                return list(applied)
        applied = tuple(_rasa_applied_events(self))
        loop_names = frozenset(event.name for event in events if isinstance(event, ActiveLoop) and event.name)
        self.__dict__[_APPLIED_MEMO] = EventsMemo.of(events, (applied, loop_names))
        return list(applied)

    DialogueStateTracker.applied_events = applied_events


def carry_event_memos(source: Any, target: Any) -> None:
    """Give ``target`` (holding the same events, or more) ``source``'s memos; each checks its events before use."""
    for name, memo in source.__dict__.items():
        if name.startswith(EVENT_MEMO_PREFIX):
            target.__dict__[name] = memo


HISTORY_USER_TURNS_KEY = "history_user_turns"
FULL_HISTORY_ACTIONS_KEY = "full_history_actions"


def history_window(endpoint: Any) -> Optional[Tuple[int, FrozenSet[str]]]:
    """(user turns, actions that get everything) from an action endpoint, or None to send everything.

    Raises ValueError naming the key when endpoints.yml holds a value that cannot work."""
    settings = getattr(endpoint, "kwargs", None) or {}
    turns = settings.get(HISTORY_USER_TURNS_KEY)
    if turns is None:
        return None
    if isinstance(turns, bool) or not isinstance(turns, int) or turns < 1:
        raise ValueError(f"action_endpoint.{HISTORY_USER_TURNS_KEY} must be a whole number of at least 1, not {turns!r}")
    full = settings.get(FULL_HISTORY_ACTIONS_KEY) or []
    if not isinstance(full, list) or not all(isinstance(name, str) for name in full):
        raise ValueError(f"action_endpoint.{FULL_HISTORY_ACTIONS_KEY} must be a list of action names, not {full!r}")
    return turns, frozenset(full)


def nth_last_user_message(events: Sequence[Any], n: int) -> Optional[int]:
    """Index of the ``n``-th user message counted from the end of ``events``, or None when there are fewer."""
    from rasa.shared.core.events import UserUttered

    seen = 0
    for index in range(len(events) - 1, -1, -1):
        if isinstance(events[index], UserUttered):
            seen += 1
            if seen == n:
                return index
    return None


def _bound_action_history() -> None:
    import rasa
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.trackers import EventVerbosity

    whole_conversation = RemoteAction._action_call_format

    def action_call_format(self: RemoteAction, tracker: Any, domain: Any) -> Dict[str, Any]:
        window = history_window(self.action_endpoint)
        if window is None or self.name() in window[1]:
            return whole_conversation(self, tracker, domain)
        events = list(tracker.events)
        start = nth_last_user_message(events, window[0])
        if not start:  # fewer user turns than the window, or exactly as many: that is everything
            return whole_conversation(self, tracker, domain)
        state = tracker.current_state(EventVerbosity.NONE)
        state["events"] = [event.as_dict() for event in events[start:]]
        payload = {"next_action": self._name, "sender_id": tracker.sender_id, "tracker": state, "version": rasa.__version__}
        # Same domain rule as Rasa's own payload (selective domain).
        if not self._is_selective_domain_enabled() or domain.does_custom_action_explicitly_need_domain(self.name()):
            payload["domain"] = domain.as_dict()
        return payload

    RemoteAction._action_call_format = action_call_format


def _copy_trackers_without_replay() -> None:
    import copy
    import dataclasses

    from rasa.shared.core.trackers import AnySlotDict, DialogueStateTracker

    replay_copy = DialogueStateTracker.copy

    def copy_tracker(self: DialogueStateTracker) -> DialogueStateTracker:
        if type(self) is not DialogueStateTracker or isinstance(self.slots, AnySlotDict):
            return replay_copy(self)
        duplicate = self.init_copy()
        duplicate.events = duplicate._create_events(list(self.events))
        # The fields events change (Event.apply_to); events and UserUttered/BotUttered
        # objects are shared, exactly as a replay shares them.
        duplicate.slots = {name: copy.copy(slot) for name, slot in self.slots.items()}
        duplicate._paused = self._paused
        duplicate.followup_action = self.followup_action
        duplicate.latest_action = dict(self.latest_action) if self.latest_action is not None else None
        duplicate.latest_message = self.latest_message
        duplicate.latest_bot_utterance = self.latest_bot_utterance
        duplicate.active_loop = dataclasses.replace(self.active_loop) if self.active_loop else self.active_loop
        carry_event_memos(self, duplicate)
        return duplicate

    DialogueStateTracker.copy = copy_tracker
