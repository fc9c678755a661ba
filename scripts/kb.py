"""Knowledge-base command line: check the articles, approve their versions, publish them, report on them.

    python -m scripts.kb validate [--kb-dir data/kb] [--domain domain.yml] [--today YYYY-MM-DD] [--phrasings FILE ...]
    python -m scripts.kb approve  [--kb-dir data/kb] [--domain domain.yml]
    python -m scripts.kb sync     [--kb-dir data/kb] [--domain domain.yml] [--url URL] [--strict]
    python -m scripts.kb report   [--url URL] [--today YYYY-MM-DD]

The store URL comes from ``--url``, else ``TANDEM_KB_URL``, else ``sqlite:///<project>/var/kb.db``.
Problems print as ``file:line: message`` so editors and CI can jump to them. ``validate`` checks
every article, that its content is what its version was approved with (``<kb-dir>/versions.lock``,
scripts/validation/kb_versions.py) and that every approved article has test phrasings
(scripts/validation/kb_phrasings.py); it also warns (without failing) for approved articles within
30 days of ``review_by`` or past it, since those stop being served on that date; "today" is the
product's clock (core/clock.py). ``approve`` records the new version of every edited or new article
in the manifest (``make kb-approve``), and refuses edits whose version was not bumped.

Exit codes: 0 fine; 1 problems (``validate``, ``approve``, or ``sync --strict``); 2 bad usage or no such directory.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path
from typing import Mapping, Optional, Sequence

from actions.knowledge.articles import (
    REVIEW_WARNING_DAYS,
    Article,
    ArticleProblem,
    FileCheck,
    check_directory,
    display_path,
    known_intents,
)
from actions.knowledge.store import KnowledgeStore
from core import clock
from scripts.validation import kb_versions
from scripts.validation.kb_phrasings import PHRASING_FILES, check_phrasings

ROOT = Path(__file__).resolve().parent.parent


def default_url(env: Optional[Mapping[str, str]] = None) -> str:
    env = os.environ if env is None else env
    return env.get("TANDEM_KB_URL") or f"sqlite:///{ROOT / 'var' / 'kb.db'}"


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--kb-dir", type=Path, default=ROOT / "data" / "kb", help="article directory (default: data/kb)")
    common.add_argument("--domain", type=Path, default=ROOT / "domain.yml", help="domain whose intents topics must name")
    common.add_argument("--url", default=None, help="store URL (default: $TANDEM_KB_URL or sqlite:///var/kb.db)")
    common.add_argument("--today", type=date.fromisoformat, default=None, help="date for staleness (default: today)")
    parser = argparse.ArgumentParser(prog="python -m scripts.kb", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    validate = commands.add_parser("validate", parents=[common], help="check every article; exit 1 on any problem")
    validate.add_argument(
        "--phrasings", type=Path, nargs="+", default=list(PHRASING_FILES), help="retrieval test sets every approved article needs"
    )
    commands.add_parser("approve", parents=[common], help="record the new version of every edited or new article")
    sync = commands.add_parser("sync", parents=[common], help="publish valid articles, keep the last good version of others")
    sync.add_argument("--strict", action="store_true", help="exit 1 when any article was rejected")
    commands.add_parser("report", parents=[common], help="print the content report as Markdown")
    return parser


def review_warnings(checks: Sequence, today: date) -> list[str]:
    """``file:line: warning: ...`` for approved articles that are stale or soon will be."""
    warnings = []
    for check in checks:
        article: Optional[Article] = check.article
        if article is None or article.status != "approved":
            continue
        where = f"{check.path}:{check.key_lines.get('review_by', 1)}"
        days = (article.review_by - today).days
        if article.is_stale(today):
            warnings.append(f"{where}: warning: past review_by ({article.review_by}): not served until reviewed")
        elif article.is_due_for_review(today):
            warnings.append(
                f"{where}: warning: review_by {article.review_by} is in {days} day(s): "
                f"review it, then move review_by and last_reviewed, bump version and run `make kb-approve` "
                f"(not served after that date)"
            )
    return warnings


def kb_problems(checks: Sequence[FileCheck], kb_dir: Path, phrasings: Sequence[Path]) -> list[ArticleProblem]:
    """Every reason the articles cannot pass: their own problems, unapproved versions, missing test phrasings."""
    problems = [problem for check in checks for problem in check.problems]
    try:
        problems += kb_versions.check_versions(checks, kb_versions.load(kb_versions.manifest_path(kb_dir)))
    except kb_versions.ManifestError as error:
        problems.append(error.problem)
    problems += check_phrasings(checks, phrasings)
    return sorted(problems)


def _validate(args: argparse.Namespace) -> int:
    checks = check_directory(args.kb_dir, known_intents(args.domain))
    articles = [check.article for check in checks if check.article is not None]
    problems = kb_problems(checks, args.kb_dir, args.phrasings)
    for problem in problems:
        print(problem)
    warnings = review_warnings(checks, args.today or clock.today())
    for warning in warnings:
        print(warning)
    sys.stdout.flush()  # the summary on stderr comes after the lines it sums up, also in a pipe
    if warnings:
        print(f"kb: {len(warnings)} article(s) stale or due for review within {REVIEW_WARNING_DAYS} days", file=sys.stderr)
    if problems:
        print(f"kb: {len(problems)} problem(s), {len(articles)} articles OK", file=sys.stderr)
        return 1
    print(f"kb: {len(articles)} articles OK")
    return 0


def _approve(args: argparse.Namespace) -> int:
    checks = check_directory(args.kb_dir, known_intents(args.domain))
    path = kb_versions.manifest_path(args.kb_dir)
    try:
        approved, recorded, problems = kb_versions.approve(checks, kb_versions.load(path))
    except kb_versions.ManifestError as error:
        approved, recorded, problems = {}, [], [error.problem]
    for problem in problems:
        print(problem, flush=True)
    if problems:
        print(f"kb approve: {len(problems)} problem(s); nothing recorded", file=sys.stderr)
        return 1
    if recorded:
        kb_versions.write(path, approved)
    done = ", ".join(f"{article.id} (version {article.version})" for article in recorded) or "nothing new"
    print(f"kb approve: recorded {done} in {display_path(path)}")
    return 0


def _sync(args: argparse.Namespace, store: KnowledgeStore) -> int:
    report = store.sync(args.kb_dir, known_intents(args.domain), today=args.today)
    print(report.summary())
    for problem in report.problems:
        print(problem)
    return 1 if args.strict and not report.ok else 0


def _report(args: argparse.Namespace, store: KnowledgeStore) -> int:
    print(store.report(args.today or clock.today()).to_markdown(), end="")
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "validate":
            return _validate(args)
        if args.command == "approve":
            return _approve(args)
        store = KnowledgeStore(args.url or default_url())
        try:
            return _sync(args, store) if args.command == "sync" else _report(args, store)
        finally:
            store.close()
    except FileNotFoundError as error:
        print(f"kb: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
