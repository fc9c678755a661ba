"""The risk catalogue (data/risks.yml): every risk a support lead wants a person on.

Each risk has a reason code (its name, unless it borrows another reason), a
priority, a team, a one-sentence why, must-never-miss ``keywords`` (regular
expressions) and ``examples`` of how customers say it, from which the risk detector
(policies/risk_detector.py) learns to recognise each customer sentence by meaning.
Optional: ``not_examples`` (harmless messages that look like the risk,
learnt as ordinary ones), ``tiers`` (the risk applies to these customer tiers only),
``respond_within_days`` with a ``statutory_note`` (a legal clock the packet
shows), ``gentle`` (the customer may be in a hard situation), and ``intents``
whose training examples belong to this risk (the detector does not count them
as ordinary messages).

Parsing is pure; the file's shape is checked against ``risks.schema.json`` beside this module (core/yaml_schema.py),
the rest here; errors name the file, the key path and the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Mapping, Optional, Sequence, Set, Tuple

from core.yaml_schema import RulesFileError, check, one_of, regex

PRIORITIES = ("P1", "P2", "P3")
# The team of a handoff that carries no decision of the escalation policy (a designer's rule or story
# ran action_handoff): the catalogue must declare it, so that queue always exists.
FALLBACK_TEAM = "general"
# What policies/risk_detector.py adds to a message's parse data, and the escalation policy reads.
RISKS_KEY = "risks"
UNINTELLIGIBLE_KEY = "unintelligible"
NAME = re.compile(r"^[a-z][a-z0-9_]{1,40}$")
# The file's shape (keys, types, ranges); the checks in parse_catalogue are what a schema cannot say.
SCHEMA = Path(__file__).with_name("risks.schema.json")


@dataclass(frozen=True)
class Risk:
    name: str
    reason: str  # the reason code of the handoff: the name, unless it borrows another
    priority: str
    team: str
    why: str
    keywords: Tuple[re.Pattern, ...] = ()
    examples: Tuple[str, ...] = ()
    # Harmless messages that look like the risk (its topic, its words): learnt as ordinary, so the
    # detector learns the risk rather than its topic ("can our school pay on invoice" is not business impact).
    not_examples: Tuple[str, ...] = ()
    intents: FrozenSet[str] = frozenset()
    tiers: FrozenSet[str] = frozenset()
    respond_within_days: Optional[int] = None
    statutory_note: Optional[str] = None
    gentle: bool = False

    def applies_to(self, tier: Optional[str]) -> bool:
        return not self.tiers or (tier or "") in self.tiers

    def keyword_in(self, sentence: str) -> Optional[str]:
        """The first keyword match in ``sentence``, as the customer wrote it."""
        for pattern in self.keywords:
            match = pattern.search(sentence)
            if match:
                return match.group(0)
        return None


@dataclass(frozen=True)
class Matching:
    # A sentence means a risk when the detector's classifier (trained on every risk's examples
    # against the ordinary training examples) gives that risk at least this probability.
    min_confidence: float


@dataclass(frozen=True)
class Catalogue:
    matching: Matching
    teams: Mapping[str, str]
    risks: Tuple[Risk, ...]
    source: Mapping[str, Any]

    def risk(self, name: str) -> Optional[Risk]:
        return next((r for r in self.risks if r.name == name), None)

    @property
    def risk_intents(self) -> FrozenSet[str]:
        return frozenset(i for r in self.risks for i in r.intents)

    def keyword_match(self, risk: Risk, text: str, sentences: Sequence[str]) -> Optional[Dict[str, Any]]:
        """The risk's first keyword match in the message: the sentence it is in, and the words."""
        whole = risk.keyword_in(text)
        if whole is None:  # most messages match nothing: one pass instead of one per sentence
            return None
        for sentence in sentences:
            matched = risk.keyword_in(sentence)
            if matched is not None:
                return {"risk": risk.name, "evidence": sentence, "matched_by": "keyword", "keyword": matched}
        # A keyword spanning two sentences: the whole message is the evidence.
        return {"risk": risk.name, "evidence": text.strip(), "matched_by": "keyword", "keyword": whole}

    def keyword_matches(self, text: str, sentences: Optional[Sequence[str]] = None) -> List[Dict[str, Any]]:
        """Every risk whose keywords the message matches, in catalogue order (what the detector finds without meaning)."""
        sentences = sentences_of(text) if sentences is None else sentences
        return [m for risk in self.risks if (m := self.keyword_match(risk, text, sentences)) is not None]


def parse_catalogue(raw: Any, known_intents: Optional[Set[str]], path: str = "data/risks.yml") -> Catalogue:
    """The validated catalogue; ``known_intents`` None skips the intent check (a model checked them at training).
    Its shape is checked against ``risks.schema.json`` (core/yaml_schema.py); the rest here."""
    check(raw, SCHEMA, path)
    teams = {str(name): description.strip() for name, description in raw["teams"].items()}
    if FALLBACK_TEAM not in teams:
        raise RulesFileError(
            path, "teams", f"must declare the team {FALLBACK_TEAM!r}: a handoff without an escalation decision goes there"
        )
    risks = tuple(_risk(item, f"risks[{i}]", tuple(teams), known_intents, path) for i, item in enumerate(raw["risks"]))
    names = [risk.name for risk in risks]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate:
        raise RulesFileError(path, "risks", f"the risk {duplicate!r} is listed twice")
    return Catalogue(Matching(float(raw["matching"]["min_confidence"])), teams, risks, source=raw)


def _risk(item: Mapping[str, Any], key: str, teams: Sequence[str], known_intents: Optional[Set[str]], path: str) -> Risk:
    name = item["name"]
    if not item.get("keywords") and not item.get("examples"):
        raise RulesFileError(path, key, f"the risk {name!r} needs keywords, examples or both, or it can never be detected")
    intents = _names(item.get("intents", []))
    unknown = sorted(intents - known_intents) if known_intents is not None else []
    if unknown:
        raise RulesFileError(path, f"{key}.intents", f"unknown intent {unknown[0]!r}: not in domain.yml")
    days, note = item.get("respond_within_days"), item.get("statutory_note")
    if (days is None) != (note is None):
        raise RulesFileError(
            path, key, "respond_within_days and statutory_note go together: the packet shows the deadline with its reason"
        )
    return Risk(
        name=name,
        reason=item.get("reason", name).strip(),
        priority=item["priority"],
        team=one_of(item["team"], teams, path, f"{key}.team"),
        why=item["why"].strip(),
        keywords=tuple(regex(p, path, f"{key}.keywords[{j}]") for j, p in enumerate(item.get("keywords", []))),
        examples=tuple(e.strip() for e in item.get("examples", [])),
        not_examples=tuple(e.strip() for e in item.get("not_examples", [])),
        intents=intents,
        tiers=_names(item.get("tiers", [])),
        respond_within_days=days,
        statutory_note=None if note is None else note.strip(),
        gentle=item.get("gentle", False),
    )


def _names(values: Sequence[str]) -> FrozenSet[str]:
    return frozenset(v.strip().lower() for v in values)


def sentences_of(text: str, limit: int = 6) -> Sequence[str]:
    """The message's sentences (at most ``limit``, the longest kept in order); one for a short message."""
    parts = [p.strip() for p in SENTENCE_BREAK.split(text or "") if p and p.strip()]
    parts = [p for p in parts if len(p.split()) >= 2] or [text.strip()]
    if len(parts) > limit:
        longest = sorted(sorted(range(len(parts)), key=lambda i: -len(parts[i]))[:limit])
        parts = [parts[i] for i in longest]
    return parts


# Sentence ends, line breaks, and "but"/";" joins customers use instead of full stops.
SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+|\n+|;\s*|\s+-\s+")
