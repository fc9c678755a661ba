"""Nobody is stranded: vague first messages are asked what they are about; starting over works in words and by payload."""

import pytest

pytestmark = pytest.mark.stack


@pytest.mark.parametrize("first", ["it doesn't work", "I have a problem", "that didn't help"])
def test_a_vague_first_message_is_no_failed_attempt_and_offers_topics(conversation, first):
    replies = conversation.say(first)
    responses = conversation.responses()
    assert "utter_sorry_not_helpful" not in responses and "utter_clarify_failed" not in responses
    payloads = {b["payload"] for reply in replies for b in reply.get("buttons") or []}
    assert "/not_helpful" not in payloads and "/problem_solved" not in payloads
    assert payloads, "the customer gets choices, not a dead end"
    assert float(conversation.tracker()["slots"]["failed_attempts"] or 0) == 0.0


@pytest.mark.parametrize("words", ["start over", "restart", "/restart", "new conversation"])
def test_starting_over_restarts_cleanly(conversation, domain, words):
    conversation.say("where is my order")
    conversation.say("1234567")
    replies = conversation.say(words)
    # The tracker as Rasa's API shows it starts after the restart: the reply is in the channel's answer.
    assert replies[-1]["text"] == domain["responses"]["utter_restart"][0]["text"]
    assert {"/order_status", "/request_human"} <= {b["payload"] for b in replies[-1]["buttons"]}
    tracker = conversation.tracker()
    assert not (tracker.get("active_loop") or {}).get("name")
    assert tracker["slots"]["order_number"] is None
