"""Fit the risk catalogue's meaning threshold (data/risks.yml `matching.min_confidence`) on the development set.

The development set is tests/escalation/gold.yml (never the frozen set). Each
customer turn is a case: the last turn of a conversation that must escalate for
a risk of the catalogue is that risk; every turn of a must-not conversation,
and the earlier turns of the others, are ordinary. The detector is trained as
`rasa train` trains it (policies/risk_detector.py: the catalogue's examples
against data/nlu), and scored with and without the keywords.

For each threshold on a grid it prints the risky last turns caught with the
right risk and the ordinary turns flagged; choose the lowest threshold that
flags at most ``--max-false`` of the ordinary turns, put it into
data/risks.yml, then retrain.

    python -m scripts.fit_risk_matching [--max-false 0.01]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from actions.knowledge.articles import known_intents
from core.escalation.loading import load_rules
from core.escalation.risk_catalogue import Catalogue, Matching, sentences_of
from policies.embedding_model import load_encoder
from policies.risk_detector import Matcher, RiskDetector, fit_risk_model
from scripts.gold import GOLD, load_gold
from scripts.intent_pipeline import NLU_DATA_DIR, load_nlu, pipeline_components
from scripts.stack import ROOT

THRESHOLDS = np.round(np.arange(0.30, 0.9501, 0.05), 2)
DETECTOR_CONFIG = "policies.risk_detector.RiskDetector"


def cases(catalogue: Catalogue) -> List[Tuple[str, Optional[str], Optional[str]]]:
    """(turn, risk or None, customer tier) for every typed customer turn of the development set."""
    risks = {risk.reason: risk.name for risk in catalogue.risks}
    found: List[Tuple[str, Optional[str], Optional[str]]] = []
    for case in load_gold(GOLD):
        turns = [t for t in case["turns"] if not t.startswith("/")]
        expected = risks.get(case.get("reason") or "") if case["label"] == "escalate" else None
        tier = (case.get("metadata") or {}).get("customer_tier")
        for index, text in enumerate(turns):
            found.append((text, expected if index == len(turns) - 1 else None, tier))
    return found


def first_applying(catalogue: Catalogue, found: List[Dict[str, object]], tier: Optional[str]) -> Optional[str]:
    """The risk the policy acts on: the first found that applies to the customer's tier."""
    return next((f["risk"] for f in found if catalogue.risk(str(f["risk"])).applies_to(tier)), None)


def detector_settings() -> Dict[str, float]:
    return {**RiskDetector.get_default_config(), **pipeline_components().get(DETECTOR_CONFIG, {})}


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-false", type=float, default=0.01, help="share of ordinary turns that may be flagged")
    args = parser.parse_args(argv)
    catalogue = load_rules(ROOT / "data" / "escalation.yml", known_intents(ROOT / "domain.yml")).catalogue
    settings = detector_settings()
    encoder = load_encoder(max_tokens=settings["max_tokens"])
    texts, labels = load_nlu(NLU_DATA_DIR)
    ordinary = [t for t, label in zip(texts, labels, strict=False) if label not in catalogue.risk_intents]
    ordinary_vectors = encoder.embed(ordinary)
    model = fit_risk_model(catalogue, ordinary, ordinary_vectors, encoder, settings["C"], settings["dense_scale"])
    embedded = [(text, risk, tier, list(sentences_of(text))) for text, risk, tier in cases(catalogue)]
    embedded = [(text, risk, tier, sentences, encoder.embed(sentences)) for text, risk, tier, sentences in embedded]
    risky = sum(1 for _, risk, _, _, _ in embedded if risk)
    plain = len(embedded) - risky
    print(f"Development set: {risky} risky last turns, {plain} ordinary turns (tests/escalation/gold.yml).")
    print("")
    print("| min_confidence | caught by meaning | with keywords | ordinary flagged by meaning | flagged in all |")
    print("|---:|---:|---:|---:|---:|")
    chosen = None
    for threshold in THRESHOLDS:
        fitted = replace(catalogue, matching=Matching(float(threshold)))
        full = Matcher(fitted, model, set(), 0.0)
        meaning_only = Matcher(replace(fitted, risks=tuple(replace(r, keywords=()) for r in fitted.risks)), model, set(), 0.0)
        counts = [0, 0, 0, 0]
        for text, risk, tier, sentences, vectors in embedded:
            for column, matcher in enumerate((meaning_only, full)):
                found, _ = matcher.detect(text, sentences, vectors)
                acted_on = first_applying(catalogue, found, tier)
                if risk is None:
                    counts[2 + column] += acted_on is not None
                else:
                    counts[column] += acted_on == risk
        if chosen is None and counts[3] <= args.max_false * plain:
            chosen = threshold
        print(f"| {threshold:.2f} | {counts[0]}/{risky} | {counts[1]}/{risky} | {counts[2]}/{plain} | {counts[3]}/{plain} |")
    print("")
    print(f"Lowest threshold flagging at most {args.max_false:.0%} of ordinary turns: {chosen}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
