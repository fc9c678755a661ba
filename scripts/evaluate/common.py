"""What the sections share: the Section they return, the error that stops one, running `rasa`, reading its reports."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Tuple

from rasa_extensions.cli import command as rasa_command
from scripts.stack import ROOT

RESULTS = ROOT / "results"
# Keys of a classification report that summarise rather than name a label.
SUMMARY_KEYS = {"accuracy", "macro avg", "weighted avg", "micro avg", "conversation_accuracy"}


class EvaluationError(RuntimeError):
    """An evaluation could not run; the message says why."""


@dataclass
class Section:
    title: str
    lines: List[str] = field(default_factory=list)
    checks: List[Tuple[str, bool]] = field(default_factory=list)

    def markdown(self) -> str:
        checks = [f"- {'PASS' if passed else 'FAIL'}: {description}" for description, passed in self.checks]
        return "\n".join([f"## {self.title}", "", *self.lines, *([""] + checks if checks else [])])


def log(message: str) -> None:
    print(f"eval: {message}", file=sys.stderr, flush=True)


def rasa(*args: str, out: Path) -> None:
    """Run a `rasa` command (through rasa_extensions/cli.py, as the server runs) into a fresh `out`
    (so no stale report is read); its output goes to stderr."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    result = subprocess.run(rasa_command(*args, "--out", str(out)), cwd=ROOT, stdout=sys.stderr)
    if result.returncode != 0:
        raise EvaluationError(f"`rasa {' '.join(args)}` exited with code {result.returncode}; see its output above")


def read_report(path: Path) -> Dict[str, Any]:
    if not path.exists():
        raise EvaluationError(f"Rasa wrote no {path.relative_to(ROOT)}")
    return json.loads(path.read_text())


def labels_by_f1(report: Dict[str, Any]) -> List[Tuple[str, Dict[str, Any]]]:
    """Per-label rows of a classification report, worst F1 first."""
    rows = [(label, row) for label, row in report.items() if label not in SUMMARY_KEYS and isinstance(row, dict)]
    return sorted(rows, key=lambda item: (item[1]["f1-score"], item[0]))


def accuracy_of(report: Dict[str, Any]) -> float:
    # Rasa completes sklearn's report with either "accuracy" or "micro avg".
    value = report.get("accuracy", report.get("micro avg", {}))
    return float(value["f1-score"] if isinstance(value, dict) else value)
