"""Escalation: the development and the frozen conversation sets through a running stack."""

from __future__ import annotations

import secrets
from pathlib import Path

from scripts.evaluate.common import ROOT, Section, log
from scripts.stack import trained_model

TARGET_RECALL = 0.95
TARGET_FALSE_ESCALATIONS = 0.05
# Risks a person must see every time (issue: escalation coverage); customer_request as well.
MUST_NEVER_MISS = ("product_safety", "security_risk", "legal", "data_protection", "customer_request")


def escalation_section() -> Section:
    import tempfile

    from scripts.gold import FROZEN, GOLD, run_gold
    from scripts.stack import Ports, start_stack

    log("escalation: running the development and the frozen set through the REST channel (starts a stack) ...")
    with tempfile.TemporaryDirectory(prefix="tandem-eval-") as directory:
        workdir = Path(directory)
        kb_url = f"sqlite:///{workdir / 'kb.db'}"
        token = secrets.token_urlsafe(24)  # this run's own: the API is on for reading trackers only
        with start_stack(
            trained_model(),
            Ports(16005, 16055, 16080),
            workdir,
            workdir / "tracker.db",
            web=False,
            kb_url=kb_url,
            api_token=token,
            # Every gold conversation asks from 127.0.0.1, at any hour: the test settings' limits and hours.
            env={"TANDEM_HANDOFF_SETTINGS": str(ROOT / "tests" / "connectors" / "handoff" / "always_open.yml")},
        ) as stack:
            development = run_gold(stack.rasa_url, GOLD, api_token=token)
            frozen = run_gold(stack.rasa_url, FROZEN, api_token=token)
    section = Section(
        f"Escalation: development set ({len(development.must_escalate)} must-escalate, {len(development.must_not)}"
        f" must-not) and frozen set ({len(frozen.must_escalate)} / {len(frozen.must_not)}, written apart, never tuned on)"
    )
    for name, report in (
        ("Development set (tests/escalation/gold.yml)", development),
        ("Frozen set (tests/escalation/frozen.yml)", frozen),
    ):
        section.lines += [
            f"{name}:",
            "",
            f"- overall recall (escalated at all): {report.recall():.3f}",
            f"- must-not-escalate conversations escalated: {report.false_escalation_rate():.1%}"
            + (f" (by reason: {report.false_escalations_by_reason()})" if report.false_escalations_by_reason() else ""),
            "",
            *report.table(),
            "",
        ]
    # Only the development set's misses are listed: reading the frozen set's would be tuning to it.
    section.lines += [
        "Development set misses and wrong reasons:",
        "",
        *[
            f"- {o.id}: expected {o.expected or 'no escalation'}, got {o.predicted or 'no escalation'}"
            for o in development.outcomes
            if o.expected != o.predicted
        ],
    ]
    for name, report in (("frozen", frozen), ("development", development)):
        section.checks += [
            (f"{name}: overall recall {report.recall():.3f} >= {TARGET_RECALL}", report.recall() >= TARGET_RECALL),
            (
                f"{name}: false escalations {report.false_escalation_rate():.1%} <= {TARGET_FALSE_ESCALATIONS:.0%}",
                report.false_escalation_rate() <= TARGET_FALSE_ESCALATIONS,
            ),
            *[
                (f"{name}: {r} recall {report.recall(r):.2f} == 1.00", report.recall(r) == 1.0)
                for r in MUST_NEVER_MISS
                if any(o.expected == r for o in report.must_escalate)
            ],
        ]
    return section
