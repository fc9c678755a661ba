"""What the bench's parts share: their results, the error a measurement raises, progress, percentiles, memory."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Dict, Sequence

Results = Dict[str, float]


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


def memory_mb(pid: int) -> Results:
    """Peak (VmHWM) and current (VmRSS) resident memory of a process, in MB."""
    values: Results = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            values[f"{key.lower()}_mb"] = int(rest.split()[0]) / 1024  # kB
    return values
