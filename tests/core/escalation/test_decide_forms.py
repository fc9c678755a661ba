"""core/escalation/decide.py: a form's answers are data, not intents; an action's request for a person is honoured."""

import pytest

from core.escalation.decide import decide
from tests.core.escalation import decide_on, found, said, turn

ASKED = ("order_form",)


@pytest.mark.parametrize(
    ("text", "intent", "confidence"),
    [
        ("1234567", "nlu_fallback", 0.2),  # "unintelligible" to NLU: digits only
        ("it's 123456", "problem_solved", 0.8),
        ("maya.patel@example.com", "account_edit", 0.7),
        ("02110", "unauthorized_charge", 0.65),  # a reading that would otherwise go to security at once
    ],
)
def test_an_answer_to_the_forms_question_never_hands_off_by_its_intent(rules, text, intent, confidence):
    given = turn(text, intent, confidence, answering_form=True, unintelligible=intent == "nlu_fallback", failed_attempts=1)
    assert decide_on(rules, given) is None


def test_the_same_reading_outside_a_form_does(rules):
    assert decide_on(rules, turn("02110", "unauthorized_charge", 0.65)).reason == "security_risk"


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        (turn("a person please", "request_human", answering_form=True), "customer_request"),
        (turn("1234567, my lawyer will hear about this", "order_status", answering_form=True), "legal"),
        (turn("1234567 THIS IS A DISGRACE!!!", "order_status", answering_form=True), "frustration"),
    ],
)
def test_a_person_a_risk_or_anger_in_an_answer_still_count(rules, given, reason):
    assert decide_on(rules, given).reason == reason


def test_answers_a_form_took_are_no_failed_attempts_later(rules):
    earlier = (
        said("order_status", "where is my order", actions=ASKED),
        said("nlu_fallback", "1234567", 0.2, actions=ASKED, answered_form=True),
        said("nlu_fallback", "02110", 0.2, actions=("order_form", "action_order_task"), answered_form=True),
    )
    assert decide_on(rules, turn("ok thanks", "thanks", earlier=earlier, failed_attempts=1)) is None


def test_an_actions_request_for_a_person_is_decided_with_the_reasons_team_and_priority(rules):
    request = {"reason": "security_risk", "evidence": "order details did not match 3 times", "reply": "utter_x"}
    decision = decide(rules, turn("wrong@example.com", "nlu_fallback", 0.3, at_user_message=False, requested=request))
    assert (decision.reason, decision.priority, decision.queue, decision.reply) == ("security_risk", "P1", "security", "utter_x")
    assert decision.risk["matched_by"] == "action" and decision.risk["evidence"] == request["evidence"]


def test_a_request_with_an_unknown_reason_is_ignored(rules):
    assert decide(rules, turn("x", at_user_message=False, requested={"reason": "whim"})) is None


def test_a_risk_found_in_an_answer_is_kept_with_its_evidence(rules):
    given = turn("1234567 it caught fire", "order_status", answering_form=True, risks=(found("product_safety", "caught fire"),))
    assert decide(rules, given).reason == "product_safety"
