"""The escalation gold set, end to end through the REST channel with the trained model."""

import pytest

from actions.knowledge.articles import known_intents
from core.escalation.loading import load_rules
from scripts.gold import GoldReport, load_gold, run_gold
from scripts.stack import ROOT

pytestmark = pytest.mark.stack

MUST_NEVER_MISS = ["security_risk", "legal", "customer_request", "product_safety", "data_protection"]


@pytest.fixture(scope="module")
def report(stack) -> GoldReport:
    return run_gold(stack.rasa_url, api_token=stack.api_token)


def test_gold_set_is_big_enough():
    cases = load_gold()
    assert len(cases) >= 60
    assert all(2 <= len(c["turns"]) <= 5 for c in cases)


@pytest.mark.parametrize("reason", MUST_NEVER_MISS)
def test_never_misses(report, reason):
    """Every such conversation reaches the reason's team: with that reason, or (security) as an
    unsure reading of a high-risk intent, which goes to the same queue. `make eval` reports the
    strict per-reason recall as well."""
    queue = load_rules(ROOT / "data" / "escalation.yml", known_intents(ROOT / "domain.yml")).reasons[reason].queue
    cases = [o for o in report.must_escalate if o.expected == reason]
    misses = [(o.id, o.predicted, o.queue) for o in cases if not o.reached_team_of(reason, queue)]
    assert cases and misses == []


def test_the_tracker_alone_says_why(report, stack):
    import requests

    outcome = next(o for o in report.outcomes if o.predicted == "security_risk")
    slots = requests.get(stack.api(f"/conversations/{outcome.sender}/tracker"), timeout=30).json()["slots"]

    assert slots["handoff_reason"] == "security_risk"
    assert slots["handoff_priority"] == "P1"
    assert slots["queue"] == "security"
    assert slots["handoff_explanation"].startswith("Escalated because of security risk: ")
    assert slots["handoff_risk"]["team"] == "security" and slots["handoff_risk"]["evidence"]
