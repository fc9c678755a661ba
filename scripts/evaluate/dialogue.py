"""Dialogue: the trained model on the test stories (`rasa test core`)."""

from __future__ import annotations

from pathlib import Path
from typing import List

import yaml

from scripts.evaluate.common import RESULTS, ROOT, EvaluationError, Section, accuracy_of, log, rasa, read_report
from scripts.stack import StackError, trained_model

CORE_OUT = RESULTS / "core"
TEST_STORIES = "tests/conversations/test_stories.yml"


def failed_story_names(path: Path) -> List[str]:
    """Names of the stories in Rasa's failed_test_stories.yml (a lone comment when none failed)."""
    if not path.exists():
        return []
    data = yaml.safe_load(path.read_text()) or {}
    return [story.get("story", "?") for story in data.get("stories", [])]


def dialogue_section() -> Section:
    log("dialogue: training or reusing the model, then testing the test stories ...")
    try:
        model = trained_model()
    except StackError as error:
        raise EvaluationError(str(error)) from error
    rasa("test", "core", "--model", str(model), "--stories", TEST_STORIES, "--no-plot", out=CORE_OUT)
    report = read_report(CORE_OUT / "story_report.json")
    # Rasa adds "conversation_accuracy" (whole stories) next to the per-action report.
    stories = report.get("conversation_accuracy")
    if not stories:
        raise EvaluationError(f"{CORE_OUT.relative_to(ROOT)}/story_report.json has no conversation_accuracy")
    section = Section(f"Dialogue: test stories ({TEST_STORIES})")
    section.lines += [
        f"- story accuracy: {stories['accuracy']:.3f} ({stories['correct']} / {stories['total']} stories correct)",
        f"- action accuracy: {accuracy_of(report):.3f}",
    ]
    failed = failed_story_names(CORE_OUT / "failed_test_stories.yml")
    if failed:
        section.lines += ["", "Failed stories (details in results/core/failed_test_stories.yml):", ""]
        section.lines += [f"- {name}" for name in failed]
    return section
