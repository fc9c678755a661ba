"""core/escalation/failures.py: failed attempts the conversation shows, over the last few messages."""

from dataclasses import replace

import pytest

from core.escalation.decide import decide, hands_off_at_next_failure
from tests.core.escalation import said, turn


@pytest.mark.parametrize(
    "given",
    [
        # "that's not it" (NLU unsure, likeliest reading not_helpful) after the first answer,
        # then "that didn't help" after the second: two failures, a person now.
        turn(
            "still not what i asked",
            "not_helpful",
            earlier=(
                said("invoice"),
                said("nlu_fallback", "thats not it", 0.55, ("action_clarify",), [("not_helpful", 0.5), ("deny", 0.27)]),
                said("invoice", "i need a vat invoice"),
            ),
        ),
        # Solved, then the same problem is back: the answer did not hold.
        turn(
            "spoke too soon, its crashing again",
            "site_outage",
            earlier=(
                said("site_outage"),
                said("tell_me_more", "/tell_me_more", 1.0, ("action_more_detail",)),
                said("problem_solved", "/problem_solved", 1.0, ("action_problem_solved",), reset=True),
            ),
        ),
        # Not understood twice (the clarification counted one and offered a person), and the reply to
        # that is not understood either.
        turn(
            "ya know the one w the box",
            "affirm",
            0.42,
            failed_attempts=1,
            earlier=(
                said("greet", actions=("utter_greet",)),
                said(
                    "nlu_fallback",
                    "the thing from the other day",
                    0.4,
                    ("action_clarify",),
                    [("chitchat", 0.38), ("deny", 0.16)],
                ),
            ),
        ),
    ],
    ids=["rejected-twice", "came-back-after-solved", "unclear-twice"],
)
def test_failures_the_conversation_shows_hand_off_at_the_limit(rules, given):
    decision = decide(rules, given)

    assert decision.reason == "repeated_failure"
    assert decision.failed_attempts == 2  # written to the failed_attempts slot with the handoff


@pytest.mark.parametrize(
    "given",
    [
        # Rephrased after "not helpful" (the action counted that): a repair, not the problem again.
        turn(
            "i mean can i send back shoes from the sale",
            "return_policy",
            failed_attempts=1,
            earlier=(said("return_policy"), said("not_helpful", "/not_helpful", 1.0, ("action_not_helpful",), recorded=1)),
        ),
        # "That's not it", a rephrase that was answered, then solved.
        turn(
            "/problem_solved",
            "problem_solved",
            1.0,
            earlier=(
                said("invoice"),
                said("nlu_fallback", "thats not it", 0.55, ("action_clarify",), [("not_helpful", 0.5), ("deny", 0.27)]),
                said("invoice", "the pdf invoice i mean"),
            ),
        ),
        # After "solved", the same topic with nothing saying it is back is a new question.
        turn(
            "and where is my other order",
            "order_status",
            earlier=(
                said("order_status"),
                said("problem_solved", "/problem_solved", 1.0, ("action_problem_solved",), reset=True),
            ),
        ),
        # One failure so far (the same topic right after its answer): below the limit of 2.
        turn("how do i unsubscribe", "newsletter", earlier=(said("newsletter"),)),
        # "Something else", then still unclear: the action counts that one failure itself.
        turn(
            "the thing from the other day",
            "nlu_fallback",
            0.55,
            ranking=[("chitchat", 0.4)],
            earlier=(
                said("nlu_fallback", "the thing", 0.55, ("action_clarify",), [("chitchat", 0.5)]),
                said("deny", "/deny", 1.0, ("utter_ask_rephrase",)),
            ),
        ),
        # A button click answering the clarifying question is not unclear, whatever its intent.
        turn(
            "/tell_me_more",
            "tell_me_more",
            1.0,
            earlier=(said("nlu_fallback", "bulk discounts?", 0.55, ("action_clarify",), [("problem_solved", 0.26)]),),
        ),
    ],
    ids=[
        "rephrase-after-not-helpful",
        "not-it-then-solved",
        "same-topic-after-solved",
        "one-below-limit",
        "rephrase-requested",
        "button",
    ],
)
def test_repairs_and_new_questions_are_not_failures(rules, given):
    assert decide(rules, given) is None


def test_a_tier_with_a_lower_limit_hands_off_at_the_first_failure(rules):
    again = turn("how do i unsubscribe", "newsletter", tier="vip", earlier=(said("newsletter"),))

    decision = decide(rules, again)

    assert (decision.reason, decision.priority, decision.failed_attempts) == ("repeated_failure", "P1", 1)


def test_after_an_action_counts_the_failures_it_did_not_record(rules):
    # "that's not it" earlier (no action recorded it), then the knowledge base found nothing (recorded).
    kb_nothing = turn(
        "",
        "order_status",
        at_user_message=False,
        failed_attempts=1,
        failure_recorded_this_turn=True,
        recorded_this_turn=1,
        earlier=(
            said("order_status"),
            said("nlu_fallback", "thats not it", 0.55, ("action_clarify",), [("not_helpful", 0.5), ("deny", 0.3)]),
        ),
    )

    assert decide(rules, kb_nothing).reason == "repeated_failure"
    assert decide(rules, replace(kb_nothing, earlier=kb_nothing.earlier[:1])) is None


def test_the_policy_says_in_advance_whether_the_next_recorded_failure_hands_off(rules):
    """What the actions read (handoff_at_next_failure): the same decision as after the action, taken before it."""
    unsure = turn("zzz qqq", "nlu_fallback", 0.3, ranking=[])
    vip = replace(unsure, tier="vip")  # a tier's limit: 1
    one_down = replace(unsure, failed_attempts=1)  # the rules' limit: 2

    assert hands_off_at_next_failure(rules, vip) is True
    assert hands_off_at_next_failure(rules, unsure) is False
    assert hands_off_at_next_failure(rules, one_down) is True
    for given in (vip, unsure, one_down):
        after = replace(given, at_user_message=False, failed_attempts=given.failed_attempts + 1, failure_recorded_this_turn=True)
        after = replace(after, recorded_this_turn=1)
        assert (decide(rules, after) is not None) is hands_off_at_next_failure(rules, given)


def test_failures_the_conversation_showed_count_towards_the_next_one(rules):
    # "that's not it" to a clarifying question's offer (no action recorded it): one failure pending.
    pending = turn(
        "",
        "order_status",
        earlier=(
            said("order_status"),
            said("nlu_fallback", "thats not it", 0.55, ("action_clarify",), [("not_helpful", 0.5), ("deny", 0.3)]),
        ),
    )

    assert hands_off_at_next_failure(rules, pending) is True
    assert hands_off_at_next_failure(rules, replace(pending, earlier=pending.earlier[:1])) is False


def test_the_limit_is_the_tiers_else_the_rules(rules):
    assert (rules.failed_attempt_limit_for("vip"), rules.failed_attempt_limit_for(None)) == (1, 2)
    assert rules.failed_attempt_limit_for("unknown tier") == rules.failed_attempt_limit == 2


# -- unintelligible and off-topic messages -----------------------------------------------------


def test_two_unintelligible_messages_in_a_row_bring_in_a_person(rules):
    first = said("nlu_fallback", "sdfkj qwpeo", 1.0, ("action_clarify",), [("greet", 0.2), ("affirm", 0.1)])
    first = replace(first, unintelligible=True)
    again = turn("zxcmn,. lkj", "nlu_fallback", 1.0, unintelligible=True, earlier=(first,))

    assert decide(rules, replace(again, earlier=())) is None  # one alone: the bot asks again
    decision = decide(rules, again)
    assert decision.reason == "repeated_failure" and decision.failed_attempts >= 2


def test_off_topic_requests_count_as_failed_attempts_once_the_bot_is_failing(rules):
    rejected = said("not_helpful", "/not_helpful", 1.0, ("action_not_helpful",), recorded=1)
    off_topic = turn("can you book me a taxi", "out_of_scope", 0.9, failed_attempts=1, earlier=(said("invoice"), rejected))

    assert decide(rules, off_topic).reason == "repeated_failure"


def test_off_topic_chatter_alone_never_brings_in_a_person(rules):
    weather = said("out_of_scope", "whats the weather in leeds", 0.9, ("utter_out_of_scope",))
    football = said("out_of_scope", "did you see the match", 0.9, ("utter_out_of_scope",))
    again = turn("who won the f1", "out_of_scope", 0.9, earlier=(weather, football))

    assert decide(rules, again) is None


def test_an_unclear_message_after_an_off_topic_one_counts_too(rules):
    lost = said("out_of_scope", "the thing from the other day w the blue", 0.75, ("utter_out_of_scope",))
    unclear = turn("ya know the one w the box n stuff", "nlu_fallback", 0.69, ranking=[("place_order", 0.3)], earlier=(lost,))

    assert decide(rules, unclear) is None  # one failed attempt: the clarification offers a person
    asked = said("nlu_fallback", unclear.text, 0.69, ("action_clarify",), [("place_order", 0.3)])
    again = turn("the one with the bits", "nlu_fallback", 0.69, ranking=[("order_status", 0.3)], earlier=(lost, asked))
    assert decide(rules, again).reason == "repeated_failure"


@pytest.mark.parametrize(
    ("text", "readings"),
    [
        ("right ok thanks", [("thanks", 0.51), ("affirm", 0.48)]),
        ("you're funnier than my bank's bot", [("feedback", 0.58), ("out_of_scope", 0.3)]),
    ],
)
def test_chatting_after_a_clarifying_question_is_not_a_failed_attempt(rules, text, readings):
    asked = said("nlu_fallback", "ya know the thing", 0.69, ("action_clarify",), [("order_status", 0.4), ("chitchat", 0.3)])
    reply = turn(text, "nlu_fallback", 0.69, ranking=readings, earlier=(asked,))

    assert decide(rules, replace(reply, failed_attempts=1)) is None
    unclear = replace(reply, failed_attempts=1, ranking=[("order_change", 0.4), ("return_policy", 0.3)])
    assert decide(rules, unclear).reason == "repeated_failure"
