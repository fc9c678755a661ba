"""validate_order_form against a real demo shop: the number in any form, proof checked, never which part failed."""

from __future__ import annotations

from typing import Any, Dict, Optional

import pytest
from rasa_sdk import Tracker

from actions.orders.form import LOCKED, UNAVAILABLE, VERIFIED, ValidateOrderForm, proof_in
from actions.orders.shop_client import set_shop_backend
from core.db import create_engine
from shop.demo import DemoShop
from tests.conftest import user_event

FORM = ValidateOrderForm()
SLOTS = ["order_number", "order_proof"]


def tracker(text: str, intent: str = "nlu_fallback", **slots: Any) -> Tracker:
    event = user_event(text, intent)
    values: Dict[str, Any] = {"requested_slot": None, "verification_failures": 0.0, **slots}
    return Tracker("c1", values, event["parse_data"], [event], False, None, {"name": "order_form"}, "action_listen")


@pytest.mark.parametrize("text", ["it's 123456", "1234567", "#AC-1234567", "order 123-456", "yes, AC1234567 thanks"])
async def test_a_reply_with_an_order_number_answers_the_question_whatever_its_intent(text, dispatcher, domain):
    found = await FORM.extract_order_number(dispatcher, tracker(text, "problem_solved", requested_slot="order_number"), domain)
    assert found["order_number"].isdigit() and found["order_number"] in text.replace("-", "")


async def test_the_number_in_the_first_message_is_taken_too(dispatcher, domain):
    found = await FORM.extract_order_number(dispatcher, tracker("where is order AC-1234567?", "order_status"), domain)
    assert found == {"order_number": "1234567"}


@pytest.mark.parametrize("text", ["I don't have it", "can I talk to a person", "the parcel was 80 dollars"])
async def test_a_reply_without_one_is_left_to_the_rest_of_the_bot(text, dispatcher, domain):
    assert await FORM.extract_order_number(dispatcher, tracker(text, requested_slot="order_number"), domain) == {}


@pytest.mark.parametrize(
    ("text", "proof"),
    [
        ("maya.patel@example.com", "maya.patel@example.com"),
        ("it's Maya.Patel@Example.com", "Maya.Patel@Example.com"),
        ("02110", "02110"),
        ("SW3 4RP", "SW3 4RP"),
        ("sw34rp.", "sw34rp"),
    ],
)
def test_proof_is_an_email_address_or_a_postcode(text: str, proof: Optional[str]) -> None:
    assert proof_in(text) == proof


@pytest.mark.parametrize("text", ["I don't know", "talk to a person", "1234567", "hello"])
def test_anything_else_is_no_proof(text: str) -> None:
    assert proof_in(text) is None


async def test_proof_is_only_taken_when_asked_for(dispatcher, domain):
    assert await FORM.extract_order_proof(dispatcher, tracker("02110", requested_slot="order_number"), domain) == {}
    asked = tracker("02110", requested_slot="order_proof")
    assert await FORM.extract_order_proof(dispatcher, asked, domain) == {"order_proof": "02110"}


@pytest.mark.parametrize("proof", ["maya.patel@example.com", "02110"])
def test_the_right_email_or_postcode_verifies_the_order_and_is_not_kept(shop, dispatcher, domain, proof):
    result = FORM.validate_order_proof(proof, dispatcher, tracker(proof, order_number="1234567"), domain)
    assert result == {"order_proof": None, "order_verified": "1234567", "order_lookup": VERIFIED}
    assert dispatcher.messages == []


@pytest.mark.parametrize(
    ("number", "proof"),
    [("1234567", "someone@example.com"), ("1234567", "li.wei@example.com"), ("1111111", "maya.patel@example.com")],
)
def test_wrong_details_and_unknown_numbers_fail_alike(shop, dispatcher, domain, number, proof):
    result = FORM.validate_order_proof(proof, dispatcher, tracker(proof, order_number=number), domain)
    assert result == {"order_number": None, "order_proof": None, "verification_failures": 1.0}
    assert [m["response"] for m in dispatcher.messages] == ["utter_order_not_matched"]


def test_the_third_failure_asks_for_a_person_as_a_security_risk(shop, dispatcher, domain):
    given = tracker("x@example.com", order_number="1234567", verification_failures=2.0)
    result = FORM.validate_order_proof("x@example.com", dispatcher, given, domain)
    assert result["order_lookup"] == LOCKED and result["verification_failures"] == 3.0
    assert result["escalation_request"]["reason"] == "security_risk"
    assert result["escalation_request"]["reply"] == "utter_handoff_order_verification"
    assert "x@example.com" not in str(result["escalation_request"])  # the guess is not repeated to the agent
    assert dispatcher.messages == []  # the handoff says it


def test_an_unreachable_shop_ends_the_lookup_honestly(tmp_path, dispatcher, domain):
    set_shop_backend(DemoShop(create_engine(f"sqlite:///{tmp_path / 'no' / 'shop.db'}")))
    try:
        result = FORM.validate_order_proof("02110", dispatcher, tracker("02110", order_number="1234567"), domain)
    finally:
        set_shop_backend(None)
    assert result == {"order_proof": None, "order_lookup": UNAVAILABLE}


async def test_a_proven_order_is_not_asked_for_again(dispatcher, domain):
    proven = tracker("where is it now", order_verified="1234567", order_number="1234567")
    assert await FORM.required_slots(SLOTS, dispatcher, proven, domain) == []
    other = tracker("and order 2345678?", order_verified="1234567", order_number="2345678")
    assert await FORM.required_slots(SLOTS, dispatcher, other, domain) == SLOTS
    assert await FORM.required_slots(SLOTS, dispatcher, tracker("hi", order_lookup=LOCKED), domain) == []


def test_a_new_number_starts_a_new_lookup(dispatcher, domain):
    given = tracker("2345678", order_verified="1234567")
    assert FORM.validate_order_number("AC-2345678", dispatcher, given, domain) == {
        "order_number": "2345678",
        "order_lookup": None,
    }
    assert FORM.validate_order_number("hello", dispatcher, given, domain) == {"order_number": None}
    assert [m["response"] for m in dispatcher.messages] == ["utter_order_number_unclear"]


async def test_an_email_given_unasked_is_taken_as_proof(dispatcher, domain):
    first = tracker("where is order AC-1234567? my email is maya.patel@example.com", "order_status")
    assert await FORM.extract_order_proof(dispatcher, first, domain) == {"order_proof": "maya.patel@example.com"}
