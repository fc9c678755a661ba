"""Each config trained fresh, then served on its own ports and measured by the conversation sections."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Callable, List, Sequence, Tuple

from rasa_extensions.cli import command as rasa_command
from scripts.bench.common import BenchError, Results, log, memory_mb
from scripts.bench.conversations import BENCH_DESK_TOKEN, handoff_visibility, latency_by_length, throughput, warm_up
from scripts.stack import ROOT, Ports, Stack, start_actions, start_rasa, sync_knowledge_base, write_endpoints
from scripts.train import TRAINING_DATA

CONFIGS = {"project": "config.yml", "stock": "bench/stock-config.yml"}
PORTS = Ports(rasa=25005, actions=25055, web=25080)
DATA_DIRS = TRAINING_DATA
WORK = ROOT / "var" / "bench"  # stack logs and tracker databases, kept for a look after the run


def train_fresh(config: Path, name: str, out: Path) -> Tuple[Path, float]:
    """Train `config` into `out` from scratch (no model or component cache); returns the model and the seconds it took."""
    out.mkdir(parents=True, exist_ok=True)
    WORK.mkdir(parents=True, exist_ok=True)
    # Autoconfig writes the defaults it chose back into the config file: train from a copy.
    config_copy = out / f"{name}-config.yml"
    shutil.copyfile(config, config_copy)
    argv = rasa_command("train", "--config", str(config_copy), "--domain", "domain.yml")
    argv += ["--data", *DATA_DIRS, "--out", str(out), "--fixed-model-name", name]
    train_log = WORK / f"{name}-train.log"
    # Rasa reuses trained components from its cache (.rasa/cache) across runs: an empty
    # cache of its own makes the time a full training, however often the bench has run.
    env = {**os.environ, "RASA_CACHE_DIRECTORY": str(out / f"{name}-rasa-cache")}
    started = time.monotonic()
    with open(train_log, "wb") as output:
        result = subprocess.run(argv, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    seconds = time.monotonic() - started
    if result.returncode != 0:
        raise BenchError(f"training {config.name} failed:\n{train_log.read_text(errors='replace')[-3000:]}")
    return out / f"{name}.tar.gz", seconds


STACK_ENV = {
    # The team is always in and one agent has the desk open, so every handoff is live.
    "TANDEM_HANDOFF_SETTINGS": str(ROOT / "tests" / "connectors" / "handoff" / "always_open.yml"),
    "TANDEM_DESK_TOKENS": f"Bench:{BENCH_DESK_TOKEN}",
    # The bench sends as fast as the server answers, far above a person's pace.
    "TANDEM_MESSAGES_PER_MINUTE": "1000000",
}
Section = Callable[[Stack], Results]
SECTIONS: List[Tuple[str, Section]] = [
    ("warm-up", warm_up),
    ("latency by conversation length", latency_by_length),
    ("throughput", throughput),
    ("handoff to the agent desk", handoff_visibility),
]


def measure_stack(stack: Stack, sections: Sequence[Tuple[str, Section]] = SECTIONS) -> Results:
    """Run every section against a started stack, then read the Rasa server's memory."""
    results: Results = {}
    for title, section in sections:
        log(f"  {title} ...")
        results.update(section(stack))
    results.update(memory_mb(stack.processes[1].pid))  # processes: actions, then rasa
    return results


def bench_config(name: str, config: Path, models: Path) -> Results:
    log(f"{name}: training {config.relative_to(ROOT)} fresh (a few minutes) ...")
    model, train_seconds = train_fresh(config, name, models)
    log(f"{name}: trained in {train_seconds:.0f} s; starting the stack ...")
    workdir = WORK / name
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    kb_url = f"sqlite:///{workdir / 'kb.db'}"
    sync_knowledge_base(kb_url)
    with Stack(ports=PORTS, workdir=workdir, kb_url=kb_url) as stack:
        endpoints = write_endpoints(stack, workdir / "tracker.db")
        env = {**STACK_ENV, "TANDEM_ENDPOINTS": str(endpoints)}
        start_actions(stack, kb_url, env=env)
        ready_seconds = start_rasa(stack, model, endpoints, env=env)
        log(f"{name}: ready in {ready_seconds:.1f} s; measuring ...")
        return {"train_s": train_seconds, "ready_s": ready_seconds, **measure_stack(stack)}
