"""Every change Tandem makes to Rasa's own classes: performance fixes configuration cannot reach.

``RemoteAction._validate_action_result``: Rasa validates every action-server response
with ``jsonschema.validate(result, schema)``, which re-checks the (constant) schema
against its meta-schema on every call: 15-17 ms per custom action on these machines,
against 0.4 ms for the validation itself. The patch uses a validator built once from
the same schema, so responses are checked exactly as before.

``DialogueStateTracker.applied_events`` walks every event of the conversation each
time it is called, and one message calls it about ten times (session check, policies,
featurisation): the main per-message cost that still grows with the conversation.
The result depends only on the events, so the patch memoises it per tracker and,
when events were only appended since, extends the memo with them instead of walking
everything again (events that rewind, restart or touch a form's loop recompute it in
full); callers still get a fresh list they may modify.

``RemoteAction._action_call_format``: Rasa sends every custom action the whole
conversation (``EventVerbosity.ALL``), serialised on every call and parsed again by
the action server: with 60 turns that is the largest cost that still grows per
message. Tandem's actions only look back a turn or two, except the handoff, whose
packet carries the transcript. So each action gets the events of the last
``history_user_turns`` user turns, and the ``full_history_actions`` the whole
conversation, both read from ``action_endpoint`` in endpoints.yml (history.py);
without ``history_user_turns`` nothing changes. Slots, the latest message and the
other tracker fields are sent in full as before.

``DialogueStateTracker.copy``: before running each action Rasa copies the tracker by
replaying every event into a new one, two or three times a message. The copy's state
is exactly the original's, so the patch builds it directly from the state fields
(events in a new deque, slots and the active loop copied, so changing the copy leaves
the original alone) and carries the event memos along (events.py).

Applied only by ``apply()``, called by the launcher (cli.py) that every way the
project runs Rasa goes through, and by the tests through the ``rasa_extended``
fixture, which calls ``restore()`` afterwards.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
from functools import lru_cache
from typing import Any, Callable, Dict, FrozenSet, List, Optional, Sequence, Tuple

import rasa
from jsonschema.exceptions import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
)
from rasa.shared.core.trackers import AnySlotDict, DialogueStateTracker, EventVerbosity

from rasa_extensions.events import EVENT_MEMO_PREFIX, EventsMemo, carry_event_memos, nth_last_user_message
from rasa_extensions.history import history_window

# Exact versions: the patches replace private methods, and a patch release may change
# them. On any other version apply() refuses, and so does everything that runs Rasa
# (the launcher, the tests, the scripts) rather than start unpatched: unpatched, the
# bounded action history of endpoints.yml would be silently ignored and `rasa test`,
# the bench and the server would no longer measure what the suite tested. To move to
# another Rasa, add its version here and run the suite against it.
TESTED_RASA_VERSIONS = ("3.6.21",)

# The patched attributes, in the order apply() replaces them.
PATCHED = (
    "RemoteAction._validate_action_result",
    "RemoteAction._action_call_format",
    "DialogueStateTracker.applied_events",
    "DialogueStateTracker.copy",
)
_OWNERS = {"RemoteAction": RemoteAction, "DialogueStateTracker": DialogueStateTracker}
_APPLIED_MEMO = EVENT_MEMO_PREFIX + "applied"

# "Class.attribute" -> Rasa's own object, while the patches are applied.
_originals: Dict[str, Any] = {}


class UntestedRasaError(RuntimeError):
    """The installed Rasa is not a version the patches were tested with."""


def check_version() -> None:
    """Raise UntestedRasaError unless the installed Rasa is one of ``TESTED_RASA_VERSIONS``."""
    if rasa.__version__ not in TESTED_RASA_VERSIONS:
        raise UntestedRasaError(
            f"Tandem's Rasa extensions (rasa_extensions/patches.py) are tested with Rasa {', '.join(TESTED_RASA_VERSIONS)}, "
            f"but Rasa {rasa.__version__} is installed: install rasa=={TESTED_RASA_VERSIONS[-1]}, or add "
            f"{rasa.__version__} to TESTED_RASA_VERSIONS once the test suite passes on it"
        )


def applied() -> bool:
    return bool(_originals)


def apply() -> None:
    """Replace every attribute of ``PATCHED``; a second call changes nothing. Raises UntestedRasaError."""
    if _originals:
        return
    check_version()
    replacements = _replacements()
    for name in PATCHED:
        owner, attribute = _owner(name)
        if attribute not in vars(owner):  # inherited: replacing it would shadow, not patch
            raise UntestedRasaError(f"{name} is no longer defined on {owner.__name__}; the patch needs rewriting")
    for name in PATCHED:
        owner, attribute = _owner(name)
        _originals[name] = vars(owner)[attribute]
        setattr(owner, attribute, replacements[name])


def restore() -> None:
    """Put Rasa's own objects back; without applied patches it changes nothing."""
    for name, original in reversed(list(_originals.items())):
        owner, attribute = _owner(name)
        setattr(owner, attribute, original)
    _originals.clear()


def original(name: str) -> Any:
    """Rasa's own object for ``name`` of ``PATCHED``, whether or not the patches are applied."""
    if name in _originals:
        return _originals[name]
    owner, attribute = _owner(name)
    return vars(owner)[attribute]


def _owner(name: str) -> Tuple[type, str]:
    owner, attribute = name.split(".")
    return _OWNERS[owner], attribute


def _replacements() -> Dict[str, Callable[..., Any]]:
    return {
        "RemoteAction._validate_action_result": _validate_with_prebuilt_schema,
        "RemoteAction._action_call_format": _action_call_format,
        "DialogueStateTracker.applied_events": _memoised_applied_events,
        "DialogueStateTracker.copy": _copy_without_replay,
    }


# -- action responses ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _response_validator() -> Any:
    spec = RemoteAction.action_response_format_spec()
    return validator_for(spec)(spec)


def _validate_with_prebuilt_schema(self: RemoteAction, result: Dict[str, Any]) -> bool:
    try:
        _response_validator().validate(result)
    except ValidationError:
        # Rasa's own path logs and raises exactly as before.
        return original("RemoteAction._validate_action_result")(self, result)
    return True


# -- applied events -----------------------------------------------------------------------------


def rasa_applied_events(tracker: DialogueStateTracker) -> List[Any]:
    """Rasa's own walk of every event; the memo's full recompute (tests count its calls)."""
    return original("DialogueStateTracker.applied_events")(tracker)


def _appends_only(new_events: Sequence[Any], loop_names: FrozenSet[str]) -> bool:
    """True when Rasa's applied-events walk would simply append each of ``new_events``."""
    for event in new_events:
        if isinstance(event, (Restarted, SessionStarted, ActionReverted, UserUtteranceReverted)):
            return False
        if isinstance(event, ActiveLoop) and event.name and event.name not in loop_names:
            return False  # a new loop name changes how earlier events are read
        if isinstance(event, ActionExecuted) and event.action_name in loop_names:
            return False
    return True


def _memoised_applied_events(self: DialogueStateTracker) -> List[Any]:
    events = self.events
    memo: Optional[EventsMemo] = self.__dict__.get(_APPLIED_MEMO)
    if memo is not None and memo.covers_a_prefix_of(events):
        applied_so_far, loop_names = memo.value
        if len(events) == memo.length:
            return list(applied_so_far)
        new_events = list(itertools.islice(events, memo.length, None))
        if _appends_only(new_events, loop_names):
            applied_so_far = applied_so_far + tuple(new_events)
            self.__dict__[_APPLIED_MEMO] = EventsMemo.of(events, (applied_so_far, loop_names))
            return list(applied_so_far)
    walked = tuple(rasa_applied_events(self))
    loop_names = frozenset(event.name for event in events if isinstance(event, ActiveLoop) and event.name)
    self.__dict__[_APPLIED_MEMO] = EventsMemo.of(events, (walked, loop_names))
    return list(walked)


# -- the history sent to custom actions ---------------------------------------------------------


def _action_call_format(self: RemoteAction, tracker: Any, domain: Any) -> Dict[str, Any]:
    whole_conversation = original("RemoteAction._action_call_format")
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


# -- tracker copies -----------------------------------------------------------------------------


def _copy_without_replay(self: DialogueStateTracker) -> DialogueStateTracker:
    if type(self) is not DialogueStateTracker or isinstance(self.slots, AnySlotDict):
        return original("DialogueStateTracker.copy")(self)
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
