"""Order lookups end to end: real Rasa and action servers, the demo shop seeded on the suite's day (2026-12-08)."""

import pytest

from tests.conversations.test_flows import without_waiting

pytestmark = pytest.mark.stack


def texts(replies):
    return " ".join(reply.get("text") or "" for reply in replies)


def active_form(conversation):
    return (conversation.tracker().get("active_loop") or {}).get("name")


def test_where_is_my_order_asks_for_the_number_then_proof_then_tells_the_real_status(conversation):
    asked = conversation.say("where is my order?")
    assert conversation.responses()[-1] == "utter_ask_order_number"
    assert {b["payload"] for b in asked[-1]["buttons"]} == {"/deny"}

    conversation.say("it's 123-4567")
    assert conversation.responses()[-1] == "utter_ask_order_proof"

    status = conversation.say("maya.patel@example.com")
    assert conversation.responses()[-1] == "utter_order_shipped"
    said = texts(status)
    assert "AC-1234567" in said and "UPS" in said and "Wednesday 9 December" in said
    assert "https://tracking.example.com/ups/1Z999AA10123456784" in said

    detail = conversation.say("tell me more")
    assert "1Z999AA10123456784" in texts(detail) and "Trailrunner 3 running shoes" in texts(detail)


@pytest.mark.parametrize("answer", ["1234567", "it's 1234567", "#AC-1234567", "my order number is AC-1234567"])
def test_any_reply_that_looks_like_an_order_number_is_taken_as_one(conversation, answer):
    conversation.say("where is my order")
    conversation.say(answer)
    assert conversation.responses()[-1] == "utter_ask_order_proof"
    assert "action_problem_solved" not in conversation.actions()


def test_the_number_in_the_first_message_is_not_asked_for_again(conversation):
    conversation.say("hi, where is order AC-8901234?")
    assert conversation.responses()[-1] == "utter_ask_order_proof"
    late = conversation.say("94105")
    assert conversation.responses()[-1] == "utter_order_shipped_late" and "running late" in texts(late)


def test_a_wrong_email_is_never_told_which_part_was_wrong_and_shows_nothing_of_the_order(conversation):
    conversation.say("where is my order")
    conversation.say("1234567")
    replies = conversation.say("li.wei@example.com")  # another customer's email
    assert conversation.responses()[-2:] == ["utter_order_not_matched", "utter_ask_order_number"]
    said = texts(replies)
    assert "UPS" not in said and "Maya" not in said and "1Z999" not in said


def test_three_wrong_tries_bring_in_the_security_team(conversation):
    conversation.say("where is my order")
    for guess in ("a@example.com", "b@example.com"):
        conversation.say("1234567")
        conversation.say(guess)
    conversation.say("1234567")
    conversation.say("c@example.com")
    responses = without_waiting(conversation.responses())
    assert responses[-1] == "utter_handoff_order_verification"
    slots = conversation.tracker()["slots"]
    assert slots["handoff_reason"] == "security_risk" and slots["queue"] == "security"
    assert active_form(conversation) is None


def test_without_an_order_number_the_knowledge_base_says_where_to_find_it(conversation):
    conversation.say("where is my order")
    conversation.say("/deny")
    assert conversation.actions()[-2:] == ["action_deactivate_loop", "action_order_without_number"]
    assert conversation.responses()[-1] == "utter_kb_answer"


def test_asking_for_a_person_mid_lookup_hands_off_at_once(conversation):
    conversation.say("where is my order")
    conversation.say("can I talk to a human please")
    assert "action_handoff" in conversation.actions()
    assert active_form(conversation) is None
