import pytest
from rasa_sdk.events import SlotSet

from actions.clarification import ActionClarify
from tests.conftest import action_event, user_event

UNSURE = [
    {"name": "nlu_fallback", "confidence": 0.55},
    {"name": "refund_status", "confidence": 0.41},
    {"name": "refund_request", "confidence": 0.38},
    {"name": "return_policy", "confidence": 0.1},
]


def unsure_message(text="my money"):
    return user_event(text, "nlu_fallback", 0.55, ranking=UNSURE)


def after_an_unsure_turn(answered_with="action_clarify"):
    """An unsure message the bot ``answered_with``, then listening again."""
    return [action_event("action_listen"), unsure_message("hmm"), action_event(answered_with), action_event("action_listen")]


async def test_offers_top_two_interpretations_and_something_else(make_tracker, dispatcher, domain):
    tracker = make_tracker([action_event("action_listen"), unsure_message()])

    events = await ActionClarify().run(dispatcher, tracker, domain)

    assert events == []
    [message] = dispatcher.messages
    assert message["response"] == "utter_clarify"
    payloads = [b["payload"] for b in message["buttons"]]
    assert payloads == ["/refund_status", "/refund_request", "/deny"]
    titles = [b["title"] for b in message["buttons"]]
    assert titles[0] == domain["responses"]["utter_topic_refund_status"][0]["text"]
    assert titles[2] == domain["responses"]["utter_clarify_something_else"][0]["text"]


@pytest.mark.parametrize("previous", ["action_clarify", "utter_ask_rephrase"])
async def test_never_asks_twice_in_a_row(make_tracker, dispatcher, domain, previous):
    tracker = make_tracker([*after_an_unsure_turn(previous), unsure_message("still unsure")])

    events = await ActionClarify().run(dispatcher, tracker, domain)

    assert [m["response"] for m in dispatcher.messages] == ["utter_clarify_failed"]
    assert SlotSet("failed_attempts", 1.0) in events


async def test_second_failure_at_the_limit_hands_off(make_tracker, dispatcher, domain):
    tracker = make_tracker(
        [*after_an_unsure_turn(), unsure_message("what")],
        # The escalation policy said before this action that one more failure hands off (its limit).
        slots={"failed_attempts": 1.0, "handoff_at_next_failure": True},
    )

    events = await ActionClarify().run(dispatcher, tracker, domain)

    # Silent: the escalation policy hands off right after (policies/escalation.py).
    assert dispatcher.messages == []
    assert events == [SlotSet("failed_attempts", 2.0)]


async def test_clarifies_again_after_an_understood_turn(make_tracker, dispatcher, domain):
    tracker = make_tracker(
        [
            *after_an_unsure_turn(),
            user_event("/refund_status", "refund_status", 1.0),
            action_event("utter_refund_status"),
            action_event("action_listen"),
            unsure_message("and the other thing"),
        ]
    )

    await ActionClarify().run(dispatcher, tracker, domain)

    assert [m["response"] for m in dispatcher.messages] == ["utter_clarify"]


KB_ANSWER = {
    "event": "bot",
    "text": "...",
    "metadata": {"utter_action": "utter_kb_answer"},
    "data": {"buttons": [{"title": "That solved it", "payload": "/problem_solved"}, {"title": "x", "payload": "/not_helpful"}]},
}


async def test_without_known_interpretations_offers_a_person(make_tracker, dispatcher, domain):
    tracker = make_tracker([user_event("???", "nlu_fallback", 0.3, ranking=[{"name": "nlu_fallback", "confidence": 0.3}])])

    events = await ActionClarify().run(dispatcher, tracker, domain)

    assert [m["response"] for m in dispatcher.messages] == ["utter_clarify_failed"]
    assert SlotSet("failed_attempts", 1.0) in events


async def test_a_vague_first_message_is_asked_what_it_is_about(make_tracker, dispatcher, domain):
    ranking = [{"name": "nlu_fallback", "confidence": 0.4}, {"name": "not_helpful", "confidence": 0.4}]
    tracker = make_tracker([user_event("it doesn't work", "nlu_fallback", 0.4, ranking=ranking)])

    events = await ActionClarify().run(dispatcher, tracker, domain)

    assert [m["response"] for m in dispatcher.messages] == ["utter_ask_what_about"]
    assert events == []
    assert "/request_human" in {b["payload"] for b in domain["responses"]["utter_ask_what_about"][0]["buttons"]}


async def test_reactions_are_only_offered_as_readings_after_an_answer(make_tracker, dispatcher, domain):
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.4},
        {"name": "not_helpful", "confidence": 0.35},
        {"name": "complaint", "confidence": 0.3},
    ]
    first = make_tracker([user_event("I have a problem", "nlu_fallback", 0.4, ranking=ranking)])
    await ActionClarify().run(dispatcher, first, domain)
    assert [b["payload"] for b in dispatcher.messages[-1]["buttons"]] == ["/complaint", "/deny"]

    later = make_tracker([KB_ANSWER, user_event("I have a problem", "nlu_fallback", 0.4, ranking=ranking)])
    await ActionClarify().run(dispatcher, later, domain)
    assert [b["payload"] for b in dispatcher.messages[-1]["buttons"]] == ["/not_helpful", "/complaint", "/deny"]
