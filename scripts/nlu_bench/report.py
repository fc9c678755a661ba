"""The Markdown table of the results, the pipeline's settings and the embedding's own speed."""

from __future__ import annotations

import os
import platform
import time
from importlib.metadata import version
from typing import Dict, List, Optional, Sequence

import numpy as np

from scripts.intent_pipeline import CachingEncoder, PipelineConfig
from scripts.nlu_bench.benchmarks import Result
from scripts.nlu_bench.thresholds import THRESHOLD_RULE, THRESHOLD_RULE_B


def throughput(encoder: CachingEncoder, texts: Sequence[str], count: int = 300) -> Dict[str, float]:
    """The model's own speed (no cache): one message at a time as the bot embeds, and in batches as training does."""
    sample = list(texts[:count])
    single = []
    for text in sample:
        started = time.perf_counter()
        encoder.encoder.embed([text])
        single.append((time.perf_counter() - started) * 1000)
    started = time.perf_counter()
    encoder.encoder.embed(sample)
    batched = time.perf_counter() - started
    return {
        "single_p50_ms": float(np.percentile(single, 50)),
        "single_p95_ms": float(np.percentile(single, 95)),
        "single_per_s": 1000 / float(np.mean(single)),
        "batched_per_s": len(sample) / batched,
    }


def render(results: List[Result], config: PipelineConfig, speed: Dict[str, float], encoder: Optional[CachingEncoder]) -> str:
    lines = [
        "| benchmark | setting | measured | published (README) | goal | |",
        "|---|---|---:|---|---|---|",
    ]
    for r in results:
        verdict = "" if r.passed is None else ("PASS" if r.passed else "FAIL")
        lines.append(f"| {r.benchmark} | {r.setting} | {r.measured} | {r.published} | {r.goal} | {verdict} |")
    classifier = {
        k: config.classifier[k] for k in ("word_ngram_range", "char_ngram_range", "sentiment_features", "dense_scale", "C")
    }
    lines += [
        "",
        f"Pipeline: config.yml, SentenceEmbeddingFeaturizer {config.featurizer} + LinearIntentClassifier {classifier}.",
        f"CLINC150 threshold rule (fixed before any test run): {THRESHOLD_RULE}. Rule B (added after seeing rule A's"
        f" test figures, also chosen on val only): {THRESHOLD_RULE_B}. In-scope accuracy with a threshold counts a right"
        " intent below it as wrong.",
        "Training time per benchmark: "
        + ", ".join(f"{r.benchmark} {r.setting.split(',')[0]} ({r.train_size}) {r.train_s:.0f} s" for r in results[:4])
        + f", CLINC150 ({results[-1].train_size}) {results[-1].train_s:.0f} s (training includes embedding texts not"
        " in the cache).",
    ]
    if speed:
        lines.append(
            f"Embedding throughput (1 thread, 300 test texts, no cache): one at a time p50 {speed['single_p50_ms']:.1f} ms,"
            f" p95 {speed['single_p95_ms']:.1f} ms ({speed['single_per_s']:.0f} texts/s); "
            f"batched {speed['batched_per_s']:.0f} texts/s."
        )
    if encoder is not None:
        lines.append(f"This run embedded {encoder.computed} texts not in the cache in {encoder.seconds:.0f} s.")
    return "\n".join(lines)


def machine() -> str:
    return f"nproc {len(os.sched_getaffinity(0))}, Python {platform.python_version()}, Rasa {version('rasa')}"
