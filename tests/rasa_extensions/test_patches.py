"""Tandem's patches of Rasa (rasa_extensions/patches.py): what each one does, and that they come off again.

Every test that needs them applied uses the ``rasa_extended`` fixture (tests/conftest.py)."""

from types import SimpleNamespace

import pytest
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUtteranceReverted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa.utils.endpoints import EndpointConfig

from connectors.handoff.config import HandoffConfigError, load_settings
from rasa_extensions import patches
from rasa_extensions.events import EVENT_MEMO_PREFIX
from rasa_extensions.history import history_window
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
    assert patches.applied(), "use the rasa_extended fixture"
    remote = RemoteAction(action, EndpointConfig("http://127.0.0.1:1/webhook", **endpoint))
    return remote._action_call_format(tracker, domain)


def test_actions_get_the_last_user_turns_and_everything_else_in_full(domain, rasa_extended):
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


def test_the_handoff_and_short_conversations_get_every_event(domain, rasa_extended):
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
        history_window(SimpleNamespace(kwargs=settings))


def test_the_server_refuses_to_start_with_bad_history_settings(tmp_path):
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("action_endpoint:\n  url: http://127.0.0.1:5055/webhook\n  history_user_turns: -2\n")

    with pytest.raises(HandoffConfigError, match="history_user_turns"):
        load_settings({"TANDEM_ENDPOINTS": str(endpoints)})


def test_the_projects_endpoints_bound_history_but_not_for_the_handoff():
    import yaml

    window = history_window(SimpleNamespace(kwargs=yaml.safe_load((ROOT / "endpoints.yml").read_text())["action_endpoint"]))

    assert window is not None and window[0] >= 2 and "action_handoff" in window[1]


def test_a_copied_tracker_has_the_replayed_state_and_is_independent(domain, rasa_extended):
    from rasa.shared.core.events import (
        ActionExecutionRejected,
        ActiveLoop,
        ConversationPaused,
        ConversationResumed,
        FollowupAction,
        LoopInterrupted,
        Restarted,
    )

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


def test_applied_events_follow_every_added_event_as_rasas_walk_does(domain, rasa_extended):
    # Appended events extend the memo; rewinds, restarts and form loops recompute it.
    # Every step is checked against Rasa's own walk on a tracker with no memo, on the
    # tracker itself and on a copy (which carries the memo).
    from rasa.shared.core.events import ActionReverted, ActiveLoop, Restarted

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
        expected = [e.as_dict() for e in patches.rasa_applied_events(fresh)]
        assert [e.as_dict() for e in tracker.applied_events()] == expected
        assert [e.as_dict() for e in tracker.copy().applied_events()] == expected


def test_a_long_conversation_extends_its_applied_events_instead_of_walking_them_again(domain, monkeypatch, rasa_extended):
    full_walks = []
    rasa_walk = patches.rasa_applied_events
    monkeypatch.setattr(patches, "rasa_applied_events", lambda tracker: full_walks.append(1) or rasa_walk(tracker))
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


# -- applying, restoring and the version guard ---------------------------------------------------


def rasas_own_objects():
    owners = {"RemoteAction": RemoteAction, "DialogueStateTracker": DialogueStateTracker}
    return {name: vars(owners[name.split(".")[0]])[name.split(".")[1]] for name in patches.PATCHED}


def test_restore_puts_back_every_original_object():
    before = rasas_own_objects()
    assert not patches.applied()

    patches.apply()
    patches.apply()  # a second apply changes nothing: restore still finds Rasa's own objects
    try:
        during = rasas_own_objects()
        assert all(during[name] is not before[name] for name in patches.PATCHED)
        assert all(patches.original(name) is before[name] for name in patches.PATCHED)
    finally:
        patches.restore()

    after = rasas_own_objects()
    assert all(after[name] is before[name] for name in patches.PATCHED)
    assert not patches.applied()
    patches.restore()  # restoring again changes nothing
    assert rasas_own_objects() == before


def test_after_restore_trackers_run_rasas_own_code(domain):
    patches.apply()
    try:
        extended = conversation(domain, 2)
        extended.applied_events()
        assert any(name.startswith(EVENT_MEMO_PREFIX) for name in vars(extended))
    finally:
        patches.restore()

    plain = conversation(domain, 2)
    plain.applied_events()
    assert not any(name.startswith(EVENT_MEMO_PREFIX) for name in vars(plain))  # Rasa's own walk keeps no memo


@pytest.mark.parametrize("installed", ["3.6.20", "3.6.22", "3.7.0", "3.6.21rc1"])
def test_another_rasa_version_is_refused_naming_the_tested_ones(monkeypatch, installed):
    import rasa

    before = rasas_own_objects()
    monkeypatch.setattr(rasa, "__version__", installed)

    with pytest.raises(patches.UntestedRasaError) as refused:
        patches.apply()

    assert installed in str(refused.value) and all(version in str(refused.value) for version in patches.TESTED_RASA_VERSIONS)
    assert not patches.applied() and rasas_own_objects() == before


def test_the_tested_versions_are_exact_and_include_the_installed_one():
    import rasa

    assert rasa.__version__ in patches.TESTED_RASA_VERSIONS
    assert all(version.count(".") == 2 and not version.endswith(".") for version in patches.TESTED_RASA_VERSIONS)


def test_the_private_hooks_the_socketio_channel_overrides_exist():
    # connectors/socketio.py subclasses (never patches) these; a release that renamed one
    # would silently skip the override, so the installed versions are checked here.
    import inspect

    import socketio
    from rasa.core.channels.socketio import SocketIOOutput

    assert inspect.iscoroutinefunction(vars(SocketIOOutput)["_send_message"])
    assert list(inspect.signature(SocketIOOutput._send_message).parameters) == ["self", "socket_id", "response"]
    assert callable(vars(socketio.AsyncServer)["_engineio_server_class"])
