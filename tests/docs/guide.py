"""The steps of docs/designers.md, applied to a copy of the project as a designer would apply them.

Each snippet of the guide is marked in its source by an HTML comment naming the section, the file
and where the snippet goes: ``<!-- step intent: domain.yml after "intents:" -->`` (after the one line
that starts so),
``end`` (appended to the file) or ``new`` (a new file). The tests apply a section's snippets in the
order the guide gives them, so what they check is what the guide says.
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import List, NamedTuple, Optional

from scripts.stack import ROOT

GUIDE = ROOT / "docs" / "designers.md"
SECTIONS = ("intent", "article", "team", "risk")
_STEP = re.compile(
    r'^<!-- step (?P<section>\w+): (?P<file>\S+) (?P<where>new|end|after "(?P<anchor>[^"]+)") -->\n'
    r"```\w*\n(?P<body>.*?)^```$",
    re.S | re.M,
)
# Not part of a designer's checkout, or too big to copy for nothing; the frozen escalation set
# is never read by anyone who writes rules (tests/escalation/test_frozen.py).
_NOT_COPIED = shutil.ignore_patterns(
    ".git", ".venv", "node_modules", "models", "var", "results", "__pycache__", ".*_cache", "frozen.yml"
)


@dataclass(frozen=True)
class Step:
    section: str
    file: str
    where: str  # new | end | after
    anchor: Optional[str]
    body: str


class Run(NamedTuple):
    code: int
    out: str


def steps(section: Optional[str] = None, guide: Path = GUIDE) -> List[Step]:
    found = [
        Step(m["section"], m["file"], m["where"].split(" ")[0], m["anchor"], m["body"])
        for m in _STEP.finditer(guide.read_text(encoding="utf-8"))
    ]
    return [step for step in found if section is None or step.section == section]


def copy_project(destination: Path) -> Path:
    """The project's code and data (a designer's checkout), without the virtualenv, models and state."""
    shutil.copytree(ROOT, destination, ignore=_NOT_COPIED)
    return destination


def anchored(lines: List[str], anchor: str) -> List[int]:
    """Indices of the lines that start with ``anchor``."""
    return [i for i, line in enumerate(lines) if line.startswith(anchor)]


def apply(step: Step, root: Path) -> None:
    path = root / step.file
    if step.where == "new":
        assert not path.exists(), f"{step.file} exists already"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(step.body, encoding="utf-8")
        return
    text = path.read_text(encoding="utf-8")
    if step.where == "end":
        path.write_text(text + ("" if text.endswith("\n") else "\n") + step.body, encoding="utf-8")
        return
    lines = text.splitlines(keepends=True)
    at = anchored(lines, step.anchor or "")
    assert len(at) == 1, f"{step.file}: {len(at)} lines start with {step.anchor!r}, not one"
    lines.insert(at[0] + 1, step.body)
    path.write_text("".join(lines), encoding="utf-8")


def apply_sections(root: Path, *sections: str) -> Path:
    for section in sections:
        assert steps(section), f"the guide has no steps for {section!r}"
        for step in steps(section):
            apply(step, root)
    return root


def validate(root: Path, *only: str) -> Run:
    """`make validate` (scripts/validate.py) on the copy, its output captured."""
    from scripts.validate import main

    output = io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        code = main(["--root", str(root), *(["--only", *only] if only else [])])
    return Run(code, output.getvalue())
