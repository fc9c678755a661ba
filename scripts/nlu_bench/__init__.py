"""`make nlu-bench`: config.yml's intent classification on public benchmarks, beside published results.

Trains and tests the pipeline's own featurizer and classifier with config.yml's
settings (scripts/intent_pipeline.py: the same classes and hyper-parameters the
bot runs, not a re-implementation) on the data sets in
/work/shared/nlu-benchmarks (its README.md cites them; data.py reads them):

- BANKING77: the full training set, and 10 examples per intent sampled from it
  with a fixed seed; test accuracy on test.csv.
- HWU64 (DialoGLUE split): dialoglue_train.csv and the 10-shot
  dialoglue_train_10.csv; test accuracy on dialoglue_test.csv.
- CLINC150: trained on the 150 in-scope intents only (no out-of-scope class);
  a message is out of scope when the top confidence is below a threshold chosen
  on the validation split (val + oos_val) by THRESHOLD_RULE (thresholds.py), then
  test in-scope accuracy (right intent and confidence at or above the threshold)
  and out-of-scope recall (oos_test below it).

Benchmark texts never go near data/nlu. Embeddings are cached under var/ keyed
by the model files' hashes and each text's hash, so a rerun takes minutes, not
a quarter of an hour. Progress goes to stderr; the Markdown table (report.py)
to stdout and results/nlu_bench.md. ``--tune`` instead compares a few settings
on the benchmarks' validation data (never their test sets; tuning.py).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Optional, Sequence

from core import clock
from scripts.intent_pipeline import CONFIG, caching_encoder, read_config
from scripts.nlu_bench import data
from scripts.nlu_bench.benchmarks import run_benchmarks
from scripts.nlu_bench.common import log
from scripts.nlu_bench.data import BenchError, read_csv
from scripts.nlu_bench.report import machine, render, throughput
from scripts.nlu_bench.tuning import tune
from scripts.stack import ROOT

OUTPUT = ROOT / "results" / "nlu_bench.md"
CACHE = ROOT / "var" / "nlu_bench" / "embeddings.npz"


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=CONFIG)
    parser.add_argument("--no-cache", action="store_true", help="embed every text again instead of reading var/nlu_bench")
    parser.add_argument("--tune", action="store_true", help="compare TUNE_GRID on validation data instead")
    args = parser.parse_args(argv)
    config = read_config(args.config)
    encoder = caching_encoder(config, None if args.no_cache else CACHE) if config.featurizer is not None else None
    try:
        if args.tune:
            table = tune(config, encoder)
        else:
            results = run_benchmarks(config, encoder)
            speed = throughput(encoder, read_csv(data.BENCHMARKS / "banking77" / "test.csv")[0]) if encoder else {}
            table = render(results, config, speed, encoder)
    except BenchError as error:
        log(str(error))
        return 1
    finally:
        if encoder is not None:
            encoder.save()
    print(table)
    if not args.tune:
        OUTPUT.parent.mkdir(parents=True, exist_ok=True)
        header = f"# NLU benchmarks: config.yml on public intent data sets\n\n{clock.now():%Y-%m-%d %H:%M}, {machine()}\n\n"
        OUTPUT.write_text(header + table + "\n")
        log(f"wrote {OUTPUT}")
    return 0
