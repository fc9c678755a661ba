"""The redaction section of `make eval`: needs no model and no stack, and reports its checks."""

from __future__ import annotations

import pytest

from scripts import evaluate
from scripts.evaluate import redaction


def test_the_redaction_section_scores_the_corpus_and_passes_its_checks() -> None:
    section = redaction.redaction_section()

    markdown = section.markdown()
    assert section.title.startswith("Redaction (")
    assert "| card |" in markdown and "| iban |" in markdown
    labels = [" ".join(description.split()[:2]) for description, _ in section.checks]
    assert labels == [f"{corpus}: {kind}" for corpus in ("development", "held-out") for kind in ("card", "password", "harmless")]
    # The rules were written against the development corpus: there it must catch everything.
    assert all(passed for description, passed in section.checks if description.startswith("development")), markdown
    assert "Held-out corpus" in markdown and "Secrets left in" not in markdown.split("Held-out corpus")[1]
    assert redaction.redaction_section in evaluate.SECTIONS


def test_an_unreadable_corpus_is_an_evaluation_error(monkeypatch: pytest.MonkeyPatch) -> None:
    missing = redaction.ROOT / "tests" / "redaction" / "no-such-corpus.yml"
    monkeypatch.setattr(redaction, "REDACTION_CORPUS", missing)
    with pytest.raises(redaction.EvaluationError, match="no-such-corpus.yml"):
        redaction.redaction_section()
