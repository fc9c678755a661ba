"""`make bench`: Tandem's config.yml against the stock `rasa init` config, side by side.

Both configs are trained fresh on the project's data, then served one after
the other (never both at once) on their own ports, and measured the same way:
start to ready, per-message latency early and late in long conversations,
throughput at 1 and 8 concurrent conversations, and the Rasa server's memory
(served.py, conversations.py, table.py). Then, in this process: knowledge-base
retrieval at 1,000 and 10,000 articles (retrieval.py), the escalation decision
(escalation.py) and the sentence embedding (embedding.py). Progress goes to
stderr; the Markdown table to stdout and results/bench.md.

To add a section against the served stacks, write a function
``(stack) -> dict[str, float]``, append it to served.SECTIONS and add its keys
to table.ROWS (and table.TARGETS, if it has one).
"""

from __future__ import annotations

import os
import platform
import tempfile
from importlib.metadata import version
from pathlib import Path
from typing import Dict

import requests

from core import clock
from scripts.bench.common import BenchError, Results, log
from scripts.bench.embedding import render_sentence_embedding, sentence_embedding_cost
from scripts.bench.escalation import escalation_cost, render_escalation
from scripts.bench.retrieval import render_retrieval, retrieval_latency
from scripts.bench.served import CONFIGS, bench_config
from scripts.bench.table import render
from scripts.stack import ROOT, StackError

OUTPUT = ROOT / "results" / "bench.md"


def machine() -> str:
    return f"nproc {len(os.sched_getaffinity(0))}, Python {platform.python_version()}, Rasa {version('rasa')}"


def main() -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Benchmark config.yml against the stock rasa init config.")
    parser.add_argument(
        "--configs",
        nargs="+",
        choices=sorted(CONFIGS),
        default=sorted(CONFIGS),
        help="which configs to train and serve (the stock one trains for about 18 minutes on 2 cores)",
    )
    wanted = set(parser.parse_args().configs)
    from rasa_extensions import patches

    try:  # the servers run extended (rasa_extensions/cli.py); what runs in this process too
        patches.apply()
    except patches.UntestedRasaError as error:
        log(str(error))
        return 2
    results: Dict[str, Results] = {name: {} for name in CONFIGS}
    failed = False
    with tempfile.TemporaryDirectory(prefix="tandem-bench-") as models:
        for name, config in CONFIGS.items():
            if name not in wanted:
                continue
            try:
                results[name] = bench_config(name, ROOT / config, Path(models))
            except (BenchError, StackError, requests.RequestException) as error:
                log(f"{name}: {error}")
                results[name], failed = {}, True
    table = render(results["project"], results["stock"])
    table += "\n\n## Knowledge-base retrieval\n\n" + render_retrieval(retrieval_latency())
    # The embedding's load time and memory first: the escalation part loads the same model.
    embedding = render_sentence_embedding(sentence_embedding_cost())
    table += "\n\n## Escalation decision\n\n" + render_escalation(escalation_cost())
    table += "\n\n## Sentence embedding (NLU featurizer)\n\n" + embedding
    print(table)
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    header = f"# Benchmark: config.yml vs. stock `rasa init` config\n\n{clock.now():%Y-%m-%d %H:%M}, {machine()}\n\n"
    OUTPUT.write_text(header + table + "\n")
    log(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 1 if failed else 0
