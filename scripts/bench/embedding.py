"""What the sentence-embedding featurizer adds to each message and to the process's memory."""

from __future__ import annotations

import os
import time

from scripts.bench.common import Results, memory_mb, percentile


def sentence_embedding_cost(count: int = 300) -> Results:
    """What the sentence-embedding featurizer adds to each message, on one thread, and to the process's memory.

    Loads the component as Rasa does (config.yml's settings) in this process and
    featurizes ``count`` training sentences one message at a time."""
    import random

    from rasa.shared.nlu.training_data.message import Message

    from policies.sentence_embedding import SentenceEmbeddingFeaturizer
    from scripts.intent_pipeline import NLU_DATA_DIR, load_nlu, read_config

    config = read_config()
    if config.featurizer is None:
        return {}
    before = memory_mb(os.getpid())["vmrss_mb"]
    started = time.perf_counter()
    featurizer = SentenceEmbeddingFeaturizer("bench", dict(config.featurizer))
    load_s = time.perf_counter() - started
    after = memory_mb(os.getpid())["vmrss_mb"]
    texts, _ = load_nlu(NLU_DATA_DIR)
    sample = random.Random(7).sample(texts, min(count, len(texts)))
    for text in sample[:20]:  # warm-up
        featurizer.process([Message.build(text=text)])
    timings = []
    for text in sample:
        started = time.perf_counter()
        featurizer.process([Message.build(text=text)])
        timings.append((time.perf_counter() - started) * 1000)
    return {
        "load_s": load_s,
        "rss_mb": after - before,
        "p50_ms": percentile(timings, 50),
        "p95_ms": percentile(timings, 95),
        "messages": len(timings),
    }


def render_sentence_embedding(r: Results) -> str:
    if not r:
        return "config.yml has no SentenceEmbeddingFeaturizer."
    return "\n".join(
        [
            "| messages (data/nlu, one at a time) | p50 per message (ms) | p95 per message (ms) | load (s) | RSS added (MB) |",
            "|---:|---:|---:|---:|---:|",
            f"| {r['messages']:.0f} | {r['p50_ms']:.2f} | {r['p95_ms']:.2f} | {r['load_s']:.1f} | {r['rss_mb']:.0f} |",
        ]
    )
