"""The frozen NLU development test set (tests/nlu/dev_test.yml) stays apart from the training data.

Written by another author than data/nlu and frozen before tuning: rules, data and
thresholds are never fitted to its misses. These checks keep it honest: every intent it
names exists in the domain, and no sentence in it is the same as, or a near copy of, a
training example (a copy would turn a test into a memory check).
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Set

import yaml

from scripts.stack import ROOT

DEV_TEST = ROOT / "tests" / "nlu" / "dev_test.yml"
# Two messages this similar (difflib ratio of their normalised text) count as the same sentence.
NEAR_DUPLICATE_RATIO = 0.9
_ENTITY = re.compile(r"\[([^\]]+)\]\([^)]+\)|\[([^\]]+)\]\{[^}]+\}")


def normalise(text: str) -> str:
    text = _ENTITY.sub(lambda m: m.group(1) or m.group(2), text)
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def examples(path: Path) -> Dict[str, List[str]]:
    found: Dict[str, List[str]] = defaultdict(list)
    for item in (yaml.safe_load(path.read_text()) or {}).get("nlu", []):
        if "intent" in item and isinstance(item.get("examples"), str):
            for line in item["examples"].splitlines():
                line = line.strip()
                if line.startswith("- "):
                    found[item["intent"]].append(line[2:].strip())
    return found


def training_sentences() -> List[str]:
    return [
        normalise(text)
        for path in sorted((ROOT / "data" / "nlu").glob("*.yml"))
        for texts in examples(path).values()
        for text in texts
    ]


def near_duplicates(tests: List[str], training: List[str]) -> List[str]:
    index: Dict[str, Set[int]] = defaultdict(set)
    for number, sentence in enumerate(training):
        for word in set(sentence.split()):
            index[word].add(number)
    found = []
    for sentence in tests:
        words = set(sentence.split())
        counts: Dict[int, int] = defaultdict(int)
        for word in words:
            for number in index.get(word, ()):
                counts[number] += 1
        candidates = [n for n, shared in counts.items() if shared >= max(1, len(words) // 2)]
        for number in candidates:
            if difflib.SequenceMatcher(None, sentence, training[number]).ratio() >= NEAR_DUPLICATE_RATIO:
                found.append(f"{sentence!r} ~ {training[number]!r}")
                break
    return found


def test_the_set_is_big_enough_and_names_only_known_intents(domain) -> None:
    tests = examples(DEV_TEST)
    assert sum(len(texts) for texts in tests.values()) >= 600
    assert set(tests) <= set(domain["intents"]), set(tests) - set(domain["intents"])


def test_no_test_sentence_is_a_near_copy_of_a_training_example() -> None:
    tests = [normalise(text) for texts in examples(DEV_TEST).values() for text in texts]
    assert near_duplicates(tests, training_sentences()) == []


def test_the_near_duplicate_check_sees_a_copy() -> None:
    training = [normalise("Where is my parcel, I ordered it last week")]
    assert near_duplicates([normalise("where is my parcel i ordered it last week!")], training)
    assert not near_duplicates([normalise("can I pay with paypal")], training)
