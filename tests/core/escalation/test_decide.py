"""core/escalation/decide.py: one reason per handoff, the first that matches; routine cases stay with the bot."""

from dataclasses import replace

import pytest

from core.escalation.decide import decide
from tests.core.escalation import decide_on, found, said, turn


@pytest.mark.parametrize(
    ("given", "reason", "priority", "queue"),
    [
        (turn("can i talk to someone", "request_human"), "customer_request", "P2", "general"),
        (turn("i didnt request this password reset", "login_problem"), "security_risk", "P1", "security"),
        (turn("someone changed my email", "account_edit"), "security_risk", "P1", "security"),
        (turn("my lawyer will hear about this", "complaint"), "legal", "P1", "legal"),
        (turn("i will file a chargeback", "refund_status"), "legal", "P1", "legal"),
        (turn("this is stopping payroll for 40 people", "payment_failed"), "business_impact", "P1", "business"),
        (turn("WHY IS MY ORDER STILL NOT HERE!!!", "order_status"), "frustration", "P2", "general"),
        (turn("unknown login", "account_takeover", 0.97), "security_risk", "P1", "security"),
        (
            turn("weird stuff with my account", "nlu_fallback", 0.4, ranking=[("account_takeover", 0.4), ("account_edit", 0.3)]),
            "low_confidence_high_risk",
            "P2",
            "security",
        ),
        (turn("where is my order", "order_status", tier="vip"), "vip", "P1", "general"),
        (
            turn("it was the blue one, order AC-123456", "order_status", previous_intent="complaint"),
            "policy_boundary",
            "P3",
            "general",
        ),
        (
            turn("", "not_helpful", at_user_message=False, failed_attempts=2, failure_recorded_this_turn=True),
            "repeated_failure",
            "P2",
            "general",
        ),
        (
            turn("", "not_helpful", at_user_message=False, failed_attempts=1, failure_recorded_this_turn=True, tier="vip"),
            "repeated_failure",
            "P1",
            "general",
        ),
    ],
    ids=[
        "asked-for-a-person",
        "reset-not-requested",
        "email-changed-by-someone",
        "lawyer",
        "chargeback",
        "payroll",
        "caps-and-exclamations",
        "takeover-intent",
        "unsure-but-risky",
        "vip-order",
        "complaint-details-given",
        "second-failure",
        "vip-first-failure",
    ],
)
def test_escalates_with_one_reason(rules, given, reason, priority, queue):
    decision = decide_on(rules, given)

    assert (decision.reason, decision.priority, decision.queue) == (reason, priority, queue)
    assert decision.explanation.startswith("Escalated because")


@pytest.mark.parametrize(
    "given",
    [
        turn("my password reset email never arrived", "login_problem"),
        turn("how do i change my email", "account_edit"),
        turn("my card was declined", "payment_failed"),
        turn("ugh the site is slow today", "site_outage"),
        turn("what is your legal returns policy", "return_policy"),
        turn("can i pay with my company card", "payment_methods"),
        turn("/problem_solved", "problem_solved", previous_intent="refund_request"),
        turn("where is my order", "order_status", tier="gold"),
        turn("", "not_helpful", at_user_message=False, failed_attempts=1, failure_recorded_this_turn=True),
        turn("", "order_status", at_user_message=False, failed_attempts=3, failure_recorded_this_turn=False),
    ],
    ids=[
        "reset-email-missing",
        "change-email",
        "declined",
        "mild-annoyance",
        "legal-sounding",
        "company-card",
        "assist-solved",
        "unknown-tier",
        "first-failure",
        "old-failures",
    ],
)
def test_routine_cases_stay_with_the_bot(rules, given):
    assert decide_on(rules, given) is None


def test_decision_is_fast_enough_to_run_on_every_message(rules):
    # Not a timed assertion (see `make bench`); guards against accidental O(n^2) work.
    assert decide(rules, turn("x" * 2000, "order_status")) is None


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        # "thanks bye" read as maybe a charge: small talk is as likely, so no security handoff.
        (turn("thanks bye", "nlu_fallback", 0.55, ranking=[("unauthorized_charge", 0.26), ("goodbye", 0.24)]), None),
        # Telling the bot more after "not helpful" on a card payment is not a new, risky topic.
        (
            turn(
                "checked the card details and approved it in my bank app",
                "nlu_fallback",
                0.55,
                ranking=[("unauthorized_charge", 0.49), ("login_problem", 0.16)],
                earlier=(said("payment_failed"), said("not_helpful", "/not_helpful", 1.0, ("action_not_helpful",), recorded=1)),
            ),
            None,
        ),
        # A follow-up right after the bot answered a (low-risk) topic is about that topic.
        (
            turn(
                "it was my own checkout attempt, will it go away by itself?",
                "nlu_fallback",
                0.55,
                ranking=[("order_status", 0.42), ("account_takeover", 0.25)],
                earlier=(said("payment_failed", actions=("utter_payment_failed",)),),
            ),
            None,
        ),
        # After "solved", a new unsure and risky message still brings in a person.
        (
            turn(
                "one more thing, about my login",
                "nlu_fallback",
                0.55,
                ranking=[("account_takeover", 0.4), ("account_edit", 0.3)],
                earlier=(said("order_status"), said("problem_solved", "/problem_solved", 1.0, ("action_problem_solved",))),
            ),
            "low_confidence_high_risk",
        ),
        # ... but an unsure, risky reading well ahead of small talk still brings in a person.
        (
            turn("weird stuff with my money", "nlu_fallback", 0.55, ranking=[("unauthorized_charge", 0.45), ("goodbye", 0.2)]),
            "low_confidence_high_risk",
        ),
    ],
    ids=[
        "small-talk-as-likely",
        "details-after-not-helpful",
        "follow-up-after-answer",
        "new-after-solved",
        "risky-reading-ahead",
    ],
)
def test_unsure_and_risky_needs_the_risky_reading_to_stand_out(rules, given, reason):
    decision = decide(rules, given)

    assert (decision.reason if decision else None) == reason


def test_wrong_item_and_money_back_is_a_refund_not_a_vague_worry(rules):
    refund = turn("you sent me the wrong item, id like my money back", "refund_request", 0.97)

    assert decide(rules, refund) is None  # the refund rule gathers the details first (policy_boundary next)


def test_a_tier_hands_off_when_either_reading_it_would_offer_is_its_topic(rules):
    late = turn(
        "my order AC-482913 was due yesterday and hasnt arrived",
        "nlu_fallback",
        0.55,
        tier="vip",
        ranking=[("chitchat", 0.39), ("order_status", 0.14)],
    )
    routine = replace(late, text="do you offer gift wrapping", ranking=[("return_policy", 0.28), ("delivery_options", 0.17)])

    assert decide(rules, late).reason == "vip"
    assert "order status" in decide(rules, late).explanation
    assert decide(rules, routine) is None
    assert decide(rules, turn("the refund still isnt in our account", "refund_status", tier="enterprise")).reason == "vip"


def test_details_after_an_unsure_message_that_may_have_been_a_complaint(rules):
    unsure = said(
        "nlu_fallback",
        "id like to complain about the staff",
        0.55,
        ("action_clarify",),
        [("shipping_address", 0.47), ("complaint", 0.45)],
    )
    details = turn(
        "they refused to hand over my parcel", "nlu_fallback", 0.55, ranking=[("refund_request", 0.35)], earlier=(unsure,)
    )

    decision = decide(rules, details)

    assert (decision.reason, decision.queue) == ("policy_boundary", "general")
    assert decide(rules, replace(details, text="/shipping_address", intent="shipping_address", confidence=1.0)) is None


def test_a_clear_new_question_after_an_unsure_message_is_answered_not_taken_as_its_details(rules):
    unsure = said(
        "nlu_fallback",
        "got the lamp in the wrong finish by mistake",
        0.55,
        ("action_clarify",),
        [("complaint", 0.52), ("order_change", 0.3)],
    )
    question = turn("could you swap it or should i cancel the order", "order_cancel", 0.93, earlier=(unsure,))

    assert decide(rules, question) is None
    # The same guess followed by more of the story (still unsure) is the complaint's details.
    story = replace(question, text="the box was also crushed", intent="nlu_fallback", confidence=0.5)
    assert decide(rules, story).reason == "policy_boundary"


# -- the risk catalogue (data/risks.yml) ----------------------------------------------------------


def test_a_risk_found_by_meaning_goes_to_its_team_with_the_evidence(rules):
    sentence = "the hoverboard started popping while it charged"
    decision = decide(rules, turn(f"hi. {sentence}", "complaint", risks=(found("product_safety", sentence),)))

    assert (decision.reason, decision.priority, decision.queue) == ("product_safety", "P1", "safety")
    assert decision.risk["evidence"] == sentence and decision.risk["matched_by"] == "meaning"
    assert decision.risk["why"] == rules.catalogue.risk("product_safety").why
    assert sentence in decision.explanation


def test_the_first_risk_in_catalogue_order_wins(rules):
    both = (found("product_safety", "it burnt my hand"), found("legal", "my solicitor will write"))
    assert decide(rules, turn("...", "complaint", risks=both)).reason == "product_safety"


def test_a_tier_only_risk_applies_to_that_tier_only(rules):
    double = (found("vip_billing", "you charged us twice for the desks"),)
    assert decide(rules, turn("you charged us twice", "invoice_check", risks=double, tier="enterprise")).reason == "vip_billing"
    assert decide(rules, turn("you charged us twice", "invoice_check", risks=double)) is None


def test_a_data_protection_request_carries_its_statutory_clock(rules):
    decision = decide(
        rules, turn("send me all the data you hold on me", "account_delete", risks=(found("data_protection", "x"),))
    )

    assert decision.queue == "privacy"
    assert decision.risk["respond_within_days"] == 30 and decision.risk["statutory_note"]


def test_a_vulnerable_customer_is_marked_for_a_gentle_handoff(rules):
    decision = decide(rules, turn("my husband died", "account_delete", risks=(found("vulnerable_customer", "my husband died"),)))

    assert (decision.reason, decision.queue, decision.risk["gentle"]) == ("vulnerable_customer", "care", True)


def test_a_person_asked_for_is_honoured_before_any_risk(rules):
    decision = decide(rules, turn("a human please", "request_human", risks=(found("legal", "a human please"),)))
    assert decision.reason == "customer_request"


# -- small talk, unintelligible and off-topic messages ---------------------------------------------


@pytest.mark.parametrize("text", ["tell me a joke!!!", "haha you're a joke of a robot, love it", "LOL TELL ME ANOTHER ONE"])
def test_small_talk_is_never_frustration(rules, text):
    assert decide_on(rules, turn(text, "chitchat")) is None


def test_a_negative_outburst_is_frustration_whatever_the_reading(rules):
    assert decide_on(rules, turn("THIS IS USELESS, WORST SERVICE EVER!!!", "chitchat")).reason == "frustration"
