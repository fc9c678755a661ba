"""The sliced policies see exactly the states the stock policies would, in their window."""

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from policies.sliced import InvalidSlicingConfig, SlicedMemoizationPolicy, SlicedRulePolicy, slice_tracker
from scripts.stack import ROOT

TOPICS = ["order_status", "refund_status", "payment_failed", "login_problem", "invoice"]


@pytest.fixture(scope="module")
def rasa_domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


def conversation(rasa_domain: Domain, turns: int) -> DialogueStateTracker:
    events = [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]
    for turn in range(turns):
        topic = TOPICS[turn % len(TOPICS)]
        events += [
            UserUttered(f"message {turn}", {"name": topic, "confidence": 0.9}),
            ActionExecuted(f"utter_{topic}"),
        ]
        if turn == 3:
            events.append(SlotSet("failed_attempts", 1.0))
        events.append(ActionExecuted("action_listen"))
    return DialogueStateTracker.from_events("c", events, rasa_domain.slots)


@pytest.mark.parametrize("turns", [1, 6, 7, 40])
@pytest.mark.parametrize("max_turns", [2, 6])
def test_window_states_match_the_full_tracker(rasa_domain, turns, max_turns):
    full = conversation(rasa_domain, turns)

    window = slice_tracker(full, max_turns)

    full_states = full.past_states(rasa_domain)
    window_states = window.past_states(rasa_domain)
    compared = 2 * max_turns
    assert window_states[-compared:] == full_states[-compared:]
    assert window.current_slot_values() == full.current_slot_values()
    assert window.latest_message.intent == full.latest_message.intent


def test_window_is_bounded(rasa_domain):
    window = slice_tracker(conversation(rasa_domain, 60), 6)

    assert sum(isinstance(e, UserUttered) for e in window.events) == 6


def test_short_trackers_are_passed_through(rasa_domain):
    tracker = conversation(rasa_domain, 3)

    assert slice_tracker(tracker, 6) is tracker


@pytest.mark.parametrize(
    ("policy", "config"),
    [
        (SlicedMemoizationPolicy, {"max_history": 5, "max_turns": 3}),
        (SlicedMemoizationPolicy, {"max_turns": "six"}),
        (SlicedRulePolicy, {"max_turns": 1}),
    ],
    ids=["memo-window-shorter-than-history", "memo-not-an-int", "rule-window-too-short"],
)
def test_a_window_too_small_fails_training(policy, config, tmp_path):
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource

    with pytest.raises(InvalidSlicingConfig, match="max_turns"):
        policy.create(
            {**policy.get_default_config(), **config},
            LocalModelStorage(tmp_path),
            Resource("policy"),
            ExecutionContext(GraphSchema({}), "test"),
        )


def untimed(events) -> list:
    return [{key: value for key, value in e.as_dict().items() if key != "timestamp"} for e in events]


def eventful_script(rasa_domain: Domain) -> list:
    """A conversation that sets, resets and rewinds state on the way: what the cut memo must survive."""
    from rasa.shared.core.events import ActiveLoop, AllSlotsReset, Restarted, UserUtteranceReverted

    events = list(conversation(rasa_domain, 9).events)
    events += [SlotSet("kb_article", "returns-policy"), ActiveLoop("some_form")]
    events += list(conversation(rasa_domain, 8).events)[3:]
    events += [UserUttered("oops", {"name": "deny", "confidence": 0.9}), UserUtteranceReverted(), ActiveLoop(None)]
    events += [AllSlotsReset(), *list(conversation(rasa_domain, 8).events)[3:], SlotSet("handoff_reason", "customer_request")]
    events += [Restarted(), *list(conversation(rasa_domain, 10).events)]
    return events


@pytest.mark.parametrize("max_turns", [2, 6])
def test_a_growing_tracker_is_cut_as_a_fresh_one_would_be(rasa_domain, max_turns, rasa_extended):
    # The same tracker sliced after every event reuses its cut memo (and copies carry it);
    # each window must equal the one cut from a tracker that never had a memo.
    grown = DialogueStateTracker("c", rasa_domain.slots)
    for event in eventful_script(rasa_domain):
        grown.update(event)
        if not isinstance(event, ActionExecuted):
            continue
        fresh = DialogueStateTracker.from_events("c", list(grown.events), rasa_domain.slots)
        for tracker in (grown, grown.copy()):
            window, expected = slice_tracker(tracker, max_turns), slice_tracker(fresh, max_turns)
            assert window.current_slot_values() == expected.current_slot_values()
            assert window.active_loop_name == expected.active_loop_name
            assert untimed(window.events) == untimed(expected.events)  # carried SlotSets are new events
