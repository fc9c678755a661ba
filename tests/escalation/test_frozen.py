"""The frozen escalation test set stays an honest test: nothing in the rules was written from it.

tests/escalation/frozen.yml was written apart from the rules (another author, who
saw neither data/risks.yml, data/escalation.yml nor the development set) and is
never used for tuning; `make eval` scores it. These checks fail if a keyword or a
catalogue example has been copied from one of its sentences.
"""

import functools
import re
from collections import Counter

import yaml

from actions.knowledge.articles import known_intents
from core.escalation.loading import load_rules
from core.escalation.risk_catalogue import sentences_of
from scripts.gold import FROZEN, GOLD, load_gold
from scripts.stack import ROOT

RISKS_THAT_MUST_NEVER_BE_MISSED = ("product_safety", "security_risk", "legal", "data_protection")


def words(text: str) -> set:
    return set(re.findall(r"[a-z0-9']+", text.lower()))


def frozen_sentences():
    return [turn for case in load_gold(FROZEN) for turn in case["turns"]]


@functools.lru_cache(maxsize=1)
def catalogue():
    return load_rules(ROOT / "data" / "escalation.yml", known_intents(ROOT / "domain.yml")).catalogue


def test_frozen_set_is_big_and_balanced():
    cases = load_gold(FROZEN)
    reasons = Counter(c.get("reason") for c in cases if c["label"] == "escalate")
    assert len(cases) >= 150
    assert all(2 <= len(c["turns"]) <= 4 for c in cases)
    assert abs(sum(reasons.values()) - sum(c["label"] == "no_escalate" for c in cases)) <= 10  # about half and half
    risks = {risk.name for risk in catalogue().risks if risk.examples}
    assert risks <= set(reasons), f"risks without a frozen case: {sorted(risks - set(reasons))}"
    assert all(reasons[name] >= 6 for name in risks)


def covering_match(pattern, sentence: str):
    """A match that spans (nearly) the whole of a sentence of five words or more: a pattern written from it."""
    match = pattern.search(sentence)
    return match if match and len(sentence.split()) >= 5 and len(match.group(0)) >= 0.8 * len(sentence.strip()) else None


def test_no_keyword_matches_a_frozen_sentence_verbatim():
    """A keyword that matches a whole sentence was written from it, not from the risk."""
    copied = [
        (risk.name, pattern.pattern, sentence)
        for turn in frozen_sentences()
        for sentence in [turn, *sentences_of(turn)]
        for risk in catalogue().risks
        for pattern in risk.keywords
        if covering_match(pattern, sentence)
    ]
    assert copied == []


def test_the_verbatim_check_catches_a_copied_pattern():
    import re as regex

    sentence = "the blender lid flew off and cut my thumb open"
    assert covering_match(regex.compile(r"the blender lid flew off and cut my \w+ open"), sentence)
    assert not covering_match(regex.compile(r"\bcut my (thumb|finger)"), sentence)


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
