"""Knowledge-base ranking time per query over generated knowledge bases of 1,000 and 10,000 articles."""

from __future__ import annotations

import time
from typing import Dict

from scripts.bench.common import Results, log, percentile
from scripts.stack import ROOT

RETRIEVAL_SIZES = (1_000, 10_000)
TARGET_RETRIEVAL_P95_MS = 5.0


def generated_articles(count: int, seed: int = 7) -> list:
    """``count`` articles made from the real ones: same shape and vocabulary, shuffled words, new ids."""
    import random
    from dataclasses import replace

    from actions.knowledge.articles import known_intents, validate_directory

    real, _ = validate_directory(ROOT / "data" / "kb", known_intents(ROOT / "domain.yml"))
    rng = random.Random(seed)

    def shuffled(text: str) -> str:
        words = text.split()
        rng.shuffle(words)
        return " ".join(words)

    made = []
    for n in range(count):
        base = real[n % len(real)]
        made.append(
            replace(
                base,
                id=f"{base.id}-{n}",
                title=shuffled(base.title),
                short_answer=shuffled(base.short_answer),
                body=shuffled(base.body),
                questions=tuple(shuffled(q) for q in base.questions),
            )
        )
    return made


def retrieval_latency() -> Dict[int, Results]:
    """Per-query ranking time over generated knowledge bases of each size (index built beforehand)."""
    from actions.config import settings
    from actions.knowledge.evaluation import load_cases
    from actions.knowledge.retrieval import KnowledgeIndex

    cases = load_cases(ROOT / "tests" / "kb" / "retrieval_eval.yml")
    results: Dict[int, Results] = {}
    for size in RETRIEVAL_SIZES:
        log(f"retrieval: {size} generated articles ...")
        articles = generated_articles(size)
        started = time.perf_counter()
        index = KnowledgeIndex(articles, settings().kb_thresholds)
        build_s = time.perf_counter() - started
        for case in cases[:20]:  # warm-up
            index.search(case.query, case.intent, 0.9)
        timings = []
        for _ in range(3):
            for case in cases:
                started = time.perf_counter()
                index.search(case.query, case.intent, 0.9)
                timings.append((time.perf_counter() - started) * 1000)
        results[size] = {
            "build_s": build_s,
            "p50_ms": percentile(timings, 50),
            "p95_ms": percentile(timings, 95),
            "queries": len(timings),
        }
    return results


def render_retrieval(results: Dict[int, Results]) -> str:
    lines = [
        "| articles | index build (s) | p50 per query (ms) | p95 per query (ms) | queries |",
        "|---:|---:|---:|---:|---:|",
    ]
    for size, r in results.items():
        lines.append(f"| {size:,} | {r['build_s']:.1f} | {r['p50_ms']:.2f} | {r['p95_ms']:.2f} | {r['queries']:.0f} |")
    largest = results[max(results)]
    verdict = "PASS" if largest["p95_ms"] <= TARGET_RETRIEVAL_P95_MS else "FAIL"
    lines += ["", f"- {verdict}: retrieval p95 at {max(results):,} articles <= {TARGET_RETRIEVAL_P95_MS} ms"]
    return "\n".join(lines)
