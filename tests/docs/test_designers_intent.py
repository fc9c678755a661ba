"""docs/designers.md, section 1, done on a copy of the project: a new intent, validated, trained, answered, summarised.

The copy gets the guide's snippets for ``gift_wrapping`` and nothing else. `make validate`'s checks
pass on it; a model is trained from it through the launcher and its servers started on ports of
their own (from the copy, as `make run` would start them); a customer asks in words none of the
examples contain and gets the new reply; the guide's test story passes against the model; and
when the customer asks for a person, the agent's summary states the new topic's goal.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Iterator

import pytest

from rasa_extensions.cli import command as rasa_command
from scripts.stack import ROOT, Ports, Stack, start_stack, trained_model
from tests.conftest import API_TOKEN, DESK_TOKENS, HANDOFF_TEST_SETTINGS, Conversation, Desk
from tests.docs.guide import apply_sections, copy_project, validate

pytestmark = pytest.mark.slow

# Ports no other test uses: this stack runs beside the suite's own (tests/conftest.py).
PORTS = Ports(rasa=15905, actions=15955, web=18980)
ASKED = "could you wrap the jumper from order AC-310775 as a birthday present for my dad?"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = apply_sections(copy_project(tmp_path_factory.mktemp("designer") / "project"), "intent")
    assert ASKED.lower() not in (root / "data" / "nlu" / "gifts.yml").read_text().lower()
    return root


@pytest.fixture(scope="module")
def model(project: Path) -> Path:
    checked = validate(project)  # the guide's step 9, before any training
    assert checked.code == 0, checked.out
    # Models are cached by a hash of their inputs (scripts/train.py): kept in var/, the next run
    # of an unchanged guide on unchanged data reuses this one instead of training again.
    cache = ROOT / "var" / "designers-guide-models"
    cache.mkdir(parents=True, exist_ok=True)
    (project / "models").symlink_to(cache, target_is_directory=True)
    return trained_model(root=project)


@pytest.fixture(scope="module")
def stack(project: Path, model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("designer-stack")
    env = {
        "TANDEM_HANDOFF_SETTINGS": str(HANDOFF_TEST_SETTINGS),
        "TANDEM_DESK_TOKENS": ",".join(f"{name}:{token}" for name, token in DESK_TOKENS.items()),
        "TANDEM_ACTION_TOKEN": "test-action-token",
    }
    with start_stack(
        model, PORTS, workdir, workdir / "tracker.db", web=False, env=env, api_token=API_TOKEN, root=project
    ) as running:
        yield running


def test_the_new_intent_is_answered_and_its_handoff_summarised(project: Path, stack: Stack) -> None:
    customer = Conversation(stack)

    [reply] = customer.say(ASKED)

    assert customer.responses() == ["utter_gift_wrapping"]
    assert reply["text"].startswith("Happy to help with a gift!")
    assert [b["title"] for b in reply["buttons"]] == ["Talk to a person"]

    customer.say("i'd like to talk to a person about it please")

    assert "action_handoff" in customer.actions()
    row = Desk(stack).handoff_of(customer.sender)
    packet = Desk(stack).detail(row["id"])["handoff"]["packet"]
    assert packet["intents"][0]["name"] == "gift_wrapping"
    summary = packet["summary"]
    assert summary["goal"] == "Add gift wrapping or a gift message to order AC-310775."
    assert summary["open_question"] == "Which items of order AC-310775 should be wrapped, and what should the message say?"
    assert "could not tell" not in " ".join(summary.values())


def test_the_guides_test_story_passes_against_the_new_model(project: Path, model: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        rasa_command(
            "test",
            "core",
            "--model",
            str(model),
            "--stories",
            "tests/conversations/test_stories.yml",
            "--out",
            str(tmp_path / "results"),
            "--fail-on-prediction-errors",
            "--no-plot",
        ),
        cwd=project,
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
