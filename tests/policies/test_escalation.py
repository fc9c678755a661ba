"""The escalation policy's contract with Rasa: training validates and persists the rules, prediction sets the slots."""

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from core.escalation.rules import EscalationRulesError
from policies.escalation import EscalationPolicy
from scripts.stack import ROOT

RULES_FILE = ROOT / "data" / "escalation.yml"


@pytest.fixture(scope="module")
def rasa_domain():
    return Domain.load(str(ROOT / "domain.yml"))


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


def test_the_decision_is_recorded_whole_for_the_action_server(tmp_path, rasa_domain):
    policy, *_ = make_policy(tmp_path, rasa_domain)
    angry = conversation(rasa_domain, ("where is my order", "order_status"), ("THIS IS USELESS!!! third time i ask", "complaint"))

    events = policy.predict_action_probabilities(angry, rasa_domain).optional_events
    record = next(e.value for e in events if e.key == "handoff_decision")

    slots = {e.key: e.value for e in events}
    assert {k: record[k] for k in ("reason", "priority", "queue", "explanation", "risk")} == {
        "reason": slots["handoff_reason"],
        "priority": slots["handoff_priority"],
        "queue": slots["queue"],
        "explanation": slots["handoff_explanation"],
        "risk": slots["handoff_risk"],
    }
    assert (record["reason"], record["tier"], record["failed_attempts"], record["failed_attempt_limit"]) == (
        "frustration",
        None,
        0,
        2,
    )
    assert record["urgent_words"] == ["THIS IS USELESS!!!", "third time i ask"]
    assert record["rules"] == policy.rules.fingerprint


def test_before_each_action_the_policy_says_whether_a_failure_would_hand_off(tmp_path, rasa_domain):
    """Set whichever policy wins (mandatory events), and only when it changes."""
    policy, *_ = make_policy(tmp_path, rasa_domain)
    vip = conversation(rasa_domain, ("zzz qqq", "nlu_fallback"), tier="vip")  # the vip tier's limit: 1
    regular = conversation(rasa_domain, ("zzz qqq", "nlu_fallback"))

    first = policy.predict_action_probabilities(vip, rasa_domain)
    vip.update_with_events(first.events, rasa_domain)
    again = policy.predict_action_probabilities(vip, rasa_domain)

    assert max(first.probabilities) == 0.0 and first.events == [SlotSet("handoff_at_next_failure", True)]
    assert again.events == []
    assert policy.predict_action_probabilities(regular, rasa_domain).events == []  # false, as it starts
