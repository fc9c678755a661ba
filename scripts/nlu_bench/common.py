"""What the benchmark runs and the tuning share: progress, training config.yml's pipeline, accuracy."""

from __future__ import annotations

import sys
import time
from typing import Optional, Tuple

import numpy as np

from scripts.intent_pipeline import CachingEncoder, IntentModel, PipelineConfig
from scripts.nlu_bench.data import Examples


def log(message: str) -> None:
    print(f"nlu-bench: {message}", file=sys.stderr, flush=True)


def accuracy(model: IntentModel, examples: Examples) -> float:
    predictions = model.predict(examples[0])
    return float(np.mean([p.intent == label for p, label in zip(predictions, examples[1], strict=True)]))


def train(config: PipelineConfig, encoder: Optional[CachingEncoder], examples: Examples) -> Tuple[IntentModel, float]:
    started = time.perf_counter()
    model = IntentModel(config, encoder).train(*examples)
    seconds = time.perf_counter() - started
    if encoder is not None:
        encoder.save()  # a run stopped later keeps what it embedded
    return model, seconds
