from rasa_sdk.events import SlotSet

from actions.disclosure import ActionMoreDetail, ActionNotHelpful, ActionProblemSolved
from tests.conftest import action_event, bot_event, user_event

# The bot's answer, with the verdict buttons "that's not it" reacts to.
KB_ANSWER = {**bot_event("utter_kb_answer"), "data": {"buttons": [{"title": "That's not it", "payload": "/not_helpful"}]}}


def with_responses(domain, *names):
    """The real domain plus responses a designer could add."""
    return {**domain, "responses": {**domain["responses"], **{n: [{"text": n}] for n in names}}}


async def test_more_detail_expands_the_latest_answer(make_tracker, dispatcher, domain):
    domain = with_responses(domain, "utter_store_hours", "utter_store_hours_more")
    tracker = make_tracker(
        [
            user_event("when are you open", "chitchat"),
            action_event("utter_store_hours"),
            bot_event("utter_store_hours"),
            user_event("tell me more", "tell_me_more"),
        ]
    )

    await ActionMoreDetail().run(dispatcher, tracker, domain)

    assert [m["response"] for m in dispatcher.messages] == ["utter_store_hours_more"]


async def test_a_button_can_ask_for_a_specific_detail(make_tracker, dispatcher, domain):
    detail = {"entity": "detail", "value": "payment_retry", "start": 0, "end": 0}
    tracker = make_tracker(
        [bot_event("utter_payment_failed"), user_event("/tell_me_more", "tell_me_more", 1.0, entities=[detail])]
    )

    await ActionMoreDetail().run(dispatcher, tracker, domain)

    assert [m["response"] for m in dispatcher.messages] == ["utter_more_payment_retry"]


async def test_asking_again_after_the_detail_does_not_repeat_it(make_tracker, dispatcher, domain):
    domain = with_responses(domain, "utter_store_hours", "utter_store_hours_more")
    tracker = make_tracker(
        [bot_event("utter_store_hours"), bot_event("utter_store_hours_more"), user_event("more", "tell_me_more")]
    )

    await ActionMoreDetail().run(dispatcher, tracker, domain)

    assert [m["response"] for m in dispatcher.messages] == ["utter_no_more_detail"]


async def test_every_detail_response_has_a_first_step(domain):
    responses = domain["responses"]
    orphans = [
        name
        for name in responses
        if not name.startswith("utter_topic_") and name.endswith("_more") and name[: -len("_more")] not in responses
    ]
    assert orphans == []


async def test_solved_resets_failed_attempts(make_tracker, dispatcher, domain):
    tracker = make_tracker([user_event("that worked", "problem_solved")], slots={"failed_attempts": 1.0})

    events = await ActionProblemSolved().run(dispatcher, tracker, domain)

    assert events == [SlotSet("failed_attempts", 0.0)]
    assert [m["response"] for m in dispatcher.messages] == ["utter_glad_it_helped"]


async def test_not_helpful_counts_then_hands_off_at_the_limit(make_tracker, dispatcher, domain):
    first = await ActionNotHelpful().run(dispatcher, make_tracker([KB_ANSWER, user_event("nope", "not_helpful")]), domain)
    assert first == [SlotSet("failed_attempts", 1.0)]
    assert [m["response"] for m in dispatcher.messages] == ["utter_sorry_not_helpful"]

    # The escalation policy said before this action that one more failure hands off (its limit).
    at_limit = {"failed_attempts": 1.0, "handoff_at_next_failure": True}
    second_dispatcher = type(dispatcher)()
    second = await ActionNotHelpful().run(
        second_dispatcher, make_tracker([KB_ANSWER, user_event("still no", "not_helpful")], slots=at_limit), domain
    )
    assert second == [SlotSet("failed_attempts", 2.0)]
    assert second_dispatcher.messages == [], "at the limit the escalation policy speaks, not this action"


async def test_the_policy_not_the_count_says_when_the_limit_is_reached(make_tracker, dispatcher, domain):
    """Whether this failure hands off is the escalation policy's answer (handoff_at_next_failure), given before
    the action with the customer's tier and the model's limit; the action holds no limit of its own."""
    tracker = make_tracker([KB_ANSWER, user_event("still no", "not_helpful")], slots={"failed_attempts": 1.0})

    events = await ActionNotHelpful().run(dispatcher, tracker, domain)

    assert events == [SlotSet("failed_attempts", 2.0)]
    assert [m["response"] for m in dispatcher.messages] == ["utter_sorry_not_helpful"]


async def test_not_helpful_with_nothing_answered_asks_what_it_is_about(make_tracker, dispatcher, domain):
    tracker = make_tracker([bot_event("utter_greet"), user_event("it doesn't work", "not_helpful")])

    events = await ActionNotHelpful().run(dispatcher, tracker, domain)

    assert events == []  # no answer failed: no failed attempt
    assert [m["response"] for m in dispatcher.messages] == ["utter_ask_what_about"]
