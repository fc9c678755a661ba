"""Retrieval quality on a held-out set of customer phrasings (tests/kb/retrieval_eval.yml).

Each case names the article that best answers it. hit@k is the share of cases
whose article is among the first k served; MRR averages 1/rank (0 when it is
not among the results). Used by `make eval` and by the test suite.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

import yaml

from actions.knowledge.retrieval import KnowledgeIndex, Outcome

# Predicts (intent, confidence) for a text; the evaluation uses the real NLU model.
IntentPredictor = Callable[[str], Tuple[Optional[str], float]]


@dataclass(frozen=True)
class Case:
    query: str
    intent: str
    expected: str


@dataclass
class RetrievalScores:
    cases: int = 0
    hit_at_1: float = 0.0
    hit_at_3: float = 0.0
    mrr: float = 0.0
    outcomes: Dict[str, int] = field(default_factory=dict)
    misses: List[Tuple[Case, List[str]]] = field(default_factory=list)


def load_cases(path: Path) -> List[Case]:
    raw = yaml.safe_load(path.read_text())
    return [Case(c["query"], c["intent"], c["expected"]) for c in raw["cases"]]


def labelled_intent(case: Case) -> Tuple[Optional[str], float]:
    return case.intent, 1.0


def evaluate(
    index: KnowledgeIndex,
    cases: List[Case],
    predict: Optional[IntentPredictor] = None,
    today: Optional[date] = None,
) -> RetrievalScores:
    scores = RetrievalScores(cases=len(cases))
    for case in cases:
        intent, confidence = predict(case.query) if predict else labelled_intent(case)
        result = index.search(case.query, intent, confidence, today=today)
        ranked = [hit.article.id for hit in result.hits]
        rank = ranked.index(case.expected) + 1 if case.expected in ranked else None
        scores.hit_at_1 += rank == 1
        scores.hit_at_3 += rank is not None and rank <= 3
        scores.mrr += 1 / rank if rank else 0
        scores.outcomes[result.outcome.value] = scores.outcomes.get(result.outcome.value, 0) + 1
        if rank != 1:
            scores.misses.append((case, ranked[:3]))
    if cases:
        scores.hit_at_1 /= len(cases)
        scores.hit_at_3 /= len(cases)
        scores.mrr /= len(cases)
    for outcome in Outcome:
        scores.outcomes.setdefault(outcome.value, 0)
    return scores
