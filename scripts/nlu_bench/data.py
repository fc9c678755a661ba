"""The benchmarks' files in /work/shared/nlu-benchmarks (TANDEM_NLU_BENCHMARKS), read as (texts, intents)."""

from __future__ import annotations

import csv
import json
import os
import random
from pathlib import Path
from typing import Dict, List, Tuple

BENCHMARKS = Path(os.environ.get("TANDEM_NLU_BENCHMARKS", "/work/shared/nlu-benchmarks"))
SHOTS, SHOT_SEED = 10, 7
Examples = Tuple[List[str], List[str]]  # texts, intents


class BenchError(RuntimeError):
    """A benchmark's files are missing or malformed; the message names them."""


def read_csv(path: Path) -> Examples:
    if not path.exists():
        raise BenchError(f"{path} is missing (see {BENCHMARKS / 'README.md'})")
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], [row for row in rows[1:] if row]
    if header[0] != "text" or len(header) != 2:
        raise BenchError(f"{path}: expected columns text,<label>, found {header}")
    return [row[0] for row in body], [row[1] for row in body]


def few_shot(examples: Examples, shots: int = SHOTS, seed: int = SHOT_SEED) -> Examples:
    """``shots`` examples of each intent, sampled with a fixed seed (order of first appearance)."""
    by_intent: Dict[str, List[str]] = {}
    for text, intent in zip(*examples, strict=True):
        by_intent.setdefault(intent, []).append(text)
    rng = random.Random(seed)
    texts, labels = [], []
    for intent, pool in by_intent.items():
        for text in rng.sample(pool, min(shots, len(pool))):
            texts.append(text)
            labels.append(intent)
    return texts, labels


def clinc() -> Dict[str, Examples]:
    path = BENCHMARKS / "clinc150" / "data_full.json"
    if not path.exists():
        raise BenchError(f"{path} is missing")
    data = json.loads(path.read_text())
    return {key: ([text for text, _ in rows], [label for _, label in rows]) for key, rows in data.items()}
