"""The project's escalation rules, loaded once per module as a trained model holds them."""

import copy

import pytest
from rasa.shared.core.domain import Domain

from core.escalation.loading import load_rules, parse_rules
from scripts.stack import ROOT

RULES_FILE = ROOT / "data" / "escalation.yml"


@pytest.fixture(scope="module")
def rasa_domain():
    return Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture(scope="module")
def raw_rules(rasa_domain):
    """The rules as a model saves them: escalation.yml with the risk catalogue embedded."""
    return copy.deepcopy(load_rules(RULES_FILE, set(rasa_domain.intents)).source)


@pytest.fixture(scope="module")
def rules(raw_rules, rasa_domain):
    return parse_rules(raw_rules, set(rasa_domain.intents))
