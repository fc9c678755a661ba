"""docs/designers.md, done step by step on a copy of the project: an article, a team, an escalation rule and a risk.

Adding an intent, which needs a trained model and the servers, is tests/docs/test_designers_intent.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from actions.knowledge.articles import known_intents
from actions.knowledge.evaluation import evaluate, load_cases
from actions.knowledge.retrieval import KnowledgeIndex, Outcome
from actions.knowledge.store import KnowledgeStore
from core import clock
from core.escalation.decide import decide
from core.escalation.loading import load_rules
from core.escalation.record import DECISION_SLOT, decision_record
from core.escalation.turn import Turn
from core.packet import build_packet, load_topics
from scripts.kb import main as kb_main
from scripts.stack import ROOT
from tests.conftest import action_event, user_event
from tests.core.escalation import decide_on, turn
from tests.docs.guide import SECTIONS, anchored, apply_sections, copy_project, steps, validate

ARTICLE = "gift-wrapping-and-messages"


def rules_of(root: Path):
    return load_rules(root / "data" / "escalation.yml", known_intents(root / "domain.yml"))


def test_every_step_of_the_guide_has_its_place_in_this_project() -> None:
    found = steps()
    assert {step.section for step in found} == set(SECTIONS)
    for step in found:
        path = ROOT / step.file
        if step.where == "new":
            assert not path.exists(), f"{step.file}: the guide adds it, but it exists"
        else:
            assert path.is_file(), f"{step.file}: the guide edits it, but it is not there"
        if step.where == "after":
            lines = path.read_text(encoding="utf-8").splitlines()
            assert len(anchored(lines, step.anchor)) == 1, f"{step.file}: one line must start with {step.anchor!r}"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "project")


def test_an_article_added_as_documented_is_approved_published_and_found(project: Path, tmp_path: Path) -> None:
    apply_sections(project, "intent", "article")
    kb, domain = project / "data" / "kb", project / "domain.yml"
    unapproved = validate(project, "kb")
    assert unapproved.code == 1 and "is not approved yet: run `make kb-approve`" in unapproved.out

    assert kb_main(["approve", "--kb-dir", str(kb), "--domain", str(domain)]) == 0  # make kb-approve
    checked = validate(project, "kb", "settings")
    assert checked.code == 0, checked.out

    store = KnowledgeStore(f"sqlite:///{tmp_path / 'kb.db'}")
    try:
        assert ARTICLE in store.sync(kb, known_intents(domain)).published  # make run publishes it
        index = KnowledgeIndex(store.current_articles())
    finally:
        store.close()
    today = clock.today()
    dev = load_cases(project / "tests" / "kb" / "retrieval_dev.yml")
    held_out = load_cases(project / "tests" / "kb" / "retrieval_eval.yml")
    for case in [c for c in dev + held_out if c.expected == ARTICLE]:
        result = index.search(case.query, case.intent, 0.9, today=today)
        assert result.outcome is not Outcome.NOTHING and result.best.id == ARTICLE, case.query
    # What `make test` asks of retrieval still holds with the new article (tests/actions/knowledge/test_retrieval.py).
    intents = {case.query: case.intent for case in dev}
    tuned = evaluate(index, dev, predict=lambda query: (intents[query], 0.9), today=today)
    assert tuned.hit_at_1 >= 0.93 and tuned.hit_at_3 >= 0.97
    scored = evaluate(index, held_out, today=today)
    assert scored.hit_at_1 >= 0.90 and scored.hit_at_3 >= 0.95


def asks_for(queue: str) -> Turn:
    """The customer clicks a button that asks for a person of ``queue``."""
    return turn(f'/request_human{{"queue":"{queue}"}}', "request_human", 1.0, requested_queue=queue)


def test_a_team_added_as_documented_takes_the_handoffs_that_ask_for_it(project: Path) -> None:
    assert decide(rules_of(project), asks_for("brand_protection")).queue == "general"  # no such team yet

    apply_sections(project, "team")

    checked = validate(project, "settings")
    assert checked.code == 0, checked.out
    rules = rules_of(project)
    assert "brand_protection" in rules.queues
    assert decide(rules, asks_for("brand_protection")).queue == "brand_protection"


@pytest.fixture(scope="module")
def escalating(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy with the guide's intent, team, escalation rule and risk, checked by `make validate` (read only)."""
    project = apply_sections(copy_project(tmp_path_factory.mktemp("escalating") / "project"), "intent", "team", "risk")
    checked = validate(project)
    assert checked.code == 0, checked.out
    return project


def test_an_assist_rule_hands_the_details_to_its_team(escalating: Path) -> None:
    said = "it's order AC-310775, the blue scarf, with a card saying happy birthday"

    decision = decide_on(rules_of(escalating), turn(said, "gift_wrapping", 0.8, previous_intent="gift_wrapping"))

    assert (decision.reason, decision.priority, decision.queue) == ("policy_boundary", "P3", "orders")


def test_a_risk_added_as_documented_goes_to_its_team_with_its_words(escalating: Path, make_tracker) -> None:
    rules = rules_of(escalating)
    said = "the trainers you sent are counterfeit, the stitching is all wrong"

    decision = decide_on(rules, turn(said, "complaint", 0.9))

    assert (decision.reason, decision.priority, decision.queue) == ("counterfeit_goods", "P2", "brand_protection")
    assert decision.risk["team"] == "brand_protection" and decision.risk["evidence"] == said

    intents = known_intents(escalating / "domain.yml")
    topics = load_topics(escalating / "data" / "topics.yml", intents, set(rules.reasons))
    # What the policy records with the handoff (the packet's one source of why, queue and priority).
    record = decision_record(
        decision, tier=None, failed_attempts=0, failed_attempt_limit=2, urgent_words=[], rules_fingerprint="guide"
    )
    slots = {"handoff_reason": decision.reason, "handoff_priority": decision.priority, "queue": decision.queue}
    tracker = make_tracker(
        [user_event(said, "complaint", 0.9), action_event("action_handoff")],
        {**slots, "handoff_risk": decision.risk, DECISION_SLOT: record},
    )
    packet = build_packet(tracker, handoff_id="h", now=clock.now(), pseudonym_key="k", topics=topics)
    assert packet["queue"] == "brand_protection" and packet["risk"]["team"] == "brand_protection"
    assert packet["summary"]["what_happened"].endswith("Handed over because the customer may have been sold a counterfeit.")
    assert packet["summary"]["suggested_next_step"].startswith("Ask the customer to keep the item and its packaging;")


def test_the_risks_gold_cases_escalate_and_their_near_misses_do_not(escalating: Path) -> None:
    from scripts.gold import load_gold

    catalogue = rules_of(escalating).catalogue
    cases = {case["id"]: case for case in load_gold(escalating / "tests" / "escalation" / "gold.yml")}
    risky, harmless = cases["counterfeit-trainers"], cases["real-leather-question"]

    assert (risky["label"], risky["reason"]) == ("escalate", "counterfeit_goods")
    assert [m["risk"] for m in catalogue.keyword_matches(risky["turns"][-1])] == ["counterfeit_goods"]
    assert harmless["label"] == "no_escalate"
    assert all(catalogue.keyword_matches(said) == [] for said in harmless["turns"])
