"""Secrets never reach any field of the packet or the agent's note."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from core.packet import build_packet, redact, render_text, validate_packet
from core.packet.redaction import luhn_valid
from core.redaction import luhn_valid as core_luhn_valid
from core.redaction import redact as core_redact
from tests.conftest import user_event
from tests.core.packet import recorded


def test_the_packet_redacts_with_the_shared_rules():
    """The rules and their cases live in core/redaction/ and tests/core/redaction/."""
    assert redact is core_redact
    assert luhn_valid is core_luhn_valid
    assert redact("iban GB82 WEST 1234 5698 7654 32, pw Hunter2!") == "iban [IBAN removed], pw [password removed]"


SECRETS = ("4111 1111 1111 1111", "4111111111111111", "hunter2x", "482913", "737")


def test_no_secret_reaches_any_field_of_the_packet_or_the_note(make_tracker):
    card = {"entity": "card", "value": "4111111111111111", "start": 0, "end": 0}
    password = {"entity": "password", "value": "hunter2x", "start": 0, "end": 0}
    events = [
        user_event("my card is 4111 1111 1111 1111 and the cvv is 737, payment failed", "payment_failed", entities=[card]),
        user_event("my password is hunter2x but someone changed my email", "account_takeover", entities=[password]),
        user_event("I got a code 482913 but I wasn't logging in!!! this is ridiculous", "account_takeover"),
    ]
    # The policy quotes the matched words in its explanation, and records the customer's urgent sentences.
    explanation = 'Escalated because the customer reported "code 482913 but I wasn\'t logging in"; security ...'
    decision = recorded("security_risk", "P1", "security", explanation, [e["text"] for e in events])
    slots = {
        "handoff_reason": "security_risk",
        "handoff_priority": "P1",
        "queue": "security",
        "handoff_explanation": explanation,
        "handoff_decision": decision,
        "email": "hunter2x",
        "card_on_file": ["4111-1111-1111-1111"],
    }

    packet = build_packet(
        make_tracker(events, slots), handoff_id="h", now=datetime(2024, 5, 1, tzinfo=timezone.utc), pseudonym_key="k"
    )

    validate_packet(packet)
    dumped, note = json.dumps(packet, ensure_ascii=False), render_text(packet)
    for secret in SECRETS:
        assert secret not in dumped
        assert secret not in note
    assert "[card number removed]" in packet["transcript"][0]["text"]
    assert packet["urgent_words"] == [
        "my password is [password removed] but someone changed my email",
        "I got a code [code removed] but I wasn't logging in!!!",
        "this is ridiculous",
    ]
    assert "typed a card number, a CVV, a password and a one-time code into the chat" in packet["summary"]["suggested_next_step"]
    assert "[code removed]" in packet["reason"]["explanation"]
    assert packet["slots"]["email"] == "[password removed]"
