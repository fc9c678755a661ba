"""The bounded history custom actions receive (policies/speedups.py)."""

from types import SimpleNamespace

import pytest
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUtteranceReverted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa.utils.endpoints import EndpointConfig

from connectors.handoff.config import HandoffConfigError, load_settings
from policies import speedups
from scripts.stack import ROOT


@pytest.fixture(scope="module")
def domain():
    return Domain.load(str(ROOT / "domain.yml"))


def conversation(domain, turns):
    tracker = DialogueStateTracker("bounded", domain.slots)
    for event in [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]:
        tracker.update(event)
    for n in range(turns):
        for event in [
            UserUttered(f"question {n}", {"name": "order_status", "confidence": 0.9}, metadata={"customer_tier": "vip"}),
            ActionExecuted("action_answer_from_kb"),
            BotUttered(f"answer {n}", metadata={"utter_action": "utter_kb_answer"}),
            SlotSet("kb_article", f"article-{n}"),
            ActionExecuted("action_listen"),
        ]:
            tracker.update(event)
    return tracker


def payload(domain, tracker, action, **endpoint):
    speedups.apply()
    remote = RemoteAction(action, EndpointConfig("http://127.0.0.1:1/webhook", **endpoint))
    return remote._action_call_format(tracker, domain)


def test_actions_get_the_last_user_turns_and_everything_else_in_full(domain):
    tracker = conversation(domain, 20)

    sent = payload(domain, tracker, "action_answer_from_kb", history_user_turns=6, full_history_actions=["action_handoff"])

    events = sent["tracker"]["events"]
    assert [e["text"] for e in events if e["event"] == "user"] == [f"question {n}" for n in range(14, 20)]
    assert events[0]["event"] == "user"
    assert events == [e.as_dict() for e in list(tracker.events)[-len(events) :]]
    whole = tracker.current_state()
    assert {k: v for k, v in sent["tracker"].items() if k != "events"} == {k: v for k, v in whole.items() if k != "events"}
    assert sent["tracker"]["slots"]["kb_article"] == "article-19"
    assert "domain" in sent and sent["next_action"] == "action_answer_from_kb"


def test_the_handoff_and_short_conversations_get_every_event(domain):
    long, short = conversation(domain, 20), conversation(domain, 3)
    settings = {"history_user_turns": 6, "full_history_actions": ["action_handoff"]}

    assert len(payload(domain, long, "action_handoff", **settings)["tracker"]["events"]) == len(long.events)
    assert len(payload(domain, short, "action_answer_from_kb", **settings)["tracker"]["events"]) == len(short.events)
    assert len(payload(domain, long, "action_answer_from_kb")["tracker"]["events"]) == len(long.events)  # not configured


@pytest.mark.parametrize(
    ("settings", "key"),
    [
        ({"history_user_turns": 0}, "history_user_turns"),
        ({"history_user_turns": "six"}, "history_user_turns"),
        ({"history_user_turns": True}, "history_user_turns"),
        ({"history_user_turns": 6, "full_history_actions": "action_handoff"}, "full_history_actions"),
    ],
)
def test_bad_history_settings_are_refused_naming_the_key(settings, key):
    with pytest.raises(ValueError, match=key):
        speedups.history_window(SimpleNamespace(kwargs=settings))


def test_the_server_refuses_to_start_with_bad_history_settings(tmp_path):
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("action_endpoint:\n  url: http://127.0.0.1:5055/webhook\n  history_user_turns: -2\n")

    with pytest.raises(HandoffConfigError, match="history_user_turns"):
        load_settings({"TANDEM_ENDPOINTS": str(endpoints)})


def test_the_projects_endpoints_bound_history_but_not_for_the_handoff():
    import yaml

    window = speedups.history_window(
        SimpleNamespace(kwargs=yaml.safe_load((ROOT / "endpoints.yml").read_text())["action_endpoint"])
    )

    assert window is not None and window[0] >= 2 and "action_handoff" in window[1]


def test_a_copied_tracker_has_the_replayed_state_and_is_independent(domain):
    from rasa.shared.core.events import (
        ActionExecutionRejected,
        ActiveLoop,
        ConversationPaused,
        ConversationResumed,
        FollowupAction,
        LoopInterrupted,
        Restarted,
    )

    speedups.apply()
    tracker = conversation(domain, 4)
    script = [
        ActiveLoop("some_form"),
        LoopInterrupted(True),
        ActionExecutionRejected("some_form"),
        ConversationPaused(),
        FollowupAction("action_handoff"),
        SlotSet("failed_attempts", 2.0),
        ConversationResumed(),
        Restarted(),
        *conversation(domain, 2).events,
        ActiveLoop("other_form"),
    ]
    for event in script:
        tracker.update(event)
        duplicate = tracker.copy()
        replayed = tracker.travel_back_in_time(float("inf"))

        assert duplicate.current_state(EventVerbosity.ALL) == replayed.current_state(EventVerbosity.ALL)
        assert duplicate.is_paused() == replayed.is_paused() and duplicate.active_loop == replayed.active_loop
        assert duplicate.followup_action == replayed.followup_action

    before = tracker.current_state(EventVerbosity.ALL)
    duplicate = tracker.copy()
    duplicate.update(SlotSet("kb_article", "changed"))
    duplicate.update(LoopInterrupted(True))
    duplicate.update(UserUttered("another", {"name": "greet", "confidence": 1.0}))
    assert tracker.current_state(EventVerbosity.ALL) == before


def test_applied_events_follow_every_added_event_as_rasas_walk_does(domain):
    # Appended events extend the memo; rewinds, restarts and form loops recompute it.
    # Every step is checked against Rasa's own walk on a tracker with no memo, on the
    # tracker itself and on a copy (which carries the memo).
    from rasa.shared.core.events import ActionReverted, ActiveLoop, Restarted

    speedups.apply()
    script = [
        *conversation(domain, 3).events,
        UserUttered("wrong", {"name": "deny", "confidence": 0.9}),
        UserUtteranceReverted(),
        ActionExecuted("utter_greet"),
        ActionReverted(),
        ActiveLoop("some_form"),
        ActionExecuted("some_form"),
        UserUttered("in the form", {"name": "inform", "confidence": 0.9}),
        ActionExecuted("some_form"),
        ActiveLoop(None),
        *conversation(domain, 2).events,
        Restarted(),
        *conversation(domain, 2).events,
    ]
    tracker = DialogueStateTracker("memo", domain.slots)
    for event in script:
        tracker.update(event)
        fresh = DialogueStateTracker.from_events("memo", list(tracker.events), domain.slots)
        expected = [e.as_dict() for e in speedups._rasa_applied_events(fresh)]
        assert [e.as_dict() for e in tracker.applied_events()] == expected
        assert [e.as_dict() for e in tracker.copy().applied_events()] == expected


def test_a_long_conversation_extends_its_applied_events_instead_of_walking_them_again(domain, monkeypatch):
    speedups.apply()
    full_walks = []
    rasa_walk = speedups._rasa_applied_events
    monkeypatch.setattr(speedups, "_rasa_applied_events", lambda tracker: full_walks.append(1) or rasa_walk(tracker))
    tracker = conversation(domain, 60)
    tracker.applied_events()
    assert full_walks == [1]

    duplicate = tracker.copy()
    duplicate.update(UserUttered("one more", {"name": "order_status", "confidence": 0.9}))
    duplicate.update(ActionExecuted("action_answer_from_kb"))
    applied = duplicate.applied_events()

    assert full_walks == [1]
    assert [e.as_dict() for e in applied] == [e.as_dict() for e in rasa_walk(duplicate)]
    duplicate.update(UserUtteranceReverted())
    duplicate.applied_events()
    assert full_walks == [1, 1]  # a rewind is walked in full
