"""The side-by-side table of the served configs and the project's targets."""

from __future__ import annotations

from typing import Callable, List, Tuple

from scripts.bench.common import Results
from scripts.bench.conversations import CONCURRENCY, DESK_PAGE_POLL_MS

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
