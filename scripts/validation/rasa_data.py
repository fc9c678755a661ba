"""Domain, NLU data, rules and stories, through Rasa's own validator (``rasa data validate --fail-on-warnings``).

Run in this process rather than through the command line, because Rasa 3.6's exit code misses most
warnings even with ``--fail-on-warnings`` (an unused response or intent only ever warns) and its
warnings name no file. Here every warning fails, except those the validator would not raise if it
knew the code: a response "not used in any story or rule" that a custom action, a channel or one
of Rasa's default actions sends (scripts/validation/code_responses.py). Each warning is placed at
the file and line of the name it is about.

The checks are exactly those of ``rasa data validate`` (rasa/cli/utils.py, ``validate_files``) on
what training reads (scripts/train.py's ``TRAINING_DATA``), with the warnings Rasa itself declares
expected (``EXPECTED_WARNINGS``) left out, as its command line does.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Optional

import yaml

from scripts.train import TRAINING_DATA
from scripts.validation.code_responses import code_files, named_but_missing, senders, sent_by_code
from scripts.validation.problems import Problem, line_of_word, shown

DOMAIN = Path("domain.yml")
CONFIG = Path("config.yml")
_NOISE = (DeprecationWarning, PendingDeprecationWarning, ImportWarning)
_UNUSED_RESPONSE = re.compile(r"The utterance '([^']+)' is not used in any story or rule")


@dataclass
class RasaReport:
    problems: list[Problem] = field(default_factory=list)
    # Responses Rasa calls unused that the code sends: response -> where the code sends it.
    sent_by_code: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Kind:
    """One kind of Rasa warning: what it looks like, where its name is written, and what to say."""

    pattern: re.Pattern
    where: str  # "domain", "nlu" or "dialogue" (rules and stories)
    key: Callable[[str], str]
    reason: Callable[[str], str]


def _kind(pattern: str, where: str, key: Callable[[str], str], reason: Callable[[str], str]) -> _Kind:
    return _Kind(re.compile(pattern, re.DOTALL), where, key, reason)


# Rasa 3.6's messages (rasa/validator.py); the first group is the name the warning is about.
KINDS = (
    _kind(
        r"The action '([^']+)' is used in the stories, but is not a valid utterance action",
        "dialogue",
        lambda name: "action",
        lambda name: f"{name!r} is not a response in domain.yml: correct the name or add the response",
    ),
    _kind(
        r"The action '([^']+)' is used in the '.*' block, but it is not listed in the domain file",
        "dialogue",
        lambda name: "action",
        lambda name: f"{name!r} is not listed under actions in domain.yml: correct the name or add the action",
    ),
    _kind(
        r"The form '([^']+)' is used in the '.*' block",
        "dialogue",
        lambda name: "active_loop",
        lambda name: f"the form {name!r} is not in domain.yml",
    ),
    _kind(
        r"There is a message in the training data labeled with intent '([^']+)'",
        "nlu",
        lambda name: "intent",
        lambda name: f"{name!r} is not listed under intents in domain.yml: add it there or correct the name",
    ),
    _kind(
        r"The intent '([^']+)' is used in your stories, but it is not listed in the domain file",
        "dialogue",
        lambda name: "intent",
        lambda name: f"{name!r} is not listed under intents in domain.yml: add it there or correct the name",
    ),
    _kind(
        r"The intent '([^']+)' is listed in the domain file, but is not found in the NLU training data",
        "domain",
        lambda name: f"intents.{name}",
        lambda name: "has no examples in data/nlu: add examples or remove the intent",
    ),
    _kind(
        r"The intent '([^']+)' is not used in any story or rule",
        "domain",
        lambda name: f"intents.{name}",
        lambda name: "no rule or story answers it: add one (data/rules/) or remove the intent",
    ),
    _kind(
        _UNUSED_RESPONSE.pattern,
        "domain",
        lambda name: f"responses.{name}",
        lambda name: "no rule or story uses it and no action or channel sends it: use it or remove it",
    ),
    _kind(
        r"The example '(.+)' was found labeled with multiple different intents.*labeled with: ([^.]+)\.",
        "nlu",
        lambda text: "text",
        lambda text: f"the example {text!r} is labelled with more than one intent: keep it under one",
    ),
)


def _files(root: Path, where: str) -> list[Path]:
    if where == "domain":
        return [root / DOMAIN]
    folders = ["data/nlu"] if where == "nlu" else [entry for entry in TRAINING_DATA if entry != "data/nlu"]
    return [path for folder in folders for path in sorted((root / folder).rglob("*.yml"))]


def _place(root: Path, where: str, name: str) -> tuple[str, Optional[int]]:
    """The first file and line that write ``name``: Rasa says what is wrong, not where."""
    files = _files(root, where)
    for path in files:
        line = line_of_word(path, name)
        if line is not None:
            return shown(path, root), line
    return shown(files[0] if files else root / DOMAIN, root), None


def problem_of(root: Path, message: str) -> Problem:
    """A Rasa warning as ``file:line: key: reason``; one this module does not know keeps Rasa's words."""
    for kind in KINDS:
        match = kind.pattern.search(message)
        if match:
            name = match.group(1)
            path, line = _place(root, kind.where, name)
            return Problem(path, line, kind.key(name), kind.reason(name))
    return Problem(shown(root / DOMAIN, root), None, "rasa", " ".join(message.split()))


@contextlib.contextmanager
def _captured() -> Iterator[tuple[list[warnings.WarningMessage], list[logging.LogRecord], io.StringIO]]:
    """Rasa's warnings and warning logs (story conflicts) as values; its progress bars kept off the terminal."""
    from rasa.utils.common import EXPECTED_WARNINGS

    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler, logger, stderr = Collect(logging.WARNING), logging.getLogger("rasa"), io.StringIO()
    logger.addHandler(handler)
    try:
        with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stderr(stderr):
            warnings.simplefilter("always")
            for category, message in EXPECTED_WARNINGS:
                warnings.filterwarnings("ignore", message=message, category=category)
            yield caught, records, stderr
    finally:
        logger.removeHandler(handler)


def _run_validator(root: Path) -> tuple[bool, dict[str, list]]:
    """What ``rasa data validate --fail-on-warnings`` runs; the responses of the domain for the code check."""
    from rasa.shared.importers.importer import TrainingDataImporter
    from rasa.validator import Validator

    importer = TrainingDataImporter.load_from_config(
        config_path=str(root / CONFIG),
        domain_path=str(root / DOMAIN),
        training_data_paths=[str(root / entry) for entry in TRAINING_DATA],
    )
    if importer.get_domain().is_empty():
        raise ValueError("the domain is empty or could not be read")
    validator = Validator.from_importer(importer)
    results = [
        validator.verify_domain_validity(),
        validator.verify_actions_in_stories_rules(),
        validator.verify_forms_in_stories_rules(),
        validator.verify_form_slots(),
        validator.verify_slot_mappings(),
        validator.verify_nlu(ignore_warnings=False),
        validator.verify_story_structure(ignore_warnings=False),
    ]
    validator.warn_if_config_mandatory_keys_are_not_set()
    return all(results), dict(validator.domain.responses)


def check_rasa_data(root: Path) -> RasaReport:
    """Every Rasa warning or error as a problem, except responses the code is seen to send."""
    from rasa.shared.exceptions import RasaException

    report = RasaReport()
    with _captured() as (caught, records, _):
        try:
            valid, responses = _run_validator(root)
        except (RasaException, ValueError, OSError, yaml.YAMLError) as error:
            report.problems.append(Problem(shown(root / DOMAIN, root), None, "rasa", " ".join(str(error).split())))
            return report
    found = list(senders(code_files()))
    sent = sent_by_code(responses, found)
    messages = [str(w.message) for w in caught if not issubclass(w.category, _NOISE)]
    messages += [record.getMessage() for record in records]
    for message in dict.fromkeys(messages):
        unused = _UNUSED_RESPONSE.search(message)
        if unused and unused.group(1) in sent:
            report.sent_by_code[unused.group(1)] = sent[unused.group(1)]
        else:
            report.problems.append(problem_of(root, message))
    for name, where in named_but_missing(responses, found).items():
        report.problems.append(Problem(shown(root / DOMAIN, root), None, f"responses.{name}", f"missing, but {where} sends it"))
    if not valid and not report.problems:
        report.problems.append(
            Problem(shown(root / DOMAIN, root), None, "rasa", "Rasa's validation failed; run `rasa data validate`")
        )
    return report
