"""`make validate`: everything a designer edits, checked in seconds, without training.

    python -m scripts.validate [--root DIR] [--only kb|settings|rasa ...] [--verbose]

1. knowledge-base articles (scripts/kb.py): each article, its version against the approved
   manifest ``data/kb/versions.lock``, test phrasings for every approved article; review_by warnings;
2. ``data/escalation.yml`` and the risk catalogue it names, ``data/handoff.yml``, ``data/knowledge.yml``,
   ``data/topics.yml`` (a topic for every intent), through the loaders the product uses
   (scripts/validation/settings_files.py);
3. ``domain.yml``, ``data/nlu``, ``data/rules``, ``data/stories`` through Rasa's validator at zero
   warnings (scripts/validation/rasa_data.py).

Every problem prints as ``file:line: key: reason`` (the line where it is known), then a summary per
part. ``--only`` runs some parts (``kb`` and ``settings`` take a second or two; ``rasa`` most of the
run). ``--root`` checks another copy of the project's data (the tests use it).

Exit codes: 0 fine (warnings allowed); 1 problems; 2 bad usage.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Optional, Sequence

ROOT = Path(__file__).resolve().parent.parent
PARTS = ("kb", "settings", "rasa")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m scripts.validate", description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="project copy to check (default: this one)")
    parser.add_argument("--only", nargs="+", choices=PARTS, default=list(PARTS), help="the parts to run (default: all)")
    parser.add_argument("--verbose", action="store_true", help="also list the responses only code sends, and where")
    return parser


def _knowledge_base(root: Path) -> int:
    from scripts import kb

    phrasings = [root / "tests" / "kb" / name for name in ("retrieval_dev.yml", "retrieval_eval.yml")]
    argv = ["validate", "--kb-dir", str(root / "data" / "kb"), "--domain", str(root / "domain.yml"), "--phrasings"]
    return kb.main([*argv, *map(str, phrasings)])


def _report(part: str, problems: Sequence, ok: str) -> int:
    for problem in sorted(problems, key=lambda p: p.sort_key()):
        print(problem, flush=True)
    if problems:
        print(f"{part}: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"{part}: {ok}")
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = _parser().parse_args(argv)
    root: Path = args.root.resolve()
    if not (root / "domain.yml").is_file():
        print(f"validate: {root} has no domain.yml", file=sys.stderr)
        return 2
    started = time.monotonic()
    failed = False
    if "kb" in args.only:
        failed |= _knowledge_base(root) != 0
    if "settings" in args.only:
        from scripts.validation.settings_files import check_settings

        ok = "escalation rules, risk catalogue, handoff and retrieval settings, topics OK"
        failed |= _report("settings", check_settings(root), ok) != 0
    if "rasa" in args.only:
        from scripts.validation.rasa_data import check_rasa_data

        rasa = check_rasa_data(root)
        ok = f"domain, NLU, rules and stories OK, 0 warnings ({len(rasa.sent_by_code)} responses sent only by code)"
        failed |= _report("rasa", rasa.problems, ok) != 0
        if args.verbose:
            for name, where in sorted(rasa.sent_by_code.items()):
                print(f"  {name}: sent by {where}")
    sys.stdout.flush()
    print(f"validate: {'FAILED' if failed else 'OK'} in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    # TensorFlow, which Rasa's validator imports, logs its hardware probing from C++ otherwise.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    sys.exit(main())
