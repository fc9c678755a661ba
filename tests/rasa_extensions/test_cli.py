"""The launcher (rasa_extensions/cli.py): the one place Rasa is started from, extended first."""

from __future__ import annotations

import logging
import re
import subprocess
import sys

import pytest

from rasa_extensions import cli, patches
from scripts.stack import ROOT, Stack

NOT_EXTENDED_WARNING = "without Tandem's extensions"


def run(argv):
    return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_the_launcher_runs_rasas_own_cli():
    import rasa

    result = run(cli.command("--version"))

    assert result.returncode == 0, result.stderr[-3000:]
    assert re.search(rf"^Rasa Version\s*:\s*{re.escape(rasa.__version__)}$", result.stdout, re.MULTILINE)
    assert f"rasa_extensions: Rasa {rasa.__version__} extended" in result.stderr


def test_the_patches_are_applied_before_rasas_cli_starts():
    # Rasa's real main, wrapped to record what it finds when it starts, then run as usual.
    probe = (
        "import sys, rasa.__main__ as rasa_cli\n"
        "from rasa_extensions import cli, patches\n"
        "rasa_main = rasa_cli.main\n"
        "def main():\n"
        "    print('applied when Rasa starts:', patches.applied(), sys.argv)\n"
        "    rasa_main()\n"
        "rasa_cli.main = main\n"
        "sys.exit(cli.main(['--version']))\n"
    )
    result = run([sys.executable, "-c", probe])

    assert result.returncode == 0, result.stderr[-3000:]
    assert "applied when Rasa starts: True ['rasa', '--version']" in result.stdout
    assert "Rasa Version" in result.stdout


def test_the_launcher_refuses_an_untested_rasa_before_rasa_starts(monkeypatch, capsys):
    import rasa

    monkeypatch.setattr(rasa, "__version__", "3.6.99")

    assert cli.main(["--version"]) == cli.UNTESTED_RASA_STATUS

    out, err = capsys.readouterr()
    assert "Rasa Version" not in out
    assert "3.6.99" in err and all(version in err for version in patches.TESTED_RASA_VERSIONS)
    assert not patches.applied()


def test_nothing_in_the_project_starts_the_rasa_executable_itself():
    # Everything goes through cli.command(); a bare `rasa` would run unpatched.
    direct = re.compile(r"""/\s*["']rasa["']|bin/rasa\b|\[\s*["']rasa["']\s*,""")
    sources = [*ROOT.joinpath("scripts").rglob("*.py"), *ROOT.joinpath("tests").rglob("*.py"), ROOT / "Makefile"]
    sources += [*ROOT.joinpath("scripts").glob("*.sh")]
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sources
        if path != ROOT / "tests" / "rasa_extensions" / "test_cli.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if direct.search(line)
    ]
    assert offenders == []


def test_a_server_started_without_the_launcher_warns_once(monkeypatch, caplog):
    from connectors.handoff import runtime

    monkeypatch.setattr(runtime, "_extension_checked", False)
    with caplog.at_level(logging.WARNING, logger=runtime.logger.name):
        runtime._check_extended()
        runtime._check_extended()  # the next channel to start

    assert [record.levelname for record in caplog.records if NOT_EXTENDED_WARNING in record.getMessage()] == ["WARNING"]


def test_an_extended_server_does_not_warn(monkeypatch, caplog, rasa_extended):
    from connectors.handoff import runtime

    monkeypatch.setattr(runtime, "_extension_checked", False)
    with caplog.at_level(logging.WARNING, logger=runtime.logger.name):
        runtime._check_extended()

    assert not [record for record in caplog.records if NOT_EXTENDED_WARNING in record.getMessage()]


@pytest.mark.stack
def test_the_suites_rasa_server_runs_extended(stack: Stack):
    import rasa

    log = (stack.workdir / "rasa.log").read_text(errors="replace")

    assert f"rasa_extensions: Rasa {rasa.__version__} extended" in log
    assert NOT_EXTENDED_WARNING not in log
