"""The packet shows the escalation policy's recorded decision (handoff_decision), read defensively, never recomputed."""

from __future__ import annotations

import json

from core.escalation.decide import risk_record
from core.packet import validate_packet
from tests.conftest import action_event
from tests.core.packet import project_rules, recorded
from tests.core.packet.test_build import build, customer, order_not_it_then_frustrated, slot, tracker_of


def test_urgent_words_are_the_customers_sentences_verbatim(make_tracker):
    """The sentences the escalation policy recorded with its decision (core/escalation/signals.py finds them)."""
    text = "Our checkout has been broken since 8am. This is stopping payroll for 40 staff. Please fix it."
    decision = recorded("business_impact", "P1", "business", "Escalated because of business impact.", [text])
    events = [customer(text, "site_outage", 0), slot("handoff_decision", decision, 1), action_event("action_handoff")]

    packet = build(tracker_of(make_tracker, events))

    assert packet["urgent_words"] == ["This is stopping payroll for 40 staff."]


def test_without_a_decision_there_are_no_urgent_words(make_tracker):
    """Only the policy's rules say what is urgent; the packet never reads them."""
    text = "Our checkout has been broken since 8am. This is stopping payroll for 40 staff. Please fix it."

    packet = build(tracker_of(make_tracker, [customer(text, "site_outage", 0), action_event("action_handoff")]))

    assert packet["urgent_words"] == []


def test_urgent_words_include_frustration_signals(make_tracker):
    events = order_not_it_then_frustrated()

    packet = build(tracker_of(make_tracker, events))

    assert packet["urgent_words"] == ["This is useless.", "It's the third time I'm asking about this order!!!"]


def test_defaults_replace_values_the_schema_would_reject(make_tracker):
    tracker = make_tracker(
        [customer("help", "greet", 0)],
        {"handoff_reason": "bogus", "handoff_explanation": "stale", "handoff_priority": "P9", "queue": "nowhere"},
    )

    packet = build(tracker)

    validate_packet(packet)
    assert packet["reason"]["code"] == "customer_request"
    assert packet["reason"]["explanation"] != "stale"
    assert (packet["priority"], packet["queue"]) == ("P3", "general")


def test_a_damaged_decision_gives_the_defaults_not_a_broken_packet(make_tracker):
    damaged = {"reason": "Bogus!", "explanation": "stale", "priority": "P9", "queue": "No Where", "urgent_words": "x"}
    tracker = make_tracker([customer("help", "greet", 0)], {"handoff_decision": damaged})

    packet = build(tracker)

    validate_packet(packet)
    assert (packet["reason"]["code"], packet["priority"], packet["queue"]) == ("customer_request", "P3", "general")
    assert packet["reason"]["explanation"] != "stale" and packet["urgent_words"] == []


def test_the_risk_shows_its_team_evidence_and_legal_deadline(make_tracker):
    """A data-protection request: the privacy team, the customer's sentence, and the date the law sets."""
    sentence = "please send me a copy of everything you hold about me, my card is 4111 1111 1111 1111"
    catalogue = project_rules().catalogue
    risk = risk_record(catalogue.risk("data_protection"), {"evidence": sentence, "matched_by": "meaning"})
    decision = recorded("data_protection", "P2", "privacy", "Escalated because of data protection.", [sentence], risk)
    tracker = make_tracker(
        [customer(sentence, "account_delete", 0)],
        {"handoff_reason": "data_protection", "queue": "privacy", "handoff_risk": risk, "handoff_decision": decision},
    )

    packet = build(tracker)

    validate_packet(packet)
    assert packet["risk"]["name"] == "data_protection" and packet["risk"]["team"] == "privacy"
    assert packet["risk"]["evidence"].startswith("please send me a copy of everything you hold about me")
    assert "4111" not in json.dumps(packet)  # the evidence is redacted like every other text
    assert packet["risk"]["respond_by"] == "2024-05-31T09:05:00Z"  # NOW + the catalogue's 30 days
    assert packet["risk"]["statutory_note"] == catalogue.risk("data_protection").statutory_note
    assert packet["risk"]["matched_by"] == "meaning" and packet["risk"]["gentle"] is False
    assert "handoff_risk" not in packet["slots"] and "handoff_decision" not in packet["slots"]


def test_no_risk_or_an_unknown_one_gives_none(make_tracker):
    plain = make_tracker([customer("where is my parcel", "order_status", 0)])
    forged = make_tracker([customer("hi", "greet", 0)], {"handoff_risk": {"name": "made_up", "evidence": "x"}})
    incomplete = recorded("legal", "P1", "legal", "Escalated because of legal.", risk={"name": "legal", "evidence": "x"})

    assert build(plain)["risk"] is None
    assert build(forged)["risk"] is None
    assert build(make_tracker([customer("hi", "greet", 0)], {"handoff_decision": incomplete}))["risk"] is None
