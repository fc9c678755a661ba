"""Time comes from one clock (core/clock.py); tests never read the real one.

Read from the source, so a new module or test that reaches for the wall clock fails
here with its file and line, before it becomes a test that breaks on some date:

- production code (actions, policies, connectors, core, scripts) reads the real time
  only in ``core/clock.py``; durations with ``time.monotonic`` are fine;
- test code never reads the real date or time, and sleeps only inside a polling loop
  (waiting for something to happen) or in a fake server simulating a slow peer, never
  to prove that something did not happen.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Iterator, List, Optional, Tuple

from scripts.stack import ROOT

WALL_CLOCK_CALLS = {
    ("date", "today"),
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("time", "time"),
    ("time", "time_ns"),
}
PRODUCT_PACKAGES = ("actions", "policies", "connectors", "core", "scripts")
THE_CLOCK = ROOT / "core" / "clock.py"


def python_files(*packages: str) -> Iterator[Path]:
    for package in packages:
        yield from sorted((ROOT / package).rglob("*.py"))


def dotted(node: ast.AST) -> Optional[Tuple[str, str]]:
    """``("datetime", "now")`` for ``datetime.now(...)`` or ``datetime.datetime.now(...)``."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        owner = node.func.value
        name = owner.id if isinstance(owner, ast.Name) else owner.attr if isinstance(owner, ast.Attribute) else None
        if name:
            return name, node.func.attr
    return None


def shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def referenced(node: ast.AST) -> Optional[Tuple[str, str]]:
    """Like ``dotted`` for a bare reference too (``clock=time.time`` reads the wall clock later)."""
    if isinstance(node, ast.Attribute):
        owner = node.value
        name = owner.id if isinstance(owner, ast.Name) else owner.attr if isinstance(owner, ast.Attribute) else None
        if name:
            return name, node.attr
    return None


def wall_clock_reads(path: Path) -> List[str]:
    tree = ast.parse(path.read_text(), str(path))
    return [
        f"{shown(path)}:{node.lineno}: {'.'.join(call)}"
        for node in ast.walk(tree)
        if (call := referenced(node)) in WALL_CLOCK_CALLS
    ]


class SleepFinder(ast.NodeVisitor):
    """``time.sleep`` outside a loop and outside a class (a fake peer) is a test waiting instead of checking."""

    def __init__(self, path: Path) -> None:
        self.path, self.loops, self.classes, self.found = path, 0, 0, []

    def visit_While(self, node: ast.While) -> None:
        self.loops += 1
        self.generic_visit(node)
        self.loops -= 1

    visit_For = visit_While  # type: ignore[assignment]

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.classes += 1
        self.generic_visit(node)
        self.classes -= 1

    def visit_Call(self, node: ast.Call) -> None:
        if dotted(node) in {("time", "sleep"), ("asyncio", "sleep")} and not self.loops and not self.classes:
            self.found.append(f"{shown(self.path)}:{node.lineno}: {'.'.join(dotted(node))}() outside a polling loop")
        self.generic_visit(node)


def test_the_product_reads_the_real_time_in_one_place() -> None:
    offenders = [hit for path in python_files(*PRODUCT_PACKAGES) if path != THE_CLOCK for hit in wall_clock_reads(path)]
    assert offenders == [], "use core.clock (now, utcnow, today, timestamp) instead:\n" + "\n".join(offenders)


def test_tests_never_read_the_real_date_or_time() -> None:
    offenders = [hit for path in python_files("tests") for hit in wall_clock_reads(path)]
    assert offenders == [], "pin time with the suite clock or the pin_clock fixture instead:\n" + "\n".join(offenders)


def test_tests_do_not_sleep_to_prove_a_negative() -> None:
    offenders = []
    for path in python_files("tests"):
        finder = SleepFinder(path)
        finder.visit(ast.parse(path.read_text(), str(path)))
        offenders += finder.found
    assert offenders == [], "\n".join(offenders)


def test_the_checks_catch_what_they_are_for(tmp_path: Path) -> None:
    """The scanners are only worth something if they see the calls they ban."""
    sample = tmp_path / "test_sample.py"
    sample.write_text(
        "import time\nfrom datetime import date, datetime\n"
        "def test_x():\n    assert date.today() and datetime.now() and time.time()\n    time.sleep(2)\n"
        "    while True:\n        time.sleep(0.1)\n"
        "def fake(clock=time.time):\n    return clock()\n"
    )
    assert len(wall_clock_reads(sample)) == 4
    finder = SleepFinder(sample)
    finder.visit(ast.parse(sample.read_text()))
    assert len(finder.found) == 1
