"""Redaction: core/redaction/ on its development corpus and on a held-out corpus."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List

import yaml

from scripts.evaluate.common import ROOT, EvaluationError, Section, log

REDACTION_CORPUS = ROOT / "tests" / "redaction" / "corpus.yml"
REDACTION_HELDOUT = ROOT / "tests" / "redaction" / "heldout.yml"
TARGET_HARMLESS_ALTERED = 0.01
MUST_CATCH_ALL = ("card", "password")


def _redaction_scores(path: Path) -> Dict[str, Any]:
    from core.redaction.evaluation import score_corpus

    try:
        return score_corpus(path)
    except (OSError, ValueError, yaml.YAMLError) as error:
        raise EvaluationError(f"cannot score {path.relative_to(ROOT)}: {error}") from error


def _redaction_table(scores: Dict[str, Any]) -> List[str]:
    return [
        f"- overall recall: {scores['overall_recall']:.3f}",
        f"- harmless messages altered: {scores['harmless_altered']} of {scores['harmless']}"
        f" ({scores['false_positive_rate']:.1%})",
        "",
        "| kind | messages | recall |",
        "|---|---:|---:|",
        *[f"| {kind} | {scores['counts'][kind]} | {recall:.3f} |" for kind, recall in scores["recall"].items()],
    ]


def redaction_section() -> Section:
    """core/redaction/ on its development corpus and on a held-out corpus: no model, no stack."""
    log("redaction: scoring the development and held-out corpora ...")
    dev, heldout = _redaction_scores(REDACTION_CORPUS), _redaction_scores(REDACTION_HELDOUT)
    section = Section(
        f"Redaction (development: {sum(dev['counts'].values())} secret-bearing, {dev['harmless']} harmless; "
        f"held out: {sum(heldout['counts'].values())} / {heldout['harmless']})"
    )
    section.lines += [f"Development corpus (`{REDACTION_CORPUS.relative_to(ROOT)}`, the rules were written against it):", ""]
    section.lines += _redaction_table(dev)
    if dev["misses"]:
        section.lines += ["", "Secrets left in (kind: text -> redacted):", ""]
        section.lines += [f"- {m['kind']}: {m['text']!r} -> {m['redacted']!r}" for m in dev["misses"]]
    if dev["altered"]:
        section.lines += ["", "Harmless messages altered:", ""]
        section.lines += [f"- {a['text']!r} -> {a['redacted']!r}" for a in dev["altered"]]
    # Held out: written by another author, never seen by the rules' author; only its totals are
    # printed, so that nobody tunes the rules to its misses.
    section.lines += ["", f"Held-out corpus (`{REDACTION_HELDOUT.relative_to(ROOT)}`, frozen):", ""]
    section.lines += _redaction_table(heldout)
    for name, scores in (("development", dev), ("held-out", heldout)):
        altered_rate = scores["false_positive_rate"]
        section.checks += [
            *[
                (
                    f"{name}: {kind} recall {scores['recall'].get(kind, 0.0):.3f} == 1.000",
                    scores["recall"].get(kind, 0.0) == 1.0,
                )
                for kind in MUST_CATCH_ALL
            ],
            (
                f"{name}: harmless altered {altered_rate:.1%} <= {TARGET_HARMLESS_ALTERED:.0%}",
                altered_rate <= TARGET_HARMLESS_ALTERED,
            ),
        ]
    return section
