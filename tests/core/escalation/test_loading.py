"""core/escalation/loading.py: the rules file is validated, and errors name the file, the key and the reason."""

from dataclasses import replace

import pytest

from core.escalation.decide import decide
from core.escalation.loading import parse_rules
from core.escalation.rules import EscalationRulesError
from tests.core.escalation import broken, said, turn


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


def test_rules_without_counts_count_only_what_the_actions_record(raw_rules, rasa_domain):
    older = parse_rules(broken(raw_rules, ("failed_attempts", "counts"), KeyError), set(rasa_domain.intents))
    came_back = turn("spoke too soon, its crashing again", "site_outage", earlier=(said("site_outage"),))

    assert older.failures.came_back == 0
    assert decide(older, replace(came_back, tier="vip", text="the app still crashes")) is None


def test_the_fingerprint_names_the_rules_a_decision_was_taken_with(raw_rules, rasa_domain):
    saved = parse_rules(raw_rules, None)  # as a trained model loads them
    edited = parse_rules(broken(raw_rules, ("failed_attempts", "limit"), 3), set(rasa_domain.intents))

    assert saved.fingerprint == parse_rules(raw_rules, set(rasa_domain.intents)).fingerprint
    assert len(saved.fingerprint) == 64 and edited.fingerprint != saved.fingerprint


def test_teams_come_from_the_catalogue_and_include_the_fallback_team(raw_rules, rasa_domain):
    rules = parse_rules(raw_rules, set(rasa_domain.intents))
    without = broken(raw_rules, ("risk_catalogue", "teams", "general"), KeyError)

    assert "general" in rules.queues and set(rules.queues) == set(raw_rules["risk_catalogue"]["teams"])
    with pytest.raises(EscalationRulesError) as error:
        parse_rules(without, set(rasa_domain.intents), "data/escalation.yml")
    assert error.value.key == "teams" and "'general'" in error.value.reason
