"""The escalation rules file, the decision, and the policy's contract with Rasa."""

import copy

import pytest
import yaml
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from policies.escalation import EscalationPolicy
from policies.escalation_rules import EscalationRulesError, Turn, decide, parse_rules, sentiment
from scripts.stack import ROOT

RULES_FILE = ROOT / "data" / "escalation.yml"


@pytest.fixture(scope="module")
def raw_rules():
    return yaml.safe_load(RULES_FILE.read_text())


@pytest.fixture(scope="module")
def rasa_domain():
    return Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture(scope="module")
def rules(raw_rules, rasa_domain):
    return parse_rules(raw_rules, set(rasa_domain.intents))


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
        (("overrides", 0, "patterns", 0), "(unclosed", "overrides[0].patterns[0]", "not a valid regular expression"),
        (("intents", "account_takeover", "min_confidence"), 1.5, "intents.account_takeover.min_confidence", "from 0.0 to 1.0"),
        (("frustration", "threshold"), -1, "frustration.threshold", "must be a number"),
        (("failed_attempts", "limit"), KeyError, "failed_attempts.limit", "missing key"),
        (("reasons", "legal"), KeyError, "reasons.legal", "missing key"),
        (("intents", "complaint", "automation"), "auto", "intents.complaint.automation", "must be one of"),
        (("tiers", "vip", "priority"), "urgent", "tiers.vip.priority", "must be one of"),
        (("overrides", 0, "reason"), "angry", "overrides[0].reason", "must be one of"),
        (("defaults", "colour"), "red", "defaults.colour", "unknown key"),
    ],
    ids=[
        "unknown-intent",
        "bad-pattern",
        "confidence-out-of-range",
        "threshold-out-of-range",
        "missing-limit",
        "missing-reason",
        "bad-automation",
        "bad-priority",
        "bad-reason-code",
        "unknown-key",
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
        (turn("my lawyer will hear about this", "complaint"), "legal", "P1", "general"),
        (turn("i will file a chargeback", "refund_status"), "legal", "P1", "general"),
        (turn("this is stopping payroll for 40 people", "payment_failed"), "business_impact", "P1", "technical"),
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
    decision = decide(rules, given)

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
    assert decide(rules, given) is None


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


def conversation(rasa_domain, *messages, tier=None):
    events = [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]
    for text, intent in messages:
        metadata = {"customer_tier": tier} if tier else {}
        events += [UserUttered(text, {"name": intent, "confidence": 0.95}, metadata=metadata)]
    return DialogueStateTracker.from_events("c", events, rasa_domain.slots)


def test_persist_then_load_gives_identical_predictions(tmp_path, rasa_domain):
    policy, config, storage, resource, context = make_policy(tmp_path, rasa_domain)
    loaded = EscalationPolicy.load(config, storage, resource, context)
    tracker = conversation(rasa_domain, ("i didn't request this password reset", "login_problem"))

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

    with pytest.raises(EscalationRulesError, match="intents.acount_takeover: unknown intent"):
        make_policy(tmp_path / "model", rasa_domain, rules_file)
