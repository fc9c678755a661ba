"""Fit FallbackClassifier's threshold and ambiguity_threshold on cross-validated predictions of data/nlu.

Below ``threshold`` (or with the top two intents closer than
``ambiguity_threshold``) the bot asks one clarifying question instead of acting
on its reading. Asking costs a right reading a turn; not asking lets a
misreading through. The rule: among all pairs on a grid, take the one that
catches the most misreadings while asking at most ``budget`` (5%) of the right
readings to clarify; ties go to fewer questions, then to the lower threshold.

Fitted on the training data's own cross-validated predictions (5 folds, fixed
seed, config.yml's pipeline through scripts/intent_pipeline.py), never on a test
set. Re-run it whenever data/nlu or the classifier's settings change, and copy
the numbers into config.yml:

    .venv/bin/python -m scripts.fit_threshold [--budget 0.05] [--folds 5] [--baseline]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from typing import List, Optional, Sequence

import numpy as np

from scripts.intent_pipeline import CONFIG, Prediction, cross_validated_predictions, load_nlu, macro_f1, read_config
from scripts.stack import ROOT

NLU_DATA = ROOT / "data" / "nlu"
THRESHOLDS = np.round(np.arange(0.05, 0.951, 0.01), 2)
AMBIGUITIES = np.round(np.arange(0.0, 0.301, 0.01), 2)
BUDGET = 0.05


@dataclass(frozen=True)
class Fit:
    threshold: float
    ambiguity_threshold: float
    right_asked: float  # share of right readings that get a clarifying question
    wrong_caught: float  # share of misreadings that get one instead of a wrong answer
    asked: float  # share of all messages that get one
    right: int
    wrong: int

    def describe(self) -> str:
        return (
            f"threshold {self.threshold:.2f}, ambiguity_threshold {self.ambiguity_threshold:.2f}: "
            f"asks {self.asked:.1%} of messages to clarify, {self.right_asked:.1%} of the {self.right} right readings "
            f"and {self.wrong_caught:.1%} of the {self.wrong} misreadings"
        )


def score(predictions: Sequence[Prediction], labels: Sequence[str], threshold: float, ambiguity: float) -> Fit:
    right = np.array([p.intent == label for p, label in zip(predictions, labels, strict=True)])
    asked = np.array([p.falls_back(threshold, ambiguity) for p in predictions])
    return Fit(
        threshold=float(threshold),
        ambiguity_threshold=float(ambiguity),
        right_asked=float(asked[right].mean()) if right.any() else 0.0,
        wrong_caught=float(asked[~right].mean()) if (~right).any() else 0.0,
        asked=float(asked.mean()),
        right=int(right.sum()),
        wrong=int((~right).sum()),
    )


def fit(predictions: Sequence[Prediction], labels: Sequence[str], budget: float = BUDGET) -> Fit:
    """The grid point that catches the most misreadings asking at most ``budget`` of the right readings."""
    confidence = np.array([p.confidence for p in predictions])
    margin = np.array([p.margin for p in predictions])
    right = np.array([p.intent == label for p, label in zip(predictions, labels, strict=True)])
    best: Optional[tuple] = None
    for threshold in THRESHOLDS:
        for ambiguity in AMBIGUITIES:
            asked = (confidence < threshold) | (margin < ambiguity)
            right_asked = asked[right].mean() if right.any() else 0.0
            if right_asked > budget:
                continue
            wrong_caught = asked[~right].mean() if (~right).any() else 0.0
            key = (wrong_caught, -right_asked, -threshold, -ambiguity)
            if best is None or key > best[0]:
                best = (key, threshold, ambiguity)
    if best is None:
        return score(predictions, labels, 0.0, 0.0)
    return score(predictions, labels, best[1], best[2])


def report(predictions: Sequence[Prediction], labels: Sequence[str], current: Fit, budget: float) -> List[str]:
    chosen = fit(predictions, labels, budget)
    f1 = macro_f1(labels, [p.intent for p in predictions])
    lines = [
        f"- cross-validated accuracy {chosen.right / len(labels):.3f}, macro-F1 {f1:.3f}"
        f" ({len(labels)} examples, {len(set(labels))} intents)",
        f"- fitted (at most {budget:.0%} of right readings asked): {chosen.describe()}",
        f"- config.yml now: {current.describe()}",
        "",
        "| right readings asked at most | threshold | ambiguity | messages asked | misreadings caught |",
        "|---:|---:|---:|---:|---:|",
    ]
    for option in sorted({0.02, 0.05, 0.10, budget}):
        f = fit(predictions, labels, option)
        lines.append(f"| {option:.0%} | {f.threshold:.2f} | {f.ambiguity_threshold:.2f} | {f.asked:.1%} | {f.wrong_caught:.1%} |")
    return lines


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=BUDGET, help="largest share of right readings asked to clarify")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--baseline", action="store_true", help="also cross-validate the classifier without embeddings")
    args = parser.parse_args(argv)
    config = read_config(CONFIG)
    texts, labels = load_nlu(NLU_DATA)
    print(f"fit_threshold: {args.folds}-fold cross-validation of config.yml on data/nlu ...", file=sys.stderr, flush=True)
    predictions = cross_validated_predictions(config, texts, labels, folds=args.folds)
    current = score(predictions, labels, config.threshold, config.ambiguity_threshold)
    lines = report(predictions, labels, current, args.budget)
    if args.baseline and config.featurizer is not None:
        print("fit_threshold: the same folds without the sentence embedding ...", file=sys.stderr, flush=True)
        sparse = cross_validated_predictions(config.without_embeddings(), texts, labels, folds=args.folds)
        right = sum(p.intent == label for p, label in zip(sparse, labels, strict=True))
        lines.insert(
            1,
            f"- without the sentence embedding (dense_scale 0, same folds): accuracy {right / len(labels):.3f},"
            f" macro-F1 {macro_f1(labels, [p.intent for p in sparse]):.3f}",
        )
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
