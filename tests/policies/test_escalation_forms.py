"""The escalation policy reads forms from the Rasa tracker: answers to a form's question, rejections, action requests."""

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActiveLoop,
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from policies.escalation import REQUEST_SLOT, turn_of
from scripts.stack import ROOT
from tests.policies.test_escalation import make_policy

FORMS = frozenset({"order_form"})


@pytest.fixture(scope="module")
def rasa_domain():
    return Domain.load(str(ROOT / "domain.yml"))


def said(text, intent, confidence=0.95):
    return UserUttered(text, {"name": intent, "confidence": confidence})


def asked_for_the_number():
    """ "where is my order": the form starts and asks for the order number."""
    return [
        ActionExecuted("action_session_start"),
        SessionStarted(),
        ActionExecuted("action_listen"),
        said("where is my order", "order_status"),
        ActionExecuted("order_form"),
        ActiveLoop("order_form"),
        SlotSet("requested_slot", "order_number"),
        BotUttered("What's your order number?"),
        ActionExecuted("action_listen"),
    ]


def tracker(rasa_domain, events):
    return DialogueStateTracker.from_events("c", events, rasa_domain.slots)


def test_the_reply_to_the_forms_question_is_an_answer(rasa_domain):
    turn = turn_of(tracker(rasa_domain, [*asked_for_the_number(), said("1234567", "nlu_fallback", 0.2)]), FORMS)
    assert turn.answering_form
    assert not turn.earlier[-1].answered_form  # the message that started the form asked the question


def test_a_reply_the_form_turned_down_is_read_as_any_message(rasa_domain):
    events = [*asked_for_the_number(), said("how do returns work", "return_policy"), ActionExecutionRejected("order_form")]
    assert not turn_of(tracker(rasa_domain, events), FORMS).answering_form


def test_an_answer_the_form_took_is_marked_in_later_turns(rasa_domain):
    events = [
        *asked_for_the_number(),
        said("1234567", "nlu_fallback", 0.2),
        ActionExecuted("order_form"),
        SlotSet("order_number", "1234567"),
        SlotSet("requested_slot", "order_proof"),
        ActionExecuted("action_listen"),
        said("02110", "nlu_fallback", 0.2),
    ]
    turn = turn_of(tracker(rasa_domain, events), FORMS)
    assert turn.answering_form and turn.earlier[-1].answered_form and not turn.earlier[-2].answered_form


def test_without_the_forms_names_nothing_is_an_answer(rasa_domain):
    assert not turn_of(tracker(rasa_domain, [*asked_for_the_number(), said("1234567", "nlu_fallback")])).answering_form


def test_an_actions_request_this_turn_hands_off_with_its_reply(tmp_path, rasa_domain):
    policy = make_policy(tmp_path, rasa_domain)[0]
    request = {"reason": "security_risk", "evidence": "order details did not match 3 times", "reply": "utter_x"}
    events = [
        *asked_for_the_number(),
        said("x@example.com", "nlu_fallback", 0.2),
        ActionExecuted("order_form"),
        SlotSet("verification_failures", 3.0),
        SlotSet(REQUEST_SLOT, request),
        ActiveLoop(None),
    ]
    prediction = policy.predict_action_probabilities(tracker(rasa_domain, events), rasa_domain)
    assert prediction.probabilities[rasa_domain.index_for_action("action_handoff")] == 1.0
    decision = next(e.value for e in prediction.optional_events if e.key == "handoff_decision")
    assert (decision["reason"], decision["queue"], decision["reply"]) == ("security_risk", "security", "utter_x")


def test_a_request_made_before_the_latest_message_is_not_repeated(tmp_path, rasa_domain):
    policy = make_policy(tmp_path, rasa_domain)[0]
    events = [
        *asked_for_the_number(),
        SlotSet(REQUEST_SLOT, {"reason": "security_risk", "evidence": "x"}),
        said("thanks", "thanks"),
    ]
    prediction = policy.predict_action_probabilities(tracker(rasa_domain, events), rasa_domain)
    assert prediction.probabilities[rasa_domain.index_for_action("action_handoff")] == 0.0
