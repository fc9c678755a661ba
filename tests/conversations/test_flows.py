"""End to end through the REST channel: the real Rasa server, the real action server."""

import pytest
import requests

pytestmark = pytest.mark.stack

AMBIGUOUS_CANDIDATES = [
    "money",
    "account",
    "email",
    "order",
    "card",
    "problem",
    "it",
    "the thing from before",
    "help with stuff",
    "question about my thing",
    "not sure",
    "the app and the card",
]


def without_waiting(responses):
    """The responses minus what every handoff adds about the wait (tested in test_handoff.py)."""
    waiting = ("utter_handoff_wait", "utter_handoff_open_no_agent", "utter_handoff_closed_", "utter_offer_email_followup")
    return [r for r in responses if not (r or "").startswith(waiting)]


def test_greeting_offers_choices_as_buttons(conversation):
    [reply] = conversation.say("hi there")

    assert reply["text"]
    assert {b["payload"] for b in reply["buttons"]} >= {"/order_status", "/request_human"}


def test_progressive_disclosure(conversation):
    [first] = conversation.say("how long does a refund take to show up on my paypal")
    assert [b["payload"] for b in first["buttons"]] == ["/problem_solved", "/tell_me_more", "/not_helpful"]

    [detail] = conversation.say("/tell_me_more")
    conversation.say("/tell_me_more")

    assert conversation.responses() == ["utter_kb_answer", "utter_kb_detail", "utter_no_more_detail"]
    assert len(detail["text"]) > len(first["text"])


def test_failed_payment_offers_retry_change_and_billing(conversation):
    [reply] = conversation.say("my card got declined at checkout")

    payloads = [b["payload"] for b in reply["buttons"]]
    assert payloads == ['/tell_me_more{"detail":"payment_retry"}', "/payment_methods", '/request_human{"queue":"billing"}']

    conversation.say(payloads[0])
    conversation.say(payloads[2])

    assert without_waiting(conversation.responses())[-2:] == ["utter_more_payment_retry", "utter_handoff"]
    assert conversation.responses()[0] == "utter_payment_failed"
    slots = conversation.tracker()["slots"]
    assert slots["handoff_reason"] == "customer_request"
    assert slots["queue"] == "billing"


def test_asking_for_a_person_hands_off_the_first_time(conversation):
    conversation.say("can i talk to a real person please")

    assert conversation.actions() == ["action_handoff"]
    assert conversation.tracker()["slots"]["handoff_reason"] == "customer_request"


def test_security_goes_to_a_person_at_once(conversation):
    conversation.say("someone hacked my account and changed my email")

    assert conversation.actions() == ["action_handoff"]
    assert without_waiting(conversation.responses()) == ["utter_handoff_security_risk"]
    slots = conversation.tracker()["slots"]
    assert (slots["handoff_reason"], slots["handoff_priority"], slots["queue"]) == ("security_risk", "P1", "security")


def test_out_of_scope_is_honest_and_says_what_it_can_do(conversation):
    [reply] = conversation.say("what's the weather like in paris tomorrow")

    assert conversation.responses() == ["utter_out_of_scope"]
    assert len(reply["buttons"]) >= 3


def test_entities_are_extracted_into_slots(conversation):
    conversation.say("where is order AC-1234567? my email is maya.patel@example.com")

    user = [e for e in conversation.tracker()["events"] if e["event"] == "user"][-1]
    assert sorted(e["value"] for e in user["parse_data"]["entities"]) == ["AC-1234567", "maya.patel@example.com"]

    slots = conversation.tracker()["slots"]
    assert slots["email"] == "maya.patel@example.com"
    # Number and proof in one message: the order is looked up at once, nothing asked again.
    assert slots["order_number"] == slots["order_verified"] == "1234567"
    assert conversation.responses()[-1] == "utter_order_shipped"


def test_escalation_slots_are_in_the_tracker_from_the_start(conversation):
    conversation.say("hello")

    slots = conversation.tracker()["slots"]
    assert slots["failed_attempts"] == 0.0
    assert "kb_article" in slots and "handoff_reason" in slots


def test_not_helpful_twice_hands_off_with_repeated_failure(conversation):
    conversation.say("where can i download the pdf invoice for my order")
    conversation.say("/not_helpful")
    assert conversation.tracker()["slots"]["failed_attempts"] == 1.0

    conversation.say("that still didnt help at all")

    slots = conversation.tracker()["slots"]
    assert slots["failed_attempts"] == 2.0
    assert slots["handoff_reason"] == "repeated_failure"
    assert without_waiting(conversation.responses())[-1] == "utter_handoff_repeated_failure"


def test_solved_resets_the_count(conversation):
    conversation.say("how do i reset my password")
    conversation.say("/not_helpful")
    conversation.say("/problem_solved")

    assert conversation.tracker()["slots"]["failed_attempts"] == 0.0


def find_ambiguous_message(stack):
    for text in AMBIGUOUS_CANDIDATES:
        parse = requests.post(stack.api("/model/parse"), json={"text": text}, timeout=30).json()
        if parse["intent"]["name"] == "nlu_fallback":
            return text
    pytest.fail(f"none of {AMBIGUOUS_CANDIDATES} is below the NLU threshold; add a vaguer candidate")


def test_low_confidence_gets_one_clarifying_question_then_no_loop(stack, conversation):
    vague = find_ambiguous_message(stack)

    [question] = conversation.say(vague)
    payloads = [b["payload"] for b in question["buttons"]]
    assert len(payloads) == 3 and payloads[-1] == "/deny"
    assert all(p.startswith("/") for p in payloads)

    conversation.say("/deny")  # "Something else"
    conversation.say(vague)

    assert conversation.responses() == ["utter_clarify", "utter_ask_rephrase", "utter_clarify_failed"]
    assert conversation.tracker()["slots"]["failed_attempts"] == 1.0


def test_clicking_an_interpretation_answers_it(stack, conversation):
    vague = find_ambiguous_message(stack)
    [question] = conversation.say(vague)

    chosen = question["buttons"][0]["payload"]
    conversation.say(chosen)

    assert conversation.actions()[0] == "action_clarify"
    assert len(conversation.actions()) >= 2


def test_keyboard_mashing_twice_brings_in_a_person_not_a_cheerful_reply(conversation):
    """Unintelligible messages count as failed attempts: never "glad that's sorted", never a loop."""
    conversation.say("sdkfj qwoeiru zxcmvn")
    user = [e for e in conversation.tracker()["events"] if e["event"] == "user"][-1]
    assert user["parse_data"]["unintelligible"] is True and user["parse_data"]["intent"]["name"] == "nlu_fallback"
    assert "utter_glad_it_helped" not in conversation.responses()

    conversation.say("lkjhg poiuyt mnbvc")

    assert conversation.tracker()["slots"]["handoff_reason"] == "repeated_failure"
    assert "utter_glad_it_helped" not in conversation.responses()


@pytest.mark.parametrize(
    ("message", "risk", "team"),
    [
        ("hi. the charger i bought from you caught fire overnight and scorched the carpet", "product_safety", "safety"),
        ("I am making a subject access request for all personal data you hold about me", "data_protection", "privacy"),
        ("my husband passed away last month and I need to close his account", "vulnerable_customer", "care"),
    ],
)
def test_a_risk_goes_to_its_team_with_the_customers_words(conversation, message, risk, team):
    conversation.say(message)

    slots = conversation.tracker()["slots"]
    assert (slots["handoff_reason"], slots["queue"]) == (risk, team)
    assert slots["handoff_risk"]["evidence"] and slots["handoff_risk"]["evidence"] in message
    assert f"utter_handoff_{risk}" in conversation.responses()


def test_a_joke_request_is_small_talk_not_frustration(conversation):
    conversation.say("tell me a joke!!!")

    assert conversation.tracker()["slots"]["handoff_reason"] is None
