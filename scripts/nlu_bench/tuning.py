"""`--tune`: settings compared on the benchmarks' validation data only, never their test sets."""

from __future__ import annotations

import random
from typing import Dict, List, Optional

from scripts.intent_pipeline import CachingEncoder, PipelineConfig
from scripts.nlu_bench import data
from scripts.nlu_bench.common import accuracy, log, train
from scripts.nlu_bench.data import SHOT_SEED, clinc, read_csv

TUNE_GRID: List[Dict[str, object]] = [
    {"C": 100, "dense_scale": 1.0},
    {"C": 100, "dense_scale": 2.0},
    {"C": 30, "dense_scale": 2.0},
    {"C": 100, "dense_scale": 3.0},
]


def tune(config: PipelineConfig, encoder: Optional[CachingEncoder]) -> str:
    """Each TUNE_GRID setting over config.yml's, on HWU64 valid, CLINC150 val and a 10% hold-out of BANKING77's train."""
    banking = read_csv(data.BENCHMARKS / "banking77" / "train.csv")
    order = random.Random(SHOT_SEED).sample(range(len(banking[0])), len(banking[0]))
    held = set(order[: len(order) // 10])
    split = {
        "BANKING77 train 90/10": (
            ([banking[0][i] for i in order if i not in held], [banking[1][i] for i in order if i not in held]),
            ([banking[0][i] for i in sorted(held)], [banking[1][i] for i in sorted(held)]),
        ),
        "HWU64 valid": (
            read_csv(data.BENCHMARKS / "hwu64" / "dialoglue_train.csv"),
            read_csv(data.BENCHMARKS / "hwu64" / "dialoglue_valid.csv"),
        ),
        "CLINC150 val": (clinc()["train"], clinc()["val"]),
    }
    lines = ["| setting | " + " | ".join(split) + " |", "|---|" + "---:|" * len(split)]
    for overrides in TUNE_GRID:
        candidate = config.with_classifier(**overrides)
        cells = []
        for name, (train_set, val_set) in split.items():
            model, seconds = train(candidate, encoder, train_set)
            cells.append(f"{accuracy(model, val_set):.2%}")
            log(f"tune {overrides} {name}: {cells[-1]} ({seconds:.0f} s)")
        lines.append(f"| {overrides} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
