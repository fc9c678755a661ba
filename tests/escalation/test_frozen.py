"""The frozen escalation test set stays an honest test: nothing in the rules was written from it.

tests/escalation/frozen.yml was written apart from the rules (another author, who
saw neither data/risks.yml, data/escalation.yml nor the development set) and is
never used for tuning; `make eval` scores it. These checks fail if a keyword or a
catalogue example has been copied from one of its sentences.
"""

import re
from collections import Counter

import yaml

from policies.escalation_rules import load_rules
from scripts.gold import FROZEN, GOLD, load_gold
from scripts.stack import ROOT
from tests.policies.conftest import known_intents

RISKS_THAT_MUST_NEVER_BE_MISSED = ("product_safety", "security_risk", "legal", "data_protection")


def words(text: str) -> set:
    return set(re.findall(r"[a-z0-9']+", text.lower()))


def frozen_sentences():
    return [turn for case in load_gold(FROZEN) for turn in case["turns"]]


def catalogue():
    return load_rules(ROOT / "data" / "escalation.yml", known_intents()).catalogue


def test_frozen_set_is_big_and_balanced():
    cases = load_gold(FROZEN)
    reasons = Counter(c.get("reason") for c in cases if c["label"] == "escalate")
    assert len(cases) >= 150
    assert all(2 <= len(c["turns"]) <= 4 for c in cases)
    assert abs(sum(reasons.values()) - sum(c["label"] == "no_escalate" for c in cases)) <= 10  # about half and half
    risks = {risk.name for risk in catalogue().risks if risk.examples}
    assert risks <= set(reasons), f"risks without a frozen case: {sorted(risks - set(reasons))}"
    assert all(reasons[name] >= 6 for name in risks)


def test_no_keyword_matches_a_frozen_sentence_verbatim():
    """A keyword that matches a whole sentence was written from it, not from the risk."""
    copied = [
        (risk.name, pattern.pattern, sentence)
        for sentence in frozen_sentences()
        for risk in catalogue().risks
        for pattern in risk.keywords
        if pattern.fullmatch(sentence.strip()) or len(pattern.pattern) > 0.6 * len(sentence) > 20 and pattern.search(sentence)
    ]
    assert copied == []


def test_no_catalogue_example_is_a_near_copy_of_a_frozen_sentence():
    """Examples match by meaning: one that repeats a frozen sentence would make the test set part of the rules."""
    examples = [(risk.name, example) for risk in catalogue().risks for example in risk.examples]
    near = [
        (name, example, sentence)
        for sentence in frozen_sentences()
        for name, example in examples
        if len(words(sentence) & words(example)) / max(1, len(words(sentence) | words(example))) >= 0.6
    ]
    assert near == []


def test_the_development_set_is_not_the_frozen_set():
    frozen = {s.strip().lower() for s in frozen_sentences() if len(s.split()) > 3}
    development = {t.strip().lower() for case in load_gold(GOLD) for t in case["turns"]}
    assert frozen & development == set()


def test_frozen_file_says_it_is_frozen():
    header = (ROOT / "tests" / "escalation" / "frozen.yml").read_text().split("version:")[0]
    assert "Never tune" in header and yaml.safe_load((ROOT / "tests" / "escalation" / "frozen.yml").read_text())["version"] == 1
