"""`make bench`: Tandem's config.yml against the stock `rasa init` config, side by side.

Both configs are trained fresh on the project's data, then served one after
the other (never both at once) on their own ports, and measured the same way:
start to ready, per-message latency early and late in long conversations,
throughput at 1 and 8 concurrent conversations, and the Rasa server's memory.
Progress goes to stderr; the Markdown table to stdout and results/bench.md.

To add a section, write a function ``(stack) -> dict[str, float]``, append it
to SECTIONS and add its keys to ROWS (and TARGETS, if it has one).
"""

from __future__ import annotations

import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from importlib.metadata import version
from pathlib import Path
from typing import Callable, Dict, List, Sequence, Tuple

import requests

from core import clock
from rasa_extensions.cli import command as rasa_command
from scripts.stack import (
    ROOT,
    Ports,
    Stack,
    StackError,
    start_actions,
    start_rasa,
    sync_knowledge_base,
    write_endpoints,
)
from scripts.train import TRAINING_DATA

Results = Dict[str, float]

CONFIGS = {"project": "config.yml", "stock": "bench/stock-config.yml"}
PORTS = Ports(rasa=25005, actions=25055, web=25080)
DATA_DIRS = TRAINING_DATA
WORK = ROOT / "var" / "bench"  # stack logs and tracker databases, kept for a look after the run
OUTPUT = ROOT / "results" / "bench.md"

# 11 messages: 55 is a multiple of 11, so turns 56-60 send exactly the messages
# of turns 1-5 and the comparison measures conversation length, not content.
# Nothing here asks for a person, reports fraud or says an answer failed:
# those end in a handoff, which later pauses the bot.
MESSAGES = [
    "where is my order",
    "tell me more",
    "/problem_solved",
    "how do i return a jacket",
    "my card was declined",
    "can i pay with paypal",
    "thanks",
    "how do i change my email",
    "i forgot my password",
    "do you ship to canada",
    "how do i get an invoice",
]
CONVERSATIONS, TURNS = 8, 60  # 40 messages in each of turns 1-5 and 56-60
EARLY, LATE = range(1, 6), range(56, 61)
CONCURRENCY, MESSAGES_PER_THREAD = (1, 8), 20


class BenchError(RuntimeError):
    """A measurement could not be taken; the message says why."""


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation, as numpy's default."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


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


def send(session: requests.Session, stack: Stack, sender: str, text: str) -> float:
    """Send one message over REST; returns the wall time in milliseconds."""
    started = time.perf_counter()
    reply = session.post(f"{stack.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=120)
    elapsed_ms = (time.perf_counter() - started) * 1000
    if reply.status_code != 200:
        raise BenchError(f"{text!r} got HTTP {reply.status_code}: {reply.text[:300]}")
    return elapsed_ms


def new_sender(label: str) -> str:
    return f"bench-{label}-{uuid.uuid4().hex[:10]}"


def warm_up(stack: Stack) -> Results:
    with requests.Session() as session:
        for text in MESSAGES[:2]:
            send(session, stack, new_sender("warmup"), text)
    return {}


def latency_by_length(stack: Stack, conversations: int = CONVERSATIONS, turns: int = TURNS) -> Results:
    """p50/p95 of turns 1-5 and 56-60 over `conversations` sequential conversations of `turns` turns."""
    by_turn: Dict[int, List[float]] = {turn: [] for turn in range(1, turns + 1)}
    for index in range(conversations):
        sender, offset = new_sender(f"length{index}"), index * 5  # each conversation starts elsewhere in the list
        with requests.Session() as session:
            for turn in by_turn:
                by_turn[turn].append(send(session, stack, sender, MESSAGES[(offset + turn - 1) % len(MESSAGES)]))
        log(f"  conversation {index + 1}/{conversations} done")
    early = [ms for turn in EARLY for ms in by_turn[turn]]
    late = [ms for turn in LATE for ms in by_turn[turn]]
    results = {
        "p50_early_ms": percentile(early, 50),
        "p95_early_ms": percentile(early, 95),
        "p50_late_ms": percentile(late, 50),
        "p95_late_ms": percentile(late, 95),
    }
    results["late_over_early"] = results["p50_late_ms"] / results["p50_early_ms"]
    return results


def messages_per_second(stack: Stack, concurrency: int, messages: int = MESSAGES_PER_THREAD) -> float:
    """`concurrency` conversations at once, each on its own thread and session, `messages` messages each."""

    def talk(index: int) -> None:
        sender = new_sender(f"load{concurrency}x{index}")
        with requests.Session() as session:
            for turn in range(messages):
                send(session, stack, sender, MESSAGES[(index + turn) % len(MESSAGES)])

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        for future in [pool.submit(talk, index) for index in range(concurrency)]:
            future.result()
    return concurrency * messages / (time.perf_counter() - started)


def throughput(stack: Stack) -> Results:
    return {f"throughput_{n}": messages_per_second(stack, n) for n in CONCURRENCY}


def memory_mb(pid: int) -> Results:
    """Peak (VmHWM) and current (VmRSS) resident memory of a process, in MB."""
    values: Results = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            values[f"{key.lower()}_mb"] = int(rest.split()[0]) / 1024  # kB
    return values


BENCH_DESK_TOKEN = "bench-desk-token-0123456789"
STACK_ENV = {
    # The team is always in and one agent has the desk open, so every handoff is live.
    "TANDEM_HANDOFF_SETTINGS": str(ROOT / "tests" / "connectors" / "handoff" / "always_open.yml"),
    "TANDEM_DESK_TOKENS": f"Bench:{BENCH_DESK_TOKEN}",
    # The bench sends as fast as the server answers, far above a person's pace.
    "TANDEM_MESSAGES_PER_MINUTE": "1000000",
}
HANDOFFS = 30
DESK_PAGE_POLL_MS = 500  # web/desk/desk.js: POLL_MS


def handoff_visibility(stack: Stack, count: int = HANDOFFS) -> Results:
    """Time from the customer's escalating message to the handoff in the agent desk's queue.

    Measured the way the desk page sees it (GET /webhooks/desk/queue), polled every
    20 ms; the page itself polls every DESK_PAGE_POLL_MS, which the report adds."""
    headers = {"Authorization": f"Bearer {BENCH_DESK_TOKEN}"}
    desk = f"{stack.rasa_url}/webhooks/desk"
    samples = []
    with requests.Session() as session:
        session.get(f"{desk}/queue", headers=headers, timeout=10).raise_for_status()  # the agent is online
        for _ in range(count):
            sender = new_sender("handoff")
            started = time.perf_counter()
            session.post(
                f"{stack.rasa_url}/webhooks/rest/webhook",
                json={"sender": sender, "message": "I want to talk to a person"},
                timeout=60,
            ).raise_for_status()
            row = None
            while row is None:
                rows = session.get(f"{desk}/queue", headers=headers, timeout=10).json()["handoffs"]
                row = next((r for r in rows if r["conversation_id"] == sender), None)
                if row is None:
                    if time.perf_counter() - started > 30:
                        raise BenchError("a handoff did not reach the desk within 30 s")
                    time.sleep(0.02)
            samples.append((time.perf_counter() - started) * 1000)
            session.post(f"{desk}/handoffs/{row['id']}/resolve", headers=headers, timeout=30).raise_for_status()
    return {
        "handoff_p50_ms": percentile(samples, 50),
        "handoff_p95_ms": percentile(samples, 95),
        "handoff_page_p95_ms": percentile(samples, 95) + DESK_PAGE_POLL_MS,
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


# (key, label, format) of each table row.
ROWS = [
    ("train_s", "training time (s)", "{:.0f}"),
    ("ready_s", "start to ready (s)", "{:.1f}"),
    ("p50_early_ms", "p50 latency, turns 1-5 (ms)", "{:.1f}"),
    ("p95_early_ms", "p95 latency, turns 1-5 (ms)", "{:.1f}"),
    ("p50_late_ms", "p50 latency, turns 56-60 (ms)", "{:.1f}"),
    ("p95_late_ms", "p95 latency, turns 56-60 (ms)", "{:.1f}"),
    ("late_over_early", "p50 turns 56-60 / turns 1-5", "{:.2f}"),
    *[(f"throughput_{n}", f"throughput, {n} concurrent (msg/s)", "{:.1f}") for n in CONCURRENCY],
    ("handoff_p50_ms", "handoff visible in the desk API, p50 (ms)", "{:.0f}"),
    ("handoff_p95_ms", "handoff visible in the desk API, p95 (ms)", "{:.0f}"),
    ("handoff_page_p95_ms", f"handoff visible on the desk page, p95 incl. its {DESK_PAGE_POLL_MS} ms poll (ms)", "{:.0f}"),
    ("vmhwm_mb", "Rasa server peak RSS, VmHWM (MB)", "{:.0f}"),
    ("vmrss_mb", "Rasa server RSS after load, VmRSS (MB)", "{:.0f}"),
]

# (description, check on project and stock results) for the project's config.
TARGETS: List[Tuple[str, Callable[[Results, Results], bool]]] = [
    ("p50 latency at turns 1-5 <= 30 ms", lambda p, s: p["p50_early_ms"] <= 30),
    ("p50 latency at turns 56-60 within 1.2x of turns 1-5", lambda p, s: p["late_over_early"] <= 1.2),
    ("throughput at 8 concurrent >= 2x the stock config's", lambda p, s: p["throughput_8"] >= 2 * s["throughput_8"]),
    ("start to ready <= 20 s", lambda p, s: p["ready_s"] <= 20),
    ("handoff visible to the agent p95 <= 1 s (desk page, poll included)", lambda p, s: p["handoff_page_p95_ms"] <= 1000),
]


def cell(results: Results, key: str, fmt: str) -> str:
    return fmt.format(results[key]) if key in results else "n/a"


def render(project: Results, stock: Results) -> str:
    lines = [
        "| metric | project (config.yml) | stock (rasa init) | project / stock |",
        "|---|---:|---:|---:|",
    ]
    for key, label, fmt in ROWS:
        ratio = f"{project[key] / stock[key]:.2f}x" if key in project and stock.get(key) else "n/a"
        lines.append(f"| {label} | {cell(project, key, fmt)} | {cell(stock, key, fmt)} | {ratio} |")
    lines += ["", "Targets for the project's config:", ""]
    for description, check in TARGETS:
        try:
            verdict = "PASS" if check(project, stock) else "FAIL"
        except KeyError:
            verdict = "FAIL (not measured)"
        lines.append(f"- {verdict}: {description}")
    return "\n".join(lines)


def machine() -> str:
    return f"nproc {len(os.sched_getaffinity(0))}, Python {platform.python_version()}, Rasa {version('rasa')}"


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


TARGET_ESCALATION_MS = 2.0


def escalation_cost() -> Results:
    """Time the escalation adds per message: the risk detector's matching and the policy's whole prediction.

    The detector runs on messages the featurizer already embedded, as in the pipeline; a message of
    several sentences costs it one more embedding call, timed apart ("extra embedding").
    The policy predicts on 60-turn trackers.
    """
    import tempfile as tmp

    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.shared.nlu.training_data.message import Message

    from core.escalation.risk_catalogue import sentences_of
    from policies.embedding_model import load_encoder
    from policies.escalation import EscalationPolicy
    from policies.risk_detector import RiskDetector
    from policies.sentence_embedding import SentenceEmbeddingFeaturizer
    from scripts.gold import load_gold
    from scripts.intent_pipeline import pipeline_components

    domain = Domain.load(str(ROOT / "domain.yml"))
    context = ExecutionContext(GraphSchema({}), "b")
    texts = [turn for case in load_gold() for turn in case["turns"] if not turn.startswith("/")]
    with tmp.TemporaryDirectory() as directory:
        storage = LocalModelStorage(Path(directory))
        featurizer = SentenceEmbeddingFeaturizer.create(
            SentenceEmbeddingFeaturizer.get_default_config(), storage, Resource("f"), context
        )
        settings = pipeline_components().get("policies.risk_detector.RiskDetector", {})  # as config.yml sets it
        detector = RiskDetector.create({**RiskDetector.get_default_config(), **settings}, storage, Resource("d"), context)
        detector.train(featurizer.process_training_data(load_data(str(ROOT / "data" / "nlu"))))
        single, several, embedding = [], [], []
        for text in texts * 3:
            message = featurizer.process([Message.build(text=text)])[0]
            started = time.perf_counter()
            detector.process([message])
            elapsed = (time.perf_counter() - started) * 1000
            if len(sentences_of(text)) == 1:
                single.append(elapsed)
            else:
                several.append(elapsed)
                started = time.perf_counter()
                load_encoder().embed(list(sentences_of(text)))  # the process's one encoder, as the detector's
                embedding.append((time.perf_counter() - started) * 1000)

        config = EscalationPolicy.get_default_config()
        policy = EscalationPolicy.create(config, storage, Resource("e"), context)
        policy.train([], domain)
        history = [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]
        for n in range(59):
            history += [
                UserUttered(texts[n % len(texts)], {"name": "order_status", "confidence": 0.9}),
                ActionExecuted("action_listen"),
            ]
        timings = []
        for text in texts * 3:
            tracker = DialogueStateTracker.from_events(
                "b", history + [UserUttered(text, {"name": "order_status", "confidence": 0.9})], domain.slots
            )
            started = time.perf_counter()
            policy.predict_action_probabilities(tracker, domain)
            timings.append((time.perf_counter() - started) * 1000)
    matching = single + [total - extra for total, extra in zip(several, embedding, strict=True)]
    return {
        "p50_ms": percentile(timings, 50),
        "p95_ms": percentile(timings, 95),
        "messages": len(timings),
        "match_p50_ms": percentile(matching, 50),
        "match_p95_ms": percentile(matching, 95),
        "several_share": len(several) / max(1, len(single) + len(several)),
        "embedding_p50_ms": percentile(embedding, 50) if embedding else 0.0,
    }


def render_escalation(r: Results) -> str:
    decision_p95 = r["p95_ms"] + r["match_p95_ms"]
    verdict = "PASS" if decision_p95 <= TARGET_ESCALATION_MS else "FAIL"
    return "\n".join(
        [
            "| part | p50 per message (ms) | p95 per message (ms) |",
            "|---|---:|---:|",
            f"| risk detector: keywords and classifier, every sentence ({r['messages']:.0f} messages) |"
            f" {r['match_p50_ms']:.2f} | {r['match_p95_ms']:.2f} |",
            f"| escalation policy on 60-turn trackers | {r['p50_ms']:.2f} | {r['p95_ms']:.2f} |",
            f"| extra embedding call, messages of several sentences ({r['several_share']:.0%} of them) |"
            f" {r['embedding_p50_ms']:.2f} | |",
            "",
            f"- {verdict}: escalation decision (detector matching + policy) p95 {decision_p95:.2f} <= {TARGET_ESCALATION_MS} ms"
            " per message",
        ]
    )


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


if __name__ == "__main__":
    sys.exit(main())
