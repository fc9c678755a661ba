"""``python -m scripts.kb``: exit codes and ``file:line: message`` output, on a copy of the real articles."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest

from scripts.kb import ROOT, default_url, main
from tests.actions.knowledge import closing_line, line_of

REAL_KB = ROOT / "data" / "kb"
ARTICLE_COUNT = len(list(REAL_KB.glob("*.md")))


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    return Path(shutil.copytree(REAL_KB, tmp_path / "kb"))


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'var' / 'kb.db'}"


def _edit(path: Path, old: str, new: str) -> None:
    content = path.read_text()
    assert old in content
    path.write_text(content.replace(old, new, 1))


BREAKAGES: list = [
    pytest.param(
        lambda p: _edit(p, "status: approved", "status: published"), "status:", "status must be one of", id="bad-status"
    ),
    pytest.param(lambda p: _edit(p, "owner: orders-team\n", ""), "close", "missing key 'owner'", id="missing-key"),
    pytest.param(
        lambda p: _edit(p, "(kb:late-or-lost-parcel)", "(kb:late-parcel)"),
        "If the parcel",
        "link to unknown article 'kb:late-parcel'",
        id="dead-link",
    ),
    pytest.param(
        lambda p: _edit(p, "[order_status]", "[order_tracking]"),
        "topics:",
        "topic 'order_tracking' is not an intent",
        id="unknown-topic",
    ),
]


@pytest.mark.parametrize("breakage, where, message", BREAKAGES)
def test_validate_prints_file_and_line_and_fails(
    kb: Path, capsys: pytest.CaptureFixture[str], breakage: Callable[[Path], None], where: str, message: str
) -> None:
    path = kb / "track-your-order.md"
    breakage(path)
    line = closing_line(path) if where == "close" else line_of(path, where)
    assert main(["validate", "--kb-dir", str(kb)]) == 1
    out = capsys.readouterr().out
    assert f"{path}:{line}: {message}" in out


def test_validate_passes_a_clean_copy(kb: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--kb-dir", str(kb)]) == 0
    assert capsys.readouterr().out == f"kb: {ARTICLE_COUNT} articles OK\n"


def test_a_missing_directory_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--kb-dir", str(tmp_path / "nope")]) == 2
    assert "knowledge-base directory not found" in capsys.readouterr().err


def test_sync_then_report(kb: Path, url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sync", "--kb-dir", str(kb), "--url", url, "--today", "2026-11-23"]) == 0
    assert main(["sync", "--kb-dir", str(kb), "--url", url]) == 0
    first, second = capsys.readouterr().out.splitlines()
    assert first == f"kb sync: {ARTICLE_COUNT} published, 0 unchanged, 0 retired, 0 rejected, 0 stale (generation 1)"
    assert second.startswith(f"kb sync: 0 published, {ARTICLE_COUNT} unchanged")
    assert main(["report", "--url", url, "--today", "2026-11-23"]) == 0
    report = capsys.readouterr().out
    assert report.startswith("# Knowledge base report, 2026-11-23 (generation 2)") and "buy-now-pay-later" in report


def test_sync_fails_on_problems_only_when_strict(kb: Path, url: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = kb / "track-your-order.md"
    _edit(path, "status: approved", "status: published")
    assert main(["sync", "--kb-dir", str(kb), "--url", url]) == 0
    assert main(["sync", "--kb-dir", str(kb), "--url", url, "--strict"]) == 1
    out = capsys.readouterr().out
    assert "1 rejected" in out and f"{path}:{line_of(path, 'status:')}: status must be one of" in out


def test_the_store_url_comes_from_the_environment(kb: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TANDEM_KB_URL", f"sqlite:///{tmp_path / 'env.db'}")
    assert main(["sync", "--kb-dir", str(kb)]) == 0
    assert (tmp_path / "env.db").is_file()
    assert default_url({}) == f"sqlite:///{ROOT / 'var' / 'kb.db'}"


def test_runs_as_a_module_on_the_real_articles() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "scripts.kb", "validate"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert (result.returncode, result.stdout) == (0, f"kb: {ARTICLE_COUNT} articles OK\n"), result.stderr


def test_validate_warns_about_articles_near_or_past_review_by(kb: Path, capsys: pytest.CaptureFixture[str], pin_clock) -> None:
    from datetime import datetime, timedelta, timezone

    path = kb / "track-your-order.md"
    review_line = line_of(path, "review_by:")
    review_by = path.read_text().split("review_by: ", 1)[1].split("\n", 1)[0]
    day = datetime.fromisoformat(review_by).replace(tzinfo=timezone.utc)

    pin_clock(day - timedelta(days=10))
    assert main(["validate", "--kb-dir", str(kb)]) == 0  # a warning, not a failure: make test must not depend on the date
    out = capsys.readouterr().out
    assert f"{path}:{review_line}: warning: review_by {review_by} is in 10 day(s)" in out

    pin_clock(day + timedelta(days=1))
    assert main(["validate", "--kb-dir", str(kb)]) == 0
    out = capsys.readouterr().out
    assert f"{path}:{review_line}: warning: past review_by ({review_by}): not served until reviewed" in out
    approved = sum("status: approved" in article.read_text() for article in kb.glob("*.md"))
    pin_clock(datetime(2099, 1, 1, tzinfo=timezone.utc))
    main(["validate", "--kb-dir", str(kb)])
    assert capsys.readouterr().out.count("warning: past review_by") == approved


def test_the_demo_articles_are_reviewed_at_least_eleven_months_ahead_of_the_suite_clock(kb: Path) -> None:
    """The demo knowledge base stays servable for a year after its last review pass (2026-12-07)."""
    from datetime import date

    from actions.knowledge.articles import known_intents, validate_directory

    articles, _ = validate_directory(kb, known_intents(ROOT / "domain.yml"))
    assert min(article.review_by for article in articles) >= date(2027, 12, 7)


def test_report_lists_articles_due_for_review(kb: Path, url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sync", "--kb-dir", str(kb), "--url", url]) == 0
    capsys.readouterr()
    assert main(["report", "--url", url, "--today", "2027-11-20"]) == 0
    report = capsys.readouterr().out
    section = report.split("## Due for review within 30 days", 1)[1].split("\n## ", 1)[0]
    assert "merge-or-switch-accounts" in section and "track-your-order" not in section
