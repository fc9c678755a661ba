"""The versioned schema: well-formed, in step with the code's vocabularies, and strict about what it rejects."""

from __future__ import annotations

import copy
from datetime import datetime, timezone

import pytest
from jsonschema import Draft202012Validator

from actions import knowledge_base
from core.escalation.risk_catalogue import PRIORITIES
from core.packet import PACKET_SCHEMA_ID, PacketError, build_packet, packet_schema, validate_packet
from core.packet.build import VERDICTS
from tests.conftest import user_event
from tests.core.packet import project_rules


@pytest.fixture(scope="module")
def schema():
    return packet_schema()


@pytest.fixture
def packet(make_tracker):
    tracker = make_tracker([user_event("where is order AC-482913", "order_status")])
    return build_packet(tracker, handoff_id="h", now=datetime(2024, 5, 1, tzinfo=timezone.utc), pseudonym_key="k")


def test_the_schema_is_valid_draft_2020_12_with_its_id(schema):
    Draft202012Validator.check_schema(schema)
    assert schema["$id"] == PACKET_SCHEMA_ID == "tandem.handoff/1"
    assert schema["properties"]["schema"] == {**schema["properties"]["schema"], "const": PACKET_SCHEMA_ID}


def test_the_schema_knows_the_codes_the_code_uses(schema):
    import re

    props = schema["properties"]
    rules = project_rules()
    # Reasons and teams grow with the risk catalogue (data/risks.yml): the schema fixes their form.
    assert all(re.fullmatch(props["reason"]["properties"]["code"]["pattern"], code) for code in rules.reasons)
    assert all(re.fullmatch(props["queue"]["pattern"], team) for team in rules.queues)
    assert props["priority"]["enum"] == list(PRIORITIES)
    assert props["articles_shown"]["items"]["properties"]["verdict"]["enum"] == list(VERDICTS)
    assert set(VERDICTS) == {knowledge_base.SHOWN, knowledge_base.SOLVED, knowledge_base.NOT_IT}


def test_every_top_level_field_is_required(schema, packet):
    assert schema["required"] == list(packet)


@pytest.mark.parametrize("field", ["summary", "reason", "transcript", "schema"])
def test_a_missing_required_field_is_named(packet, field):
    del packet[field]

    with pytest.raises(PacketError, match=rf"^\$\.{field}: required field is missing"):
        validate_packet(packet)


def test_a_missing_nested_field_is_named_with_its_path(packet):
    del packet["summary"]["open_question"]

    with pytest.raises(PacketError, match=r"^\$\.summary\.open_question: required field is missing"):
        validate_packet(packet)


@pytest.mark.parametrize(
    ("change", "path"),
    [
        pytest.param(lambda p: p["reason"].update(code="Because!"), r"\$\.reason\.code", id="bad-reason-code"),
        pytest.param(lambda p: p.update(risk={"name": "product_safety"}), r"\$\.risk", id="incomplete-risk"),
        pytest.param(lambda p: p.update(priority="P0"), r"\$\.priority", id="bad-priority"),
        pytest.param(lambda p: p["customer"].update(id="alice@example.com"), r"\$\.customer\.id", id="sender-id-not-pseudonym"),
        pytest.param(lambda p: p["timestamps"].update(escalated_at="yesterday"), r"\$\.timestamps\.escalated_at", id="bad-time"),
        pytest.param(
            lambda p: p["transcript"].append({"from": "robot", "text": "", "at": None}),
            r"\$\.transcript\[1\]\.from",
            id="bad-sender",
        ),
        pytest.param(lambda p: p.update(extra=1), r"\$: Additional properties", id="unknown-field"),
        pytest.param(lambda p: p.update(queue_position=-1), r"\$\.queue_position", id="negative-queue-position"),
    ],
)
def test_bad_values_are_rejected_with_their_path(packet, change, path):
    bad = copy.deepcopy(packet)
    change(bad)

    with pytest.raises(PacketError, match=rf"^{path}") as raised:
        validate_packet(bad)
    assert isinstance(raised.value, ValueError)


def test_every_problem_is_listed(packet):
    packet["priority"], packet["queue"] = "P0", "No Where"

    with pytest.raises(PacketError) as raised:
        validate_packet(packet)

    assert len(raised.value.problems) == 2
    assert "and 1 more" in str(raised.value)
