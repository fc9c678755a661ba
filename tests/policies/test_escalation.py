"""The escalation rules file, the decision, and the policy's contract with Rasa."""

import copy
from dataclasses import replace

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from policies.escalation import EscalationPolicy
from policies.escalation_rules import EscalationRulesError, Exchange, Turn, decide, load_rules, parse_rules, sentiment
from scripts.stack import ROOT

RULES_FILE = ROOT / "data" / "escalation.yml"


@pytest.fixture(scope="module")
def rasa_domain():
    return Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture(scope="module")
def raw_rules(rasa_domain):
    """The rules as a model saves them: escalation.yml with the risk catalogue embedded."""
    return copy.deepcopy(load_rules(RULES_FILE, set(rasa_domain.intents)).source)


@pytest.fixture(scope="module")
def rules(raw_rules, rasa_domain):
    return parse_rules(raw_rules, set(rasa_domain.intents))


def decide_on(rules, given):
    """decide() on a turn whose risks are what the detector's keywords find (meaning: tests/policies/test_risk_detector.py)."""
    words = "" if given.text.startswith("/") else given.text
    return decide(rules, replace(given, risks=tuple(rules.catalogue.keyword_matches(words))))


def broken(raw, path, value):
    data = copy.deepcopy(raw)
    target = data
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "key", "reason"),
    [
        (("intents", "made_up_intent"), {"risk": "low"}, "intents.made_up_intent", "unknown intent"),
        (("intents", "account_takeover", "min_confidence"), 1.5, "intents.account_takeover.min_confidence", "from 0.0 to 1.0"),
        (("frustration", "threshold"), -1, "frustration.threshold", "must be a number"),
        (("failed_attempts", "limit"), KeyError, "failed_attempts.limit", "missing key"),
        (("reasons", "vip"), KeyError, "reasons.vip", "missing key"),
        (("intents", "complaint", "automation"), "auto", "intents.complaint.automation", "must be one of"),
        (("tiers", "vip", "priority"), "urgent", "tiers.vip.priority", "must be one of"),
        (("intents", "complaint", "reason"), "angry", "intents.complaint.reason", "must be one of"),
        (("defaults", "colour"), "red", "defaults.colour", "unknown key"),
        (("failed_attempts", "counts", "reopened"), -1, "failed_attempts.counts.reopened", "whole number"),
        (("failed_attempts", "counts", "unclear"), 1, "failed_attempts.counts.unclear", "unknown key"),
        (("failed_attempts", "came_back_patterns", 0), "(again", "failed_attempts.came_back_patterns[0]", "not a valid"),
    ],
    ids=[
        "unknown-intent",
        "confidence-out-of-range",
        "threshold-out-of-range",
        "missing-limit",
        "missing-reason",
        "bad-automation",
        "bad-priority",
        "bad-reason-code",
        "unknown-key",
        "negative-count",
        "unknown-count",
        "bad-came-back-pattern",
    ],
)
def test_bad_rules_name_the_file_the_key_and_the_reason(raw_rules, rasa_domain, path, value, key, reason):
    with pytest.raises(EscalationRulesError) as error:
        parse_rules(broken(raw_rules, path, value), set(rasa_domain.intents), "data/escalation.yml")

    assert error.value.key == key
    assert reason in error.value.reason
    assert str(error.value).startswith(f"data/escalation.yml: {key}: ")


def turn(text="", intent="order_status", confidence=0.95, **kwargs):
    ranking = kwargs.pop("ranking", [(intent, confidence)])
    return Turn(text=text, intent=intent, confidence=confidence, ranking=ranking, sentiment=sentiment(text), **kwargs)


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


def make_policy(tmp_path, rasa_domain, rules_file=RULES_FILE):
    config = {**EscalationPolicy.get_default_config(), "rules_file": str(rules_file)}
    storage = LocalModelStorage(tmp_path)
    resource = Resource("escalation")
    context = ExecutionContext(GraphSchema({}), "test")
    policy = EscalationPolicy.create(config, storage, resource, context)
    policy.train([], rasa_domain)
    return policy, config, storage, resource, context


def conversation(rasa_domain, *messages, tier=None, catalogue=None):
    """A tracker of these (text, intent) messages; with a catalogue, each carries the risks its keywords show,
    as policies/risk_detector.py puts them into the parse data."""
    events = [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]
    for text, intent in messages:
        metadata = {"customer_tier": tier} if tier else {}
        parse_data = {"risks": catalogue.keyword_matches(text)} if catalogue else None
        events += [UserUttered(text, {"name": intent, "confidence": 0.95}, parse_data=parse_data, metadata=metadata)]
    return DialogueStateTracker.from_events("c", events, rasa_domain.slots)


def test_persist_then_load_gives_identical_predictions(tmp_path, rasa_domain):
    policy, config, storage, resource, context = make_policy(tmp_path, rasa_domain)
    loaded = EscalationPolicy.load(config, storage, resource, context)
    tracker = conversation(
        rasa_domain, ("i didn't request this password reset", "login_problem"), catalogue=policy.rules.catalogue
    )

    first = policy.predict_action_probabilities(tracker, rasa_domain)
    second = loaded.predict_action_probabilities(tracker, rasa_domain)

    assert first.probabilities == second.probabilities
    assert first.optional_events == second.optional_events
    assert first.probabilities[rasa_domain.index_for_action("action_handoff")] == 1.0
    assert SlotSet("handoff_reason", "security_risk") in first.optional_events


def test_empty_tracker_gives_a_well_formed_prediction(tmp_path, rasa_domain):
    policy, *_ = make_policy(tmp_path, rasa_domain)
    tracker = DialogueStateTracker.from_events("empty", [], rasa_domain.slots)

    prediction = policy.predict_action_probabilities(tracker, rasa_domain)

    assert len(prediction.probabilities) == len(rasa_domain.action_names_or_texts)
    assert max(prediction.probabilities) == 0.0


def test_a_bad_rules_file_fails_training(tmp_path, rasa_domain):
    rules_file = tmp_path / "escalation.yml"
    rules_file.write_text(RULES_FILE.read_text().replace("account_takeover: {", "acount_takeover: {"))
    (tmp_path / "risks.yml").write_text((ROOT / "data" / "risks.yml").read_text())

    with pytest.raises(EscalationRulesError, match="intents.acount_takeover: unknown intent"):
        make_policy(tmp_path / "model", rasa_domain, rules_file)


# -- failed attempts the conversation shows, over the last few messages --------------------------

ANSWER = ("action_answer_from_kb",)


def said(intent, text="", confidence=0.95, actions=ANSWER, readings=(), recorded=0, reset=False):
    """An earlier customer message and what the bot did about it."""
    return Exchange(text or f"about {intent}", intent, confidence, tuple(readings), tuple(actions), recorded, reset)


def test_rules_without_counts_count_only_what_the_actions_record(raw_rules, rasa_domain):
    older = parse_rules(broken(raw_rules, ("failed_attempts", "counts"), KeyError), set(rasa_domain.intents))
    came_back = turn("spoke too soon, its crashing again", "site_outage", earlier=(said("site_outage"),))

    assert older.failures.came_back == 0
    assert decide(older, replace(came_back, tier="vip", text="the app still crashes")) is None


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


def test_the_policy_reads_earlier_messages_and_records_the_count(tmp_path, rasa_domain):
    policy, *_ = make_policy(tmp_path, rasa_domain)
    events = [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]
    events += [UserUttered("the app crashes when i open my orders", {"name": "site_outage", "confidence": 0.93})]
    events += [ActionExecuted("action_answer_from_kb"), ActionExecuted("action_listen")]
    events += [UserUttered("/problem_solved", {"name": "problem_solved", "confidence": 1.0})]
    events += [ActionExecuted("action_problem_solved"), SlotSet("failed_attempts", 0.0), ActionExecuted("action_listen")]
    events += [UserUttered("spoke too soon, its crashing again", {"name": "site_outage", "confidence": 0.97})]
    tracker = DialogueStateTracker.from_events("c", events, rasa_domain.slots)

    prediction = policy.predict_action_probabilities(tracker, rasa_domain)

    assert prediction.probabilities[rasa_domain.index_for_action("action_handoff")] == 1.0
    assert SlotSet("handoff_reason", "repeated_failure") in prediction.optional_events
    assert SlotSet("failed_attempts", 2.0) in prediction.optional_events


# -- the risk catalogue (data/risks.yml) ----------------------------------------------------------


def found(risk, evidence, matched_by="meaning"):
    """A risk as policies/risk_detector.py reports it in the parse data."""
    return {"risk": risk, "evidence": evidence, "matched_by": matched_by, "confidence": 0.9}


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


def test_the_policy_sets_the_risk_slot_on_every_handoff(tmp_path, rasa_domain):
    policy, *_ = make_policy(tmp_path, rasa_domain)
    risky = conversation(rasa_domain, ("my lawyer will be in touch", "complaint"), catalogue=policy.rules.catalogue)
    asked = conversation(rasa_domain, ("a person please", "request_human"), catalogue=policy.rules.catalogue)

    risk = next(
        e.value for e in policy.predict_action_probabilities(risky, rasa_domain).optional_events if e.key == "handoff_risk"
    )
    events = policy.predict_action_probabilities(asked, rasa_domain).optional_events

    assert (risk["name"], risk["team"], risk["evidence"], risk["matched_by"]) == (
        "legal",
        "legal",
        "my lawyer will be in touch",
        "keyword",
    )
    assert SlotSet("handoff_risk", None) in events  # a risk of an earlier handoff never shows on this one


# -- small talk, unintelligible and off-topic messages ---------------------------------------------


@pytest.mark.parametrize("text", ["tell me a joke!!!", "haha you're a joke of a robot, love it", "LOL TELL ME ANOTHER ONE"])
def test_small_talk_is_never_frustration(rules, text):
    assert decide_on(rules, turn(text, "chitchat")) is None


def test_a_negative_outburst_is_frustration_whatever_the_reading(rules):
    assert decide_on(rules, turn("THIS IS USELESS, WORST SERVICE EVER!!!", "chitchat")).reason == "frustration"


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
