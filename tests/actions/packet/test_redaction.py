"""Secrets never reach the packet; order numbers and ordinary words survive."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from actions.config import load_escalation_rules
from actions.packet import build_packet, pseudonym, redact, render_text, validate_packet
from actions.packet.redaction import luhn_valid
from tests.conftest import user_event


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("my card is 4111 1111 1111 1111", "my card is [card number removed]", id="card-spaced"),
        pytest.param("card 4111-1111-1111-1111 please", "card [card number removed] please", id="card-dashed"),
        pytest.param("4111111111111111", "[card number removed]", id="card-run-together"),
        pytest.param("amex 378282246310005", "amex [card number removed]", id="card-15-digit-amex"),
        pytest.param("card 4111 1111 1111 1112", "card [card number removed]", id="card-16-digit-typo"),
        pytest.param("4111 1111 1111 1111 12/27", "[card number removed] 12/27", id="card-followed-by-expiry"),
        pytest.param("order 12345678 is late", "order 12345678 is late", id="order-number-kept"),
        pytest.param("order AC-482913 is late", "order AC-482913 is late", id="order-number-with-prefix-kept"),
        pytest.param("orders 12345678 87654321", "orders 12345678 87654321", id="two-order-numbers-kept"),
        pytest.param("call +44 20 7946 0958", "call +44 20 7946 0958", id="phone-number-kept"),
        pytest.param("my password is hunter2", "my password is [password removed]", id="password-is"),
        pytest.param("pw: x", "pw: [password removed]", id="pw-colon"),
        pytest.param("password=S3cr3t!", "password=[password removed]", id="password-equals"),
        pytest.param("my password's fluffy", "my password's [password removed]", id="password-apostrophe"),
        pytest.param("my password is not working", "my password is not working", id="password-described-kept"),
        pytest.param("I need a password reset", "I need a password reset", id="password-reset-kept"),
        pytest.param("code 482913", "code [code removed]", id="code"),
        pytest.param("OTP is 1234", "OTP is [code removed]", id="otp-is"),
        pytest.param("verification code: 99887", "verification code: [code removed]", id="verification-code"),
        pytest.param("482913 is my code", "[code removed] is my code", id="code-after-number"),
        pytest.param("my pin is 4321", "my pin is [code removed]", id="pin"),
        pytest.param("error code 4041 at checkout", "error code 4041 at checkout", id="error-code-kept"),
        pytest.param("promo code 2024 didn't work", "promo code 2024 didn't work", id="promo-code-kept"),
        pytest.param("it says PAY-402", "it says PAY-402", id="error-code-entity-kept"),
        pytest.param("my cvv is 123", "my cvv is [CVV removed]", id="cvv"),
        pytest.param("CVC: 9876", "CVC: [CVV removed]", id="cvc-4-digit"),
        pytest.param("security code 123", "security code [CVV removed]", id="security-code"),
        pytest.param("my password is [password removed]", "my password is [password removed]", id="idempotent"),
    ],
)
def test_redact(text, expected):
    assert redact(text) == expected


def test_luhn():
    assert luhn_valid("4111111111111111")
    assert not luhn_valid("4111111111111112")


def test_pseudonym_is_stable_keyed_and_not_the_sender():
    first = pseudonym("+14155550123", "key-a")

    assert re.fullmatch(r"cus_[0-9a-f]{16}", first)
    assert pseudonym("+14155550123", "key-a") == first
    assert pseudonym("+14155550123", "key-b") != first
    assert pseudonym("+14155550124", "key-a") != first
    assert "4155550123" not in first


def test_pseudonym_refuses_an_empty_key():
    with pytest.raises(ValueError, match="key"):
        pseudonym("someone", "")


SECRETS = ("4111 1111 1111 1111", "4111111111111111", "hunter2x", "482913", "737")


def test_no_secret_reaches_any_field_of_the_packet_or_the_note(make_tracker):
    rules = load_escalation_rules(Path("data/escalation.yml"))
    card = {"entity": "card", "value": "4111111111111111", "start": 0, "end": 0}
    password = {"entity": "password", "value": "hunter2x", "start": 0, "end": 0}
    events = [
        user_event("my card is 4111 1111 1111 1111 and the cvv is 737, payment failed", "payment_failed", entities=[card]),
        user_event("my password is hunter2x but someone changed my email", "account_takeover", entities=[password]),
        user_event("I got a code 482913 but I wasn't logging in!!! this is ridiculous", "account_takeover"),
    ]
    slots = {
        "handoff_reason": "security_risk",
        "handoff_priority": "P1",
        "queue": "security",
        # The policy quotes the matched words in its explanation.
        "handoff_explanation": 'Escalated because the customer reported "code 482913 but I wasn\'t logging in"; security ...',
        "email": "hunter2x",
        "card_on_file": ["4111-1111-1111-1111"],
    }

    packet = build_packet(
        make_tracker(events, slots), rules, handoff_id="h", now=datetime(2024, 5, 1, tzinfo=timezone.utc), pseudonym_key="k"
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
