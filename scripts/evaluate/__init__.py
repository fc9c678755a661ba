"""`make eval`: how well Tandem understands customers and follows conversations.

Each section runs one evaluation (most of them Rasa's), reads its report and
returns a Section (common.py): Markdown lines plus target checks. Targets print
PASS or FAIL but never fail the run; only an evaluation that could not run
exits non-zero. Everything is printed and written to results/eval.md.

To add a section, write a function ``() -> Section`` in a module of this
package and append it to SECTIONS.
"""

from __future__ import annotations

from typing import Callable, List

from core import clock
from scripts.evaluate.common import RESULTS, ROOT, EvaluationError, Section, log
from scripts.evaluate.dialogue import dialogue_section
from scripts.evaluate.escalation import escalation_section
from scripts.evaluate.nlu import dev_test_section, nlu_section
from scripts.evaluate.nlu_data import nlu_data_section
from scripts.evaluate.redaction import redaction_section
from scripts.evaluate.retrieval import retrieval_section

OUTPUT = RESULTS / "eval.md"


SECTIONS: List[Callable[[], Section]] = [
    nlu_section,
    nlu_data_section,
    dev_test_section,
    dialogue_section,
    retrieval_section,
    escalation_section,
    redaction_section,
]


def main() -> int:
    from rasa_extensions import patches

    try:  # the `rasa` commands run extended (rasa_extensions/cli.py); what runs in this process too
        patches.apply()
    except patches.UntestedRasaError as error:
        log(str(error))
        return 2
    sections: List[Section] = []
    failed = False
    for run in SECTIONS:
        try:
            sections.append(run())
        except EvaluationError as error:
            log(str(error))
            failed = True
            name = run.__name__.removesuffix("_section")
            sections.append(Section(f"{name}: not evaluated", [f"Error: {error}"]))
    body = "\n\n".join(section.markdown() for section in sections)
    print(body)
    RESULTS.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(f"# Evaluation\n\n{clock.now():%Y-%m-%d %H:%M}\n\n{body}\n")
    log(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 1 if failed else 0
