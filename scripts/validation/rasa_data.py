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
from typing import Any, Iterator, Optional

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
    """One kind of Rasa warning: what it looks like, where the name it is about is written, what to say.

    ``key`` and ``reason`` are format strings of ``name`` (the pattern's first group) and ``message``
    (Rasa's words on one line).
    """

    pattern: str
    where: str  # "domain", "nlu" or "dialogue" (rules and stories)
    key: str
    reason: str


_NOT_AN_INTENT = "{name!r} is not listed under intents in domain.yml: add it there or correct the name"
# Rasa 3.6's messages (rasa/validator.py, rasa/core/training/story_conflict.py).
KINDS = (
    _Kind(
        r"The action '([^']+)' is used in the stories, but is not a valid utterance action",
        "dialogue",
        "action",
        "{name!r} is not a response in domain.yml: correct the name or add the response",
    ),
    _Kind(
        r"The action '([^']+)' is used in the '.*' block, but it is not listed in the domain file",
        "dialogue",
        "action",
        "{name!r} is not listed under actions in domain.yml: correct the name or add the action",
    ),
    _Kind(r"The form '([^']+)' is used in the '.*' block", "dialogue", "active_loop", "the form {name!r} is not in domain.yml"),
    _Kind(r"There is a message in the training data labeled with intent '([^']+)'", "nlu", "intent", _NOT_AN_INTENT),
    _Kind(
        r"The intent '([^']+)' is used in your stories, but it is not listed in the domain file",
        "dialogue",
        "intent",
        _NOT_AN_INTENT,
    ),
    _Kind(
        r"The intent '([^']+)' is listed in the domain file, but is not found in the NLU training data",
        "domain",
        "intents.{name}",
        "has no examples in data/nlu: add examples or remove the intent",
    ),
    _Kind(
        r"The intent '([^']+)' is not used in any story or rule",
        "domain",
        "intents.{name}",
        "no rule or story answers it: add one (data/rules/) or remove the intent",
    ),
    _Kind(
        _UNUSED_RESPONSE.pattern,
        "domain",
        "responses.{name}",
        "no rule or story uses it and no action or channel sends it: use it or remove it",
    ),
    _Kind(
        r"The example '(.+)' was found labeled with multiple different intents",
        "nlu",
        "examples",
        "{name!r} is an example of more than one intent: keep it under one",
    ),
    _Kind(r"Story structure conflict after .*? predicted in '([^']+)'", "dialogue", "story", "{message}"),
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
    message = " ".join(message.split())
    for kind in KINDS:
        match = re.search(kind.pattern, message)
        if match:
            name = match.group(1)
            path, line = _place(root, kind.where, name)
            return Problem(path, line, kind.key.format(name=name), kind.reason.format(name=name, message=message))
    return Problem(shown(root / DOMAIN, root), None, "rasa", message)


@contextlib.contextmanager
def _captured() -> Iterator[tuple[list[warnings.WarningMessage], list[logging.LogRecord]]]:
    """Rasa's warnings and warning logs (story conflicts) as values; its progress bars kept off the terminal."""
    from rasa.utils.common import EXPECTED_WARNINGS

    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler, logger, level = Collect(logging.WARNING), logging.getLogger("rasa"), logging.getLogger("rasa").level
    logger.addHandler(handler)
    logger.setLevel(min(logger.getEffectiveLevel(), logging.WARNING))  # a quieter caller must not hide conflicts
    try:
        with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stderr(io.StringIO()):
            warnings.simplefilter("always")
            for category, message in EXPECTED_WARNINGS:
                warnings.filterwarnings("ignore", message=message, category=category)
            yield caught, records
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _run_validator(root: Path) -> tuple[bool, dict[str, list], dict[str, Any]]:
    """What ``rasa data validate --fail-on-warnings`` runs; the responses and forms of the domain for the code check."""
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
    return all(results), dict(validator.domain.responses), dict(validator.domain.forms)


def asked_by_forms(forms: dict[str, Any]) -> dict[str, str]:
    """The responses a form sends to ask for its slots (``utter_ask_<form>_<slot>`` or ``utter_ask_<slot>``)."""
    asked = {}
    for form, spec in forms.items():
        for slot in (spec or {}).get("required_slots") or []:
            for name in (f"utter_ask_{form}_{slot}", f"utter_ask_{slot}"):
                asked[name] = f"{DOMAIN}: forms.{form}"
    return asked


def check_rasa_data(root: Path) -> RasaReport:
    """Every Rasa warning or error as a problem, except responses the code is seen to send."""
    from rasa.shared.exceptions import RasaException

    report = RasaReport()
    with _captured() as (caught, records):
        try:
            valid, responses, forms = _run_validator(root)
        except (RasaException, ValueError, OSError, yaml.YAMLError) as error:
            where = Path(getattr(error, "filename", None) or root / DOMAIN)
            mark = getattr(getattr(error, "underlying_yaml_exception", None), "problem_mark", None)
            line = mark.line + 1 if mark is not None else None
            report.problems.append(Problem(shown(where, root), line, "rasa", " ".join(str(error).split())))
            return report
    found = list(senders(code_files()))
    sent = {**asked_by_forms(forms), **sent_by_code(responses, found)}
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
