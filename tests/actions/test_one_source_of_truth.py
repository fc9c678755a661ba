"""The action server follows the escalation policy's recorded decision, never data/escalation.yml.

The policy decides with the rules saved in its model. Here the rules file is edited after
training (a different queue, priority and tier limit), and the file the action server once read
(TANDEM_ESCALATION_RULES) points at the edited copy: the packet, its queue and priority, and
whether a failed attempt hands off still agree with the policy's decision. Real parts only: the
trained policy, Rasa's tracker, the actions, and a handoff store on SQLite.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import handoff as handoff_module
from actions.clarification import ActionClarify
from actions.handoff import ActionHandoff
from core.handoff import settings as handoff_settings
from policies.escalation import EscalationPolicy
from scripts.stack import ROOT
from tests.conftest import DESK_TOKENS, HANDOFF_TEST_SETTINGS

# What a support lead changes in data/escalation.yml and data/risks.yml after the model was trained.
EDITS = [
    ("  frustration: {priority: P2, queue: general,", "  frustration: {priority: P3, queue: billing,"),
    ("  all_caps: {min_letters: 12, weight: 0.8}", "  all_caps: {min_letters: 400, weight: 0.8}"),
    ("  exclamations: {min_run: 3, weight: 0.4}", "  exclamations: {min_run: 9, weight: 0.4}"),
    ("vip: {frustration_threshold: 0.6, failed_attempt_limit: 1,", "vip: {frustration_threshold: 0.6, failed_attempt_limit: 3,"),
]
RISK_EDITS = [
    ('    team: legal\n    why: "The customer is taking', '    team: general\n    why: "Edited: the customer is taking'),
]


def edit(text: str, edits: List[Tuple[str, str]]) -> str:
    for old, new in edits:
        assert old in text, f"the rules changed: update the edits ({old!r})"
        text = text.replace(old, new)
    return text


@pytest.fixture(scope="module")
def rasa_domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture
def policy(tmp_path: Path, rasa_domain: Domain) -> EscalationPolicy:
    config = {**EscalationPolicy.get_default_config(), "rules_file": str(ROOT / "data" / "escalation.yml")}
    storage, resource = LocalModelStorage(tmp_path), Resource("escalation")
    context = ExecutionContext(GraphSchema({}), "test")
    EscalationPolicy.create(config, storage, resource, context).train([], rasa_domain)
    return EscalationPolicy.load(config, storage, resource, context)


@pytest.fixture(autouse=True)
def edited_after_training(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """data/escalation.yml edited without retraining, where the action server would look for it."""
    edited = tmp_path / "rules"
    edited.mkdir()
    (edited / "escalation.yml").write_text(edit((ROOT / "data" / "escalation.yml").read_text(), EDITS))
    (edited / "risks.yml").write_text(edit((ROOT / "data" / "risks.yml").read_text(), RISK_EDITS))
    monkeypatch.setenv("TANDEM_ESCALATION_RULES", str(edited / "escalation.yml"))
    monkeypatch.setenv("TANDEM_HANDOFF_URL", f"sqlite:///{tmp_path / 'handoff.db'}")
    monkeypatch.setenv("TANDEM_HANDOFF_SETTINGS", str(HANDOFF_TEST_SETTINGS))
    monkeypatch.setenv("TANDEM_DESK_TOKENS", f"Sam:{DESK_TOKENS['Sam']}")
    monkeypatch.setenv("TANDEM_PSEUDONYM_KEY", "test-key")
    handoff_settings.settings.cache_clear()
    handoff_module.handoff_store.cache_clear()
    handoff_module.handoff_store().agent_seen("desk-sam", "Sam")
    yield edited / "escalation.yml"
    handoff_settings.settings.cache_clear()
    handoff_module.handoff_store.cache_clear()


def conversation(
    rasa_domain: Domain, text: str, intent: str, confidence: float = 0.95, tier: str = "", risks: Any = ()
) -> DialogueStateTracker:
    """One customer message; ``risks`` as policies/risk_detector.py puts them in the parse data."""
    events = [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]
    ranking = [{"name": intent, "confidence": confidence}]
    parse = {"intent": {"name": intent, "confidence": confidence}, "intent_ranking": ranking, "entities": [], "text": text}
    parse["risks"] = list(risks)
    metadata = {"customer_tier": tier} if tier else {}
    events.append(UserUttered(text, parse["intent"], parse_data=parse, metadata=metadata))
    return DialogueStateTracker.from_events("one-source", events, rasa_domain.slots)


def predict_and_apply(policy: EscalationPolicy, tracker: DialogueStateTracker, domain: Domain) -> bool:
    """The policy's prediction with its events applied, as Rasa's processor applies them; whether it hands off."""
    prediction = policy.predict_action_probabilities(tracker, domain)
    hands_off = prediction.probabilities[domain.index_for_action("action_handoff")] == 1.0
    tracker.update_with_events(prediction.events + (prediction.optional_events if hands_off else []), domain)
    return hands_off


def as_the_action_server_gets_it(tracker: DialogueStateTracker) -> Tracker:
    return Tracker.from_dict(tracker.current_state(EventVerbosity.ALL))


async def run(action: Any, tracker: DialogueStateTracker, domain: Domain, sdk_domain: Dict[str, Any]) -> CollectingDispatcher:
    """Run ``action`` on the action server's view of ``tracker``, then log it on the tracker as Rasa does."""
    dispatcher = CollectingDispatcher()
    returned: List[Dict[str, Any]] = await action.run(dispatcher, as_the_action_server_gets_it(tracker), sdk_domain)
    tracker.update(ActionExecuted(action.name()))
    tracker.update_with_events([Event.from_parameters(e) for e in returned], domain)
    return dispatcher


async def test_the_packet_queue_and_priority_are_the_policys_not_the_edited_files(policy, rasa_domain, domain):
    tracker = conversation(rasa_domain, "WHY IS MY ORDER STILL NOT HERE!!!", "order_status")

    assert predict_and_apply(policy, tracker, rasa_domain)
    await run(ActionHandoff(), tracker, rasa_domain, domain)

    decision = tracker.get_slot("handoff_decision")
    stored = handoff_module.handoff_store().get(tracker.get_slot("handoff_id"))
    packet = stored.packet
    assert (decision["reason"], decision["priority"], decision["queue"]) == ("frustration", "P2", "general")
    assert (stored.reason, stored.priority, stored.queue) == ("frustration", "P2", "general")
    assert (packet["reason"]["code"], packet["priority"], packet["queue"]) == ("frustration", "P2", "general")
    assert packet["reason"]["explanation"] == decision["explanation"]
    assert packet["urgent_words"] == decision["urgent_words"] == ["WHY IS MY ORDER STILL NOT HERE!!!"]


async def test_the_risk_the_agent_reads_is_the_one_the_policy_found(policy, rasa_domain, domain):
    text = "my lawyer will be in touch about this"
    tracker = conversation(rasa_domain, text, "complaint", risks=policy.rules.catalogue.keyword_matches(text))

    assert predict_and_apply(policy, tracker, rasa_domain)
    await run(ActionHandoff(), tracker, rasa_domain, domain)

    packet = handoff_module.handoff_store().get(tracker.get_slot("handoff_id")).packet
    assert (packet["reason"]["code"], packet["queue"], packet["risk"]["team"]) == ("legal", "legal", "legal")
    assert packet["risk"]["why"] == tracker.get_slot("handoff_decision")["risk"]["why"]
    assert packet["risk"]["why"].startswith("The customer is taking")
    assert packet["urgent_words"] == [text]


async def test_a_failed_attempt_hands_off_at_the_limit_the_policy_holds(policy, rasa_domain, domain):
    """The vip tier's limit is 1 in the model and 3 in the edited file: the first failure hands off, in silence."""
    tracker = conversation(rasa_domain, "zzz qqq", "nlu_fallback", 0.3, tier="vip")

    assert not predict_and_apply(policy, tracker, rasa_domain)
    clarify = await run(ActionClarify(), tracker, rasa_domain, domain)  # no reading to offer: a failed attempt
    assert predict_and_apply(policy, tracker, rasa_domain)
    await run(ActionHandoff(), tracker, rasa_domain, domain)

    assert clarify.messages == [], "the policy hands off next: the action does not apologise first"
    decision = tracker.get_slot("handoff_decision")
    assert (decision["reason"], decision["tier"], decision["failed_attempts"], decision["failed_attempt_limit"]) == (
        "repeated_failure",
        "vip",
        1,
        1,
    )
    stored = handoff_module.handoff_store().get(tracker.get_slot("handoff_id"))
    assert (stored.reason, stored.priority) == ("repeated_failure", "P1")


async def test_below_the_limit_the_action_speaks_and_the_bot_carries_on(policy, rasa_domain, domain):
    tracker = conversation(rasa_domain, "zzz qqq", "nlu_fallback", 0.3)

    assert not predict_and_apply(policy, tracker, rasa_domain)
    clarify = await run(ActionClarify(), tracker, rasa_domain, domain)

    assert [m["response"] for m in clarify.messages] == ["utter_clarify_failed"]
    assert not predict_and_apply(policy, tracker, rasa_domain)
    assert tracker.get_slot("failed_attempts") == 1.0
