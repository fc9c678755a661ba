"""Rule and memoization policies whose cost does not grow with the conversation.

Rasa builds the dialogue states of the *whole* tracker before a policy slices
them to ``max_history`` (``Domain.states_for_tracker_history``), so per-message
latency grows with every turn. These subclasses hand the stock policies a
tracker cut to the last ``max_turns`` user turns instead. The cut tracker
starts from the slot values and active loop the full tracker had at the cut,
so every state inside the window is identical to the one Rasa would compute,
and predictions only differ when a rule or story spans more than
``max_turns`` user turns, which ``validate_max_turns`` refuses at train time.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa.core.policies.memoization import MemoizationPolicy
from rasa.core.policies.policy import PolicyPrediction
from rasa.core.policies.rule_policy import RulePolicy
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    AllSlotsReset,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException

from rasa_extensions.events import EVENT_MEMO_PREFIX, EventsMemo, nth_last_user_message

STATE_EVENTS = (SlotSet, AllSlotsReset, ActiveLoop, Restarted, SessionStarted)
MAX_TURNS_KEY = "max_turns"
DEFAULT_MAX_TURNS = 6
_CUT_MEMO = EVENT_MEMO_PREFIX + "cut"


class InvalidSlicingConfig(RasaException):
    """``max_turns`` cannot keep the policy's predictions unchanged."""


def slice_tracker(tracker: DialogueStateTracker, max_turns: int) -> DialogueStateTracker:
    """A copy of ``tracker`` holding only its last ``max_turns`` user turns.

    Returns ``tracker`` itself when it is already short enough.
    """
    events = tracker.applied_events()
    cut = nth_last_user_message(events, max_turns + 1)  # the newest user message left out
    if cut is None:
        return tracker
    # Start the window at the bot's turn that follows the oldest dropped user
    # message, so the window begins on an action like a real tracker does.
    while cut < len(events) and not isinstance(events[cut], ActionExecuted):
        cut += 1

    window = tracker.init_copy()
    for event in [*_state_at(tracker, events, cut), *events[cut:]]:
        window.update(event)
    window.followup_action = tracker.followup_action
    return window


def _state_at(tracker: DialogueStateTracker, events: List[Event], cut: int) -> List[Event]:
    """Events that set the slots and active loop ``events[:cut]`` leave behind.

    Only those events matter in the prefix. The answer is memoised on the tracker
    (and carried by its copies), so the next cut, a few events further on, only
    replays the events in between: the cost stays flat as the conversation grows."""
    memo: Optional[EventsMemo] = tracker.__dict__.get(_CUT_MEMO)
    prefix = tracker.init_copy()
    start = 0
    if memo is not None and memo.length <= cut and memo.covers_a_prefix_of(events):
        for event in memo.value:
            prefix.update(event)
        start = memo.length
    for event in events[start:cut]:
        if isinstance(event, STATE_EVENTS):
            prefix.update(event)

    carried: List[Event] = [SlotSet(name, slot.value) for name, slot in prefix.slots.items() if slot.value != slot.initial_value]
    if prefix.active_loop_name:
        carried.append(ActiveLoop(prefix.active_loop_name))
    tracker.__dict__[_CUT_MEMO] = EventsMemo.of(events, tuple(carried), length=cut)
    return carried


def validate_max_turns(config: Dict[str, Any], minimum: int) -> int:
    max_turns = config.get(MAX_TURNS_KEY)
    if not isinstance(max_turns, int) or isinstance(max_turns, bool) or max_turns < minimum:
        raise InvalidSlicingConfig(
            f"'{MAX_TURNS_KEY}' must be an integer of at least {minimum} "
            f"(got {max_turns!r}); raise it in config.yml so the policy sees "
            f"every turn its rules and stories span."
        )
    return max_turns


class _LastCut:
    """The latest cut, shared by the policies predicting on the same tracker state.

    Both sliced policies see the same tracker for each prediction; the entry keeps
    the tracker object itself (not its id, which Python may reuse) and its length,
    so a tracker that changed in between is cut again."""

    def __init__(self) -> None:
        self.key: Optional[tuple] = None
        self.window: Optional[DialogueStateTracker] = None

    def get(self, tracker: DialogueStateTracker, max_turns: int) -> DialogueStateTracker:
        key = (tracker, len(tracker.events), tracker.followup_action, max_turns)
        if self.key is None or self.key[0] is not tracker or self.key[1:] != key[1:]:
            self.window = slice_tracker(tracker, max_turns)
            self.key = key
        return self.window  # type: ignore[return-value]


_last_cut = _LastCut()


class SlicedPredictionMixin:
    """Hands the wrapped policy a tracker cut to its last ``max_turns`` user turns.

    ``max_turns`` must be at least the wrapped policy's ``min_turns``: the most user turns
    one of its rules or stories can span (``validate_max_turns``)."""

    config: Dict[str, Any]
    _max_turns: int

    @classmethod
    def get_default_config(cls) -> Dict[str, Any]:
        # The wrapped policy's defaults, and how many user turns it is handed.
        return {**super().get_default_config(), MAX_TURNS_KEY: DEFAULT_MAX_TURNS}  # type: ignore[misc]

    def __init__(self, config: Dict[str, Any], *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)  # type: ignore[call-arg]
        self._max_turns = validate_max_turns(self.config, minimum=self.min_turns())

    def min_turns(self) -> int:
        raise NotImplementedError

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Optional[Dict[str, Any]] = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        return super().predict_action_probabilities(  # type: ignore[misc]
            _last_cut.get(tracker, self._max_turns), domain, rule_only_data, **kwargs
        )


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True)
class SlicedMemoizationPolicy(SlicedPredictionMixin, MemoizationPolicy):
    """MemoizationPolicy that only looks at the last ``max_turns`` user turns."""

    def min_turns(self) -> int:
        # A turn holds at least two states (user message, bot action), so `max_history`
        # states always fit when max_turns >= max_history.
        return self.config.get("max_history") or 1


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True)
class SlicedRulePolicy(SlicedPredictionMixin, RulePolicy):
    """RulePolicy that only looks at the last ``max_turns`` user turns."""

    def min_turns(self) -> int:
        # Rasa restricts a rule to one user message, so a rule spans at most two user
        # turns (the one that triggers it and the one before its first action).
        return self.ALLOWED_NUMBER_OF_USER_INPUTS + 1
