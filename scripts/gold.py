"""Run the escalation gold set (tests/escalation/gold.yml) against a running stack.

Each conversation is sent turn by turn through the REST channel (with its
metadata); it stops at the first handoff. The predicted reason is the
``handoff_reason`` the tracker holds after that handoff. Used by the test
suite (tests/escalation/test_gold.py) and by `make eval`.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

import requests
import yaml

from scripts.stack import ROOT

GOLD = ROOT / "tests" / "escalation" / "gold.yml"  # the development set: tune on it
FROZEN = ROOT / "tests" / "escalation" / "frozen.yml"  # written apart, never tuned on: `make eval` scores it
UNSURE_REASON = "low_confidence_high_risk"


@dataclass(frozen=True)
class Outcome:
    id: str
    expected: Optional[str]  # reason, or None for must-not-escalate
    predicted: Optional[str]
    turns_sent: int
    sender: str = ""
    queue: Optional[str] = None  # the team the handoff was routed to

    def reached_team_of(self, reason: str, queue: str) -> bool:
        """Handed to the team ``reason`` goes to: with that reason, or as an unsure reading of it.

        An unsure reading of a high-risk intent is escalated as low_confidence_high_risk to
        that intent's queue: the right team gets the case at once, at P2 instead of P1."""
        return self.predicted == reason or (self.predicted == UNSURE_REASON and self.queue == queue)


@dataclass
class GoldReport:
    outcomes: List[Outcome] = field(default_factory=list)

    @property
    def must_escalate(self) -> List[Outcome]:
        return [o for o in self.outcomes if o.expected]

    @property
    def must_not(self) -> List[Outcome]:
        return [o for o in self.outcomes if not o.expected]

    def recall(self, reason: Optional[str] = None) -> float:
        """Share of must-escalate cases (of ``reason``) that escalated, with that reason when one is given."""
        cases = [o for o in self.must_escalate if reason is None or o.expected == reason]
        hits = [o for o in cases if o.predicted and (reason is None or o.predicted == reason)]
        return len(hits) / len(cases) if cases else 1.0

    def precision(self, reason: str) -> float:
        predicted = [o for o in self.outcomes if o.predicted == reason]
        return sum(o.expected == reason for o in predicted) / len(predicted) if predicted else 1.0

    def false_escalation_rate(self) -> float:
        return sum(bool(o.predicted) for o in self.must_not) / len(self.must_not) if self.must_not else 0.0

    def false_escalations_by_reason(self) -> Dict[str, int]:
        """How many must-not conversations each reason escalated (what to fix first)."""
        return dict(Counter(o.predicted for o in self.must_not if o.predicted).most_common())

    def reasons(self) -> List[str]:
        return sorted({o.expected for o in self.must_escalate} | {o.predicted for o in self.outcomes if o.predicted})

    def table(self) -> List[str]:
        counts = Counter(o.expected for o in self.must_escalate)
        lines = ["| reason | cases | recall | precision |", "|---|---:|---:|---:|"]
        for reason in self.reasons():
            lines.append(f"| {reason} | {counts.get(reason, 0)} | {self.recall(reason):.2f} | {self.precision(reason):.2f} |")
        return lines


def load_gold(path: Path = GOLD) -> List[Dict[str, Any]]:
    return yaml.safe_load(path.read_text())["conversations"]


def run_conversation(rasa_url: str, case: Dict[str, Any], api_token: Optional[str] = None) -> Outcome:
    sender = f"gold-{case['id']}-{uuid.uuid4().hex[:6]}"
    sent = 0
    for text in case["turns"]:
        body: Dict[str, Any] = {"sender": sender, "message": text}
        if case.get("metadata"):
            body["metadata"] = case["metadata"]
        requests.post(f"{rasa_url}/webhooks/rest/webhook", json=body, timeout=60).raise_for_status()
        sent += 1
        events = requests.get(f"{rasa_url}/conversations/{sender}/tracker", params={"token": api_token}, timeout=30).json()[
            "events"
        ]
        if any(e["event"] == "action" and e["name"] == "action_handoff" for e in events):
            reason, queue = (_last_slot(events, name) for name in ("handoff_reason", "queue"))
            return Outcome(case["id"], case.get("reason"), reason, sent, sender, queue)
    return Outcome(case["id"], case.get("reason"), None, sent, sender)


def _last_slot(events: List[Dict[str, Any]], name: str) -> Optional[str]:
    return next((e["value"] for e in reversed(events) if e["event"] == "slot" and e["name"] == name), None)


def run_gold(rasa_url: str, path: Path = GOLD, api_token: Optional[str] = None) -> GoldReport:
    """Every gold conversation through the REST channel; trackers read with Rasa's API (``api_token``)."""
    return GoldReport([run_conversation(rasa_url, case, api_token) for case in load_gold(path)])
