"""The packet built from realistic trackers: contents, specificity, determinism, and what never leaks."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker

from core.packet import PACKET_SCHEMA_ID, build_packet, pseudonym, validate_packet
from tests.conftest import action_event, bot_event, user_event
from tests.core.packet import recorded

T0 = 1714554000.0  # 2024-05-01T09:00:00Z
NOW = datetime(2024, 5, 1, 9, 5, tzinfo=timezone.utc)
KEY = "test-pseudonym-key"
ARTICLE = {"id": "track-your-order", "title": "Track your order"}
KB_BUTTONS = [
    {"title": "That solved it", "payload": "/problem_solved"},
    {"title": "Tell me more", "payload": "/tell_me_more"},
    {"title": "That's not it", "payload": "/not_helpful"},
]


def at(event: Dict[str, Any], seconds: float, **extra: Any) -> Dict[str, Any]:
    """``event`` with a timestamp ``seconds`` after T0 (and any extra keys, e.g. metadata)."""
    return {**event, "timestamp": T0 + seconds, **extra}


def slot(name: str, value: Any, seconds: float) -> Dict[str, Any]:
    return {"event": "slot", "name": name, "value": value, "timestamp": T0 + seconds}


def customer(text: str, intent: str, seconds: float, confidence: float = 0.95, **kwargs: Any) -> Dict[str, Any]:
    metadata = kwargs.pop("metadata", {"page_url": "https://shop.example/orders?session=s3cr3t#help", "locale": "en-GB"})
    return at(user_event(text, intent, confidence, **kwargs), seconds, input_channel="rest", metadata=metadata)


def tracker_of(make_tracker, events: List[Dict[str, Any]], slots: Optional[Dict[str, Any]] = None) -> Tracker:
    """A tracker whose slots are what its slot events set (as Rasa's would be)."""
    values = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    return make_tracker(events, {**values, **(slots or {})})


FIRST = "hi, my order AC-482913 still hasn't arrived, it's been 10 days"
ANGRY = "This is useless. It's the third time I'm asking about this order!!!"
FRUSTRATED = (
    "Escalated because the customer is clearly frustrated (negative sentiment, swearing, repeated contact); "
    "a person can recover the situation better than the bot."
)


def order_not_it_then_frustrated() -> List[Dict[str, Any]]:
    """Order status, a KB article the customer rejects, then an angry message the policy escalates on."""
    order = {"entity": "order_number", "value": "AC-482913", "start": 9, "end": 18}
    ranking = [
        {"name": "order_status", "confidence": 0.91},
        {"name": "shipping_address", "confidence": 0.05},
        {"name": "order_change", "confidence": 0.03},
        {"name": "delivery_options", "confidence": 0.01},
    ]
    shown = [{**ARTICLE, "verdict": "shown"}]
    return [
        at(action_event("action_session_start"), 0),
        at({"event": "session_started"}, 0),
        at(action_event("action_listen"), 0),
        customer(
            FIRST,
            "order_status",
            10,
            0.91,
            entities=[order],
            ranking=ranking,
        ),
        slot("order_number", "AC-482913", 10),
        at(action_event("action_answer_from_kb"), 11),
        at(
            bot_event("utter_kb_answer", "Most orders arrive in 3-5 days. Source: Track your order"),
            11,
            data={"buttons": KB_BUTTONS},
        ),
        slot("kb_article", ARTICLE["id"], 11),
        slot("kb_articles_shown", shown, 11),
        at(action_event("action_listen"), 11),
        customer("/not_helpful", "not_helpful", 30, 1.0),
        at(action_event("action_not_helpful"), 31),
        at(bot_event("utter_sorry_not_helpful", "Sorry that didn't help."), 31),
        slot("kb_articles_shown", [{**ARTICLE, "verdict": "not_it"}], 31),
        slot("failed_attempts", 1.0, 31),
        at(action_event("action_listen"), 31),
        customer(ANGRY, "complaint", 60, 0.72),
        slot("handoff_reason", "frustration", 61),
        slot("handoff_priority", "P2", 61),
        slot("queue", "general", 61),
        slot("handoff_explanation", FRUSTRATED, 61),
        slot("handoff_decision", recorded("frustration", "P2", "general", FRUSTRATED, [FIRST, ANGRY]), 61),
        at(action_event("action_handoff"), 61),
    ]


def build(tracker: Tracker, **kwargs: Any) -> Dict[str, Any]:
    return build_packet(tracker, handoff_id="hnd_1", now=NOW, pseudonym_key=KEY, **kwargs)


def test_a_realistic_conversation_gives_a_valid_specific_packet(make_tracker):
    tracker = tracker_of(make_tracker, order_not_it_then_frustrated())

    packet = build(tracker, queue_position=3, expected_wait_minutes=4)

    validate_packet(packet)
    assert packet["schema"] == PACKET_SCHEMA_ID
    assert (packet["handoff_id"], packet["conversation_id"], packet["channel"]) == ("hnd_1", "test-conversation", "rest")
    assert packet["customer"] == {
        "id": pseudonym("test-conversation", KEY),
        "tier": None,
        "locale": "en-GB",
        "page_url": "https://shop.example/orders",
    }
    assert packet["reason"]["code"] == "frustration"
    assert packet["reason"]["explanation"].startswith("Escalated because the customer is clearly frustrated")
    assert (packet["priority"], packet["queue"]) == ("P2", "general")
    assert (packet["queue_position"], packet["expected_wait_minutes"]) == (3, 4)
    assert packet["articles_shown"] == [{**ARTICLE, "verdict": "not_it"}]
    assert packet["entities"] == [{"entity": "order_number", "value": "AC-482913"}]
    assert packet["slots"] == {"order_number": "AC-482913"}
    assert packet["timestamps"] == {
        "conversation_started": "2024-05-01T09:00:00Z",
        "escalated_at": "2024-05-01T09:05:00Z",
        "last_customer_message": "2024-05-01T09:01:00Z",
    }


def test_summary_names_the_order_the_article_and_its_verdict(make_tracker):
    packet = build(tracker_of(make_tracker, order_not_it_then_frustrated()))

    summary = packet["summary"]
    assert summary["goal"] == "Find out where order AC-482913 is."
    assert "AC-482913" in summary["open_question"]
    assert "\u201cTrack your order\u201d (customer said it was not it)" in summary["what_happened"]
    assert "Track your order" in summary["tried"]
    assert "Do not send \u201cTrack your order\u201d again" in summary["suggested_next_step"]
    assert "Look up order AC-482913" in summary["suggested_next_step"]
    assert "frustrated" in summary["what_happened"]


def test_steps_tried_name_what_the_bot_did(make_tracker):
    packet = build(tracker_of(make_tracker, order_not_it_then_frustrated()))

    assert packet["steps_tried"] == [
        {"action": "utter_kb_answer", "text": "Answered from the knowledge base \u201cTrack your order\u201d"},
    ]


def test_intents_are_the_top_three_readings_of_the_latest_substantive_message(make_tracker):
    events = order_not_it_then_frustrated()[:-7]  # up to the "not it" click, before the complaint

    packet = build(tracker_of(make_tracker, events))

    assert packet["intents"] == [
        {"name": "order_status", "confidence": 0.91},
        {"name": "shipping_address", "confidence": 0.05},
        {"name": "order_change", "confidence": 0.03},
    ]


def test_transcript_has_every_message_in_order_with_clicks_by_their_title(make_tracker):
    packet = build(tracker_of(make_tracker, order_not_it_then_frustrated()))

    assert [(m["from"], m["at"]) for m in packet["transcript"]] == [
        ("customer", "2024-05-01T09:00:10Z"),
        ("bot", "2024-05-01T09:00:11Z"),
        ("customer", "2024-05-01T09:00:30Z"),
        ("bot", "2024-05-01T09:00:31Z"),
        ("customer", "2024-05-01T09:01:00Z"),
    ]
    assert packet["transcript"][2]["text"] == "[clicked: That's not it]"
    assert "[buttons: That solved it | Tell me more | That's not it]" in packet["transcript"][1]["text"]
    assert packet["transcript_omitted"] == 0


def test_agent_messages_are_marked_as_agent(make_tracker):
    events = order_not_it_then_frustrated() + [
        at({"event": "bot", "text": "Hi, I'm Sam from support. Looking at AC-482913 now.", "metadata": {"sender": "agent"}}, 120),
        customer("thanks Sam", "thanks", 130),
    ]

    packet = build(tracker_of(make_tracker, events))

    assert [m["from"] for m in packet["transcript"][-2:]] == ["agent", "customer"]
    assert packet["transcript"][-2]["text"] == "Hi, I'm Sam from support. Looking at AC-482913 now."
    assert all(step["action"] != "agent" for step in packet["steps_tried"])
    validate_packet(packet)


@pytest.mark.parametrize(
    ("texts", "trend"),
    [
        pytest.param(
            ["Hi! Can you help me with my order please?", "It has not arrived.", "This is awful, I am furious."],
            "worsening",
            id="worsening",
        ),
        pytest.param(
            ["This is awful, I am furious.", "ok, the tracking link works", "Great, thank you so much!"],
            "improving",
            id="improving",
        ),
        pytest.param(["where is my order", "it is order AC-1234567"], "steady", id="steady"),
        pytest.param(["This is awful, I am furious."], "steady", id="one-message-has-no-trend"),
    ],
)
def test_sentiment_has_one_score_per_typed_message_and_a_trend(make_tracker, texts, trend):
    events = [customer(text, "order_status", i * 10) for i, text in enumerate(texts)]
    events.insert(1, customer("/tell_me_more", "tell_me_more", 5))  # a click has no words, so no score

    packet = build(tracker_of(make_tracker, events))

    sentiment = packet["sentiment"]
    assert len(sentiment["scores"]) == len(texts)
    assert sentiment["trend"] == trend
    assert sentiment["latest"] == sentiment["scores"][-1]


def test_the_same_tracker_gives_byte_identical_json(make_tracker):
    first = build(tracker_of(make_tracker, order_not_it_then_frustrated()))
    second = build(tracker_of(make_tracker, order_not_it_then_frustrated()))

    assert json.dumps(first) == json.dumps(second)


def test_an_empty_tracker_still_gives_a_valid_packet(make_tracker):
    packet = build(make_tracker([]))

    validate_packet(packet)
    assert packet["reason"]["code"] == "customer_request"
    assert "asked for a person" in packet["reason"]["explanation"]
    assert (packet["priority"], packet["queue"]) == ("P3", "general")
    assert packet["transcript"] == [] and packet["intents"] == [] and packet["sentiment"]["latest"] is None
    assert packet["timestamps"]["conversation_started"] is None
    assert all(packet["summary"].values())


def test_a_click_on_talk_to_a_person_is_a_customer_request(make_tracker):
    events = [
        bot_event("utter_greet", "Hi, I'm the Acme Store assistant."),
        user_event("/request_human", "request_human", 1.0),
        action_event("action_handoff"),
    ]

    packet = build(tracker_of(make_tracker, events))

    validate_packet(packet)
    assert packet["transcript"][-1] == {"from": "customer", "text": "[clicked: request human]", "at": None}
    assert packet["summary"]["goal"].startswith("Talk to a person")


def test_tier_comes_from_the_latest_message_that_has_one(make_tracker):
    events = [
        customer("hello", "greet", 0, metadata={"customer_tier": "VIP", "locale": "de-DE"}),
        customer("my payment failed with PAY-402", "payment_failed", 10, metadata={}),
    ]

    packet = build(tracker_of(make_tracker, events))

    assert (packet["customer"]["tier"], packet["customer"]["locale"], packet["customer"]["page_url"]) == ("vip", "de-DE", None)


def test_a_payment_summary_names_the_amount_and_the_error_code(make_tracker):
    entities = [
        {"entity": "amount", "value": "$89.90", "start": 0, "end": 0},
        {"entity": "error_code", "value": "PAY-402", "start": 0, "end": 0},
    ]
    events = [
        customer("my payment of $89.90 keeps failing with PAY-402", "payment_failed", 0, entities=entities),
        at(action_event("utter_payment_failed"), 1),
        at(bot_event("utter_payment_failed", "Sorry your payment didn't go through."), 1),
        customer("/request_human", "request_human", 20, 1.0),
    ]

    packet = build(tracker_of(make_tracker, events))

    summary = packet["summary"]
    assert summary["goal"] == "Get a failed payment of $89.90 (error PAY-402) to go through."
    assert "PAY-402" in summary["open_question"] and "PAY-402" in summary["suggested_next_step"]
    assert "payment-failed menu" in summary["tried"]


def test_a_long_conversation_keeps_the_latest_messages(make_tracker, monkeypatch):
    import core.packet.build as build_module

    monkeypatch.setattr(build_module, "MAX_TRANSCRIPT", 3)
    events = [customer(f"message {i}", "order_status", i) for i in range(5)]

    packet = build(tracker_of(make_tracker, events))

    assert [m["text"] for m in packet["transcript"]] == ["message 2", "message 3", "message 4"]
    assert packet["transcript_omitted"] == 2
    validate_packet(packet)


def test_a_silent_knowledge_base_search_is_a_step(make_tracker):
    events = [
        customer("the widget flux capacitor is wobbly", "nlu_fallback", 0, 0.3),
        at(action_event("action_answer_from_kb"), 1),
        slot("failed_attempts", 2.0, 1),
        at(action_event("action_handoff"), 2),
    ]

    packet = build(tracker_of(make_tracker, events))

    assert packet["steps_tried"] == [
        {"action": "action_answer_from_kb", "text": "Searched the knowledge base and found nothing good enough"}
    ]


def test_an_unsure_reading_is_marked_as_a_guess(make_tracker):
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.6},
        {"name": "refund_status", "confidence": 0.41},
        {"name": "refund_request", "confidence": 0.3},
    ]
    events = [customer("money back where??", "nlu_fallback", 0, 0.6, ranking=ranking)]

    packet = build(tracker_of(make_tracker, events))

    assert [i["name"] for i in packet["intents"]] == ["refund_status", "refund_request"]
    assert packet["summary"]["goal"] == "Probably: find out where the refund for their order is (the bot was 41% sure)."
    assert packet["summary"]["open_question"].endswith("No order number given yet.")


def test_a_naive_now_is_taken_as_utc(make_tracker):
    packet = build_packet(make_tracker([]), handoff_id="h", now=datetime(2024, 5, 1, 9, 5), pseudonym_key=KEY)

    assert packet["timestamps"]["escalated_at"] == "2024-05-01T09:05:00Z"
