"""Rasa's own checks: data validation and the test stories, on the trained model, through the launcher
(rasa_extensions/cli.py), so the stories are checked against the Rasa the server runs."""

import subprocess

import pytest

from rasa_extensions.cli import command as rasa_command
from scripts.stack import ROOT

pytestmark = pytest.mark.slow

DATA = ["--data", "data/nlu", "data/rules", "data/stories"]


def run(argv, tmp_path):
    result = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True)
    (tmp_path / "output.log").write_text(result.stdout + result.stderr)
    return result


def test_training_data_validates_clean(tmp_path):
    result = run(rasa_command("data", "validate", "--fail-on-warnings", "--domain", "domain.yml", *DATA), tmp_path)

    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]


def test_stories_pass_with_no_prediction_errors(model_path, tmp_path):
    result = run(
        rasa_command(
            "test",
            "core",
            "--model",
            str(model_path),
            "--stories",
            "tests/conversations/test_stories.yml",
            "--out",
            str(tmp_path / "results"),
            "--fail-on-prediction-errors",
            "--no-plot",
        ),
        tmp_path,
    )

    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
