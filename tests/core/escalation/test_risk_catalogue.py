"""core/escalation/risk_catalogue.py: the catalogue is validated, and errors name the file, the key and the reason."""

import json

import pytest

from core.escalation.loading import SCHEMA as ESCALATION_SCHEMA
from core.escalation.risk_catalogue import NAME, PRIORITIES, SCHEMA, parse_catalogue
from core.escalation.rules import EscalationRulesError
from tests.core.escalation import broken

LEGAL = 2  # risks[2] of data/risks.yml: legal


@pytest.fixture(scope="module")
def raw_catalogue(raw_rules):
    return raw_rules["risk_catalogue"]


@pytest.mark.parametrize(
    ("path", "value", "key", "reason"),
    [
        (("version",), 2, "version", "must be 1 (got 2)"),
        (("matching", "min_confidence"), "high", "matching.min_confidence", "must be a number from 0.0 to 1.0 (got 'high')"),
        (("teams", "Legal Team"), "Lawyers.", "teams.Legal Team", "a team name is lower-case letters, digits and _"),
        (("teams", "legal"), " ", "teams.legal", "must be non-empty text (got ' ')"),
        (("risks", LEGAL, "name"), "Legal", f"risks[{LEGAL}].name", "a risk name is a reason code: lower-case letters"),
        (("risks", LEGAL, "team"), "lawyers", f"risks[{LEGAL}].team", "must be one of general, billing,"),
        (("risks", LEGAL, "priority"), "P0", f"risks[{LEGAL}].priority", "must be one of P1, P2, P3 (got 'P0')"),
        (("risks", LEGAL, "why"), KeyError, f"risks[{LEGAL}].why", "missing key"),
        (("risks", LEGAL, "keywords", 0), "(court", f"risks[{LEGAL}].keywords[0]", "is not a valid regular expression"),
        (("risks", LEGAL, "keywords", 1), "", f"risks[{LEGAL}].keywords[1]", "must be a non-empty regular expression"),
        (("risks", LEGAL, "examples", 2), 7, f"risks[{LEGAL}].examples[2]", "must be non-empty text (got 7)"),
        (("risks", LEGAL, "gentle"), "yes", f"risks[{LEGAL}].gentle", "must be true or false (got 'yes')"),
        (("risks", LEGAL, "respond_within_days"), 2.0, f"risks[{LEGAL}].respond_within_days", "whole number from 1 to 365"),
        (("risks", LEGAL, "intents"), ["complain"], f"risks[{LEGAL}].intents", "unknown intent 'complain'"),
        (("risks", LEGAL, "colour"), "red", f"risks[{LEGAL}].colour", "unknown key (expected one of examples, gentle,"),
        (("risks",), {}, "risks", "must be a list (got dict)"),
    ],
    ids=[
        "version",
        "confidence-not-a-number",
        "team-name",
        "team-without-description",
        "risk-name",
        "unknown-team",
        "bad-priority",
        "missing-why",
        "bad-keyword",
        "empty-keyword",
        "example-not-text",
        "gentle-not-a-boolean",
        "days-not-whole",
        "unknown-intent",
        "unknown-key",
        "risks-not-a-list",
    ],
)
def test_bad_catalogues_name_the_file_the_key_and_the_reason(raw_catalogue, rasa_domain, path, value, key, reason):
    with pytest.raises(EscalationRulesError) as error:
        parse_catalogue(broken(raw_catalogue, path, value), set(rasa_domain.intents), "data/risks.yml")

    assert (error.value.key, error.value.path) == (key, "data/risks.yml")
    assert reason in error.value.reason
    assert str(error.value).startswith(f"data/risks.yml: {key}: ")


def test_the_rules_the_schema_cannot_say(raw_catalogue, rasa_domain):
    intents = set(rasa_domain.intents)
    twice = broken(raw_catalogue, ("risks",), [*raw_catalogue["risks"], raw_catalogue["risks"][LEGAL]])
    undetectable = broken(broken(raw_catalogue, ("risks", LEGAL, "keywords"), []), ("risks", LEGAL, "examples"), [])
    no_reason = broken(raw_catalogue, ("risks", LEGAL, "respond_within_days"), 30)

    for catalogue, key, reason in [
        (twice, "risks", "the risk 'legal' is listed twice"),
        (undetectable, f"risks[{LEGAL}]", "needs keywords, examples or both"),
        (no_reason, f"risks[{LEGAL}]", "respond_within_days and statutory_note go together"),
    ]:
        with pytest.raises(EscalationRulesError) as error:
            parse_catalogue(catalogue, intents)
        assert (error.value.key, reason in error.value.reason) == (key, True)


def test_the_schema_and_the_code_share_their_vocabularies():
    schema = json.loads(SCHEMA.read_text())
    escalation = json.loads(ESCALATION_SCHEMA.read_text())
    risk = schema["$defs"]["risk"]["properties"]

    assert risk["priority"]["enum"] == escalation["$defs"]["priority"]["enum"] == list(PRIORITIES)
    assert risk["name"]["pattern"] == schema["properties"]["teams"]["propertyNames"]["pattern"] == NAME.pattern
