"""action_handoff, action_handback and action_record_satisfaction against a real handoff store."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa_sdk.events import ConversationPaused, SlotSet

from actions import handoff as handoff_module
from actions.handoff import ActionHandback, ActionHandoff, ActionRecordSatisfaction
from core.handoff import settings as handoff_settings
from scripts.stack import ROOT
from tests.conftest import DESK_TOKENS, HANDOFF_TEST_SETTINGS, user_event

CLOSED_SETTINGS = """
timezone: UTC
business_hours: {}
"""


def slot_event(name, value):
    return {"event": "slot", "name": name, "value": value}


def use_settings(monkeypatch, tmp_path: Path, hours_file: Path) -> None:
    monkeypatch.setenv("TANDEM_HANDOFF_URL", f"sqlite:///{tmp_path / 'handoff.db'}")
    monkeypatch.setenv("TANDEM_HANDOFF_SETTINGS", str(hours_file))
    monkeypatch.setenv("TANDEM_DESK_TOKENS", f"Sam:{DESK_TOKENS['Sam']}")
    monkeypatch.setenv("TANDEM_PSEUDONYM_KEY", "test-key")
    handoff_settings.settings.cache_clear()
    handoff_module.handoff_store.cache_clear()


@pytest.fixture(autouse=True)
def open_desk(monkeypatch, tmp_path):
    """The team is in and an agent has the desk open, unless a test says otherwise."""
    use_settings(monkeypatch, tmp_path, HANDOFF_TEST_SETTINGS)
    store_factory = handoff_module.handoff_store  # a test may replace it
    store_factory().agent_seen("desk-sam", "Sam")
    yield
    handoff_settings.settings.cache_clear()
    store_factory.cache_clear()


def responses(dispatcher):
    return [m["response"] for m in dispatcher.messages]


@pytest.mark.parametrize(
    ("reason", "response"),
    [
        ("security_risk", "utter_handoff_security_risk"),
        ("repeated_failure", "utter_handoff_repeated_failure"),
        ("customer_request", "utter_handoff"),
    ],
)
async def test_speaks_for_the_policys_reason_then_the_wait(make_tracker, dispatcher, domain, reason, response):
    decision = {"reason": reason, "priority": "P1", "queue": "security", "explanation": f"Escalated because of {reason}."}
    tracker = make_tracker(
        [user_event("...", "account_takeover"), slot_event("handoff_reason", reason), slot_event("handoff_decision", decision)],
        slots={"handoff_reason": reason, "handoff_decision": decision},
    )

    events = await ActionHandoff().run(dispatcher, tracker, domain)

    assert responses(dispatcher) == [response, "utter_handoff_wait"]
    assert dispatcher.messages[1]["queue_position"] == 1
    assert events[-1] == ConversationPaused()
    handoff_id = next(e["value"] for e in events if e["event"] == "slot" and e["name"] == "handoff_id")
    stored = handoff_module.handoff_store().get(handoff_id)
    assert (stored.status, stored.reason, stored.conversation_id) == ("queued", reason, "test-conversation")
    assert (stored.priority, stored.queue) == ("P1", "security")
    assert stored.packet["handoff_id"] == handoff_id


async def test_without_a_decision_it_is_a_customer_request(make_tracker, dispatcher, domain):
    earlier = {"reason": "legal", "priority": "P1", "queue": "legal", "explanation": "Escalated because of legal."}
    tracker = make_tracker(
        [
            slot_event("handoff_reason", "legal"),
            slot_event("handoff_decision", earlier),
            user_event("/request_human", "request_human", entities=[{"entity": "queue", "value": "billing"}]),
        ],
        slots={"handoff_reason": "legal", "handoff_decision": earlier},
    )

    events = await ActionHandoff().run(dispatcher, tracker, domain)

    assert events[:2] == [SlotSet("handoff_reason", "customer_request"), SlotSet("queue", "billing")]
    assert responses(dispatcher)[0] == "utter_handoff"
    handoff_id = events[2]["value"]
    stored = handoff_module.handoff_store().get(handoff_id)
    assert (stored.queue, stored.reason, stored.priority) == ("billing", "customer_request", "P3")


async def test_second_in_line_is_told_so(make_tracker, dispatcher, domain):
    first = make_tracker([user_event("human please", "request_human")])
    first.sender_id = "someone-else"
    await ActionHandoff().run(dispatcher, first, domain)
    dispatcher.messages.clear()

    await ActionHandoff().run(dispatcher, make_tracker([user_event("human please", "request_human")]), domain)

    assert dispatcher.messages[1]["queue_position"] == 2
    assert dispatcher.messages[1]["wait_minutes"] == 10


async def test_outside_hours_it_says_when_and_offers_email(make_tracker, dispatcher, domain, monkeypatch, tmp_path):
    closed = tmp_path / "closed.yml"
    closed.write_text(CLOSED_SETTINGS)
    use_settings(monkeypatch, tmp_path, closed)

    events = await ActionHandoff().run(dispatcher, make_tracker([user_event("human please", "request_human")]), domain)

    assert responses(dispatcher) == ["utter_handoff", "utter_handoff_closed_unknown", "utter_offer_email_followup"]
    handoff_id = next(e["value"] for e in events if e["event"] == "slot" and e["name"] == "handoff_id")
    assert handoff_module.handoff_store().get(handoff_id).after_hours is True  # kept as a ticket


async def test_nobody_online_is_not_a_live_queue(make_tracker, dispatcher, domain, monkeypatch, tmp_path):
    use_settings(monkeypatch, tmp_path / "empty", HANDOFF_TEST_SETTINGS)  # a fresh store: no agent seen

    events = await ActionHandoff().run(dispatcher, make_tracker([user_event("human please", "request_human")]), domain)

    # Open with nobody signed in: no promised time, but never "our team isn't available".
    assert responses(dispatcher)[1:] == ["utter_handoff_open_no_agent", "utter_offer_email_followup"]
    handoff_id = next(e["value"] for e in events if e["event"] == "slot" and e["name"] == "handoff_id")
    assert handoff_module.handoff_store().get(handoff_id).after_hours is False


@pytest.mark.parametrize(
    ("london_time", "after_hours", "waiting"),
    [
        ("2026-12-07T11:10", False, "utter_handoff_open_no_agent"),  # a Monday morning: open, nobody signed in
        ("2026-12-07T21:30", True, "utter_handoff_closed_tomorrow"),  # Monday after closing
        ("2026-12-13T11:10", True, "utter_handoff_closed_tomorrow"),  # Sunday: closed all day
        ("2026-12-25T11:10", True, "utter_handoff_closed_later"),  # Christmas; Boxing Day too; back on Monday
    ],
)
async def test_opening_hours_are_read_in_the_teams_time_zone(
    make_tracker, dispatcher, domain, monkeypatch, tmp_path, pin_clock, london_time, after_hours, waiting
):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    pin_clock(datetime.fromisoformat(london_time).replace(tzinfo=ZoneInfo("Europe/London")))
    use_settings(monkeypatch, tmp_path / "fresh", ROOT / "data" / "handoff.yml")

    events = await ActionHandoff().run(dispatcher, make_tracker([user_event("human please", "request_human")]), domain)

    assert responses(dispatcher)[1] == waiting
    handoff_id = next(e["value"] for e in events if e["event"] == "slot" and e["name"] == "handoff_id")
    assert handoff_module.handoff_store().get(handoff_id).after_hours is after_hours


async def test_a_store_outage_is_said_honestly_and_does_not_pause(make_tracker, dispatcher, domain, monkeypatch, tmp_path):
    monkeypatch.setattr(handoff_module, "handoff_store", lambda: _BrokenStore())

    events = await ActionHandoff().run(dispatcher, make_tracker([user_event("human please", "request_human")]), domain)

    assert responses(dispatcher) == ["utter_handoff_unavailable"]
    assert ConversationPaused() not in events


class _BrokenStore:
    def active_for(self, conversation_id):
        from sqlalchemy.exc import OperationalError

        raise OperationalError("select", {}, Exception("database is down"))


async def test_handback_asks_for_a_rating_and_resets_failures(make_tracker, dispatcher, domain):
    events = await ActionHandback().run(dispatcher, make_tracker([], slots={"failed_attempts": 2.0}), domain)

    assert responses(dispatcher) == ["utter_handback", "utter_ask_satisfaction"]
    assert SlotSet("failed_attempts", 0.0) in events and SlotSet("satisfaction_pending", True) in events


async def test_handback_says_who_left_before_the_rating(make_tracker, dispatcher, domain):
    store = handoff_module.handoff_store()
    handoff = store.create("test-conversation", "rest", {"priority": "P3"})
    store.assign(handoff.id, "desk-sam", "Sam")

    await ActionHandback().run(dispatcher, make_tracker([], slots={"handoff_id": handoff.id}), domain)

    assert responses(dispatcher) == ["utter_handback_named", "utter_ask_satisfaction"]
    assert dispatcher.messages[0]["agent_name"] == "Sam"
    assert "{agent_name} has left the chat" in domain["responses"]["utter_handback_named"][0]["text"]


async def test_a_rating_is_stored_with_the_handoff(make_tracker, dispatcher, domain):
    store = handoff_module.handoff_store()
    handoff = store.create("test-conversation", "rest", {"priority": "P3"})
    tracker = make_tracker(
        [user_event('/feedback{"satisfaction": "bad"}', "feedback", entities=[{"entity": "satisfaction", "value": "bad"}])],
        slots={"handoff_id": handoff.id, "satisfaction_pending": True},
    )

    events = await ActionRecordSatisfaction().run(dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_thanks_for_rating"]
    assert SlotSet("satisfaction", "bad") in events
    assert store.get(handoff.id).satisfaction == "bad"


async def test_a_rating_that_is_not_one_of_the_buttons_asks_again(make_tracker, dispatcher, domain):
    tracker = make_tracker([user_event("meh", "feedback", entities=[{"entity": "satisfaction", "value": "5 stars"}])])

    assert await ActionRecordSatisfaction().run(dispatcher, tracker, domain) == []
    assert responses(dispatcher) == ["utter_ask_satisfaction"]


def test_every_reason_has_its_own_words(domain):
    """Every reason, each risk of the catalogue included, tells the customer what happens in its own words."""
    from tests.core.packet import project_rules

    reasons = project_rules().reasons
    missing = [r for r in reasons if r != "customer_request" and f"utter_handoff_{r}" not in domain["responses"]]
    assert missing == []


def test_every_waiting_variant_has_words(domain):
    needed = ["utter_handoff_wait", "utter_handoff_open_no_agent", "utter_queue_update", "utter_offer_email_followup"]
    needed += ["utter_followup_email_saved"]
    needed += [f"utter_handoff_closed_{day}" for day in ("today", "tomorrow", "later", "unknown")]
    assert [r for r in needed if r not in domain["responses"]] == []


LIMITED_SETTINGS = """
timezone: UTC
business_hours: {monday: "00:00-00:00", tuesday: "00:00-00:00", wednesday: "00:00-00:00", thursday: "00:00-00:00",
  friday: "00:00-00:00", saturday: "00:00-00:00", sunday: "00:00-00:00"}
limits:
  handoffs_per_client_per_hour: 2
  handoffs_per_conversation_per_hour: 1
"""


def tracker_from(make_tracker, sender: str, client: str):
    tracker = make_tracker([user_event("human please", "request_human")])
    tracker.sender_id = sender
    tracker.latest_message["metadata"] = {"client_key": client}
    return tracker


async def test_one_address_cannot_fill_the_queue_under_new_conversations(
    make_tracker, dispatcher, domain, monkeypatch, tmp_path, pin_clock
):
    from datetime import datetime, timezone

    clock = pin_clock(datetime(2026, 12, 8, 10, 30, tzinfo=timezone.utc))
    limited = tmp_path / "limited.yml"
    limited.write_text(LIMITED_SETTINGS)
    use_settings(monkeypatch, tmp_path / "db", limited)
    store = handoff_module.handoff_store()

    for sender in ("a", "b"):
        events = await ActionHandoff().run(dispatcher, tracker_from(make_tracker, sender, "net_attacker"), domain)
        assert events[-1] == ConversationPaused()
    dispatcher.messages.clear()
    events = await ActionHandoff().run(dispatcher, tracker_from(make_tracker, "c", "net_attacker"), domain)
    assert responses(dispatcher) == ["utter_handoff_limit"] and ConversationPaused() not in events
    assert [h.conversation_id for h in store.queue()] == ["a", "b"]

    # Someone else is served; and an hour later the address may ask again.
    assert (await ActionHandoff().run(dispatcher, tracker_from(make_tracker, "d", "net_other"), domain))[
        -1
    ] == ConversationPaused()
    clock.advance(hours=1, seconds=1)
    assert (await ActionHandoff().run(dispatcher, tracker_from(make_tracker, "c", "net_attacker"), domain))[
        -1
    ] == ConversationPaused()


async def test_a_conversation_cannot_start_handoff_after_handoff(make_tracker, dispatcher, domain, monkeypatch, tmp_path):
    limited = tmp_path / "limited.yml"
    limited.write_text(LIMITED_SETTINGS)
    use_settings(monkeypatch, tmp_path / "db", limited)
    store = handoff_module.handoff_store()
    first = await ActionHandoff().run(dispatcher, tracker_from(make_tracker, "a", "net_1"), domain)
    handoff_id = next(e["value"] for e in first if e["event"] == "slot" and e["name"] == "handoff_id")
    store.close(handoff_id, "returned_to_bot")
    dispatcher.messages.clear()
    await ActionHandoff().run(dispatcher, tracker_from(make_tracker, "a", "net_1"), domain)
    assert responses(dispatcher) == ["utter_handoff_limit"]
