"""Loading and validating the escalation rules: data/escalation.yml and the risk catalogue it names.

Errors: ``EscalationRulesError`` (a ``ValueError``) names the file, the key
path and the reason: ``data/escalation.yml: intents.refund_request.automation:
must be one of automate, assist, human (got 'auto')``. Training fails on it,
so a broken file never reaches customers. The file's shape is checked against
``escalation.schema.json`` beside this module (core/yaml_schema.py); what depends on the
domain and the catalogue is checked here.

Only :func:`load_rules` reads files; :func:`parse_rules` is pure.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Sequence, Set

from core.escalation.risk_catalogue import Catalogue, parse_catalogue
from core.escalation.rules import (
    BASE_REASONS,
    EscalationRulesError,
    FailureCounts,
    Frustration,
    IntentRule,
    ReasonRule,
    Rules,
    Tier,
)
from core.yaml_schema import check, one_of, read_yaml, regex

SCHEMA = Path(__file__).with_name("escalation.schema.json")

# What the agent reads for a risk: the catalogue's why, then the customer's words that showed it.
RISK_EXPLANATION = "Escalated because of {risk}: {why} The customer wrote: {detail}"


def _intent_rule(
    data: Mapping[str, Any], key: str, defaults: Optional[IntentRule], reasons: Sequence[str], teams: Sequence[str], path: str
) -> IntentRule:
    value = {**(defaults.__dict__ if defaults else {}), "reason": None, "queue": None, **data}
    rule = IntentRule(
        risk=value["risk"],
        min_confidence=float(value["min_confidence"]),
        automation=value["automation"],
        reason=None if value["reason"] is None else one_of(value["reason"], reasons, path, f"{key}.reason"),
        queue=None if value["queue"] is None else one_of(value["queue"], teams, path, f"{key}.queue"),
    )
    if rule.automation != "automate" and rule.reason is None:
        raise EscalationRulesError(
            path, f"{key}.reason", f"missing key: automation '{rule.automation}' needs the reason code of its handoff"
        )
    return rule


def _frustration(f: Mapping[str, Any], path: str) -> Frustration:
    again = f["repeated_contact"]
    return Frustration(
        threshold=float(f["threshold"]),
        negative_below=float(f["negative_sentiment"]["below"]),
        negative_weight=float(f["negative_sentiment"]["weight"]),
        caps_min_letters=f["all_caps"]["min_letters"],
        caps_weight=float(f["all_caps"]["weight"]),
        exclamation_run=f["exclamations"]["min_run"],
        exclamation_weight=float(f["exclamations"]["weight"]),
        swear_words=frozenset(w.lower() for w in f["swearing"]["words"]),
        swear_weight=float(f["swearing"]["weight"]),
        repeated_patterns=tuple(
            regex(p, path, f"frustration.repeated_contact.patterns[{j}]") for j, p in enumerate(again["patterns"])
        ),
        repeated_weight=float(again["weight"]),
    )


def _failures(attempts: Mapping[str, Any], path: str) -> FailureCounts:
    patterns = tuple(
        regex(p, path, f"failed_attempts.came_back_patterns[{j}]") for j, p in enumerate(attempts.get("came_back_patterns", []))
    )
    # Without `counts` (rules written before them) only the actions count failed attempts.
    return FailureCounts(**attempts.get("counts", {}), came_back_patterns=patterns)


def _unknown(names: Sequence[str], known_intents: Optional[Set[str]]) -> Optional[str]:
    """The first name that is not an intent of the domain (None: all are, or the domain is not at hand)."""
    return next((name for name in names if known_intents is not None and name not in known_intents), None)


def parse_rules(
    raw: Any, known_intents: Optional[Set[str]], path: str = "data/escalation.yml", catalogue: Optional[Catalogue] = None
) -> Rules:
    """The validated rules. The risk catalogue is ``catalogue`` (load_rules reads the file that
    ``risk_catalogue`` names) or, in rules saved with a model, the catalogue embedded under that key.
    ``known_intents`` None skips the intent checks (a saved model's were checked at training)."""
    check(raw, SCHEMA, path)
    if catalogue is None:
        if not isinstance(raw["risk_catalogue"], dict):
            raise EscalationRulesError(
                path, "risk_catalogue", "must name the risk catalogue file (data/risks.yml), read by load_rules"
            )
        catalogue = parse_catalogue(raw["risk_catalogue"], known_intents, f"{path} (risk_catalogue)")
    teams = tuple(catalogue.teams)
    reason_codes = (*BASE_REASONS, *sorted({risk.reason for risk in catalogue.risks} - set(BASE_REASONS)))

    defaults = _intent_rule(raw["defaults"], "defaults", None, reason_codes, teams, path)
    unknown = _unknown(list(raw["intents"]), known_intents)
    if unknown is not None:
        raise EscalationRulesError(path, f"intents.{unknown}", "unknown intent: not in domain.yml")
    intents = {
        name: _intent_rule(rule, f"intents.{name}", defaults, reason_codes, teams, path) for name, rule in raw["intents"].items()
    }
    tiers = {}
    for name, tier in raw["tiers"].items():
        unknown = _unknown(tier["handoff_intents"], known_intents)
        if unknown is not None:
            raise EscalationRulesError(path, f"tiers.{name}.handoff_intents", f"unknown intent {unknown!r}: not in domain.yml")
        tiers[str(name)] = Tier(
            frustration_threshold=float(tier["frustration_threshold"]),
            failed_attempt_limit=tier["failed_attempt_limit"],
            priority=tier["priority"],
            handoff_intents=frozenset(tier["handoff_intents"]),
        )
    reasons: Dict[str, ReasonRule] = {}
    for name in BASE_REASONS:
        item = raw["reasons"][name]
        reasons[name] = ReasonRule(
            item["priority"], one_of(item["queue"], teams, path, f"reasons.{name}.queue"), item["explanation"]
        )
    for risk in catalogue.risks:
        # A risk that borrows a base reason (an unsure reading of a money worry) keeps its explanation.
        explanation = RISK_EXPLANATION.format(risk=risk.name.replace("_", " "), why=risk.why, detail="{detail}")
        reasons.setdefault(risk.reason, ReasonRule(risk.priority, risk.team, explanation))
    source = {**raw, "risk_catalogue": dict(catalogue.source)}
    frustration, failures = _frustration(raw["frustration"], path), _failures(raw["failed_attempts"], path)
    limit = raw["failed_attempts"]["limit"]
    return Rules(defaults, intents, catalogue, frustration, tiers, limit, reasons, source=source, failures=failures)


def load_rules(path: Path, known_intents: Set[str]) -> Rules:
    """escalation.yml and the risk catalogue its ``risk_catalogue`` names (relative to it), validated."""
    shown = str(path)
    raw = read_yaml(path)
    catalogue_name = raw.get("risk_catalogue") if isinstance(raw, dict) else None
    if not isinstance(catalogue_name, str) or not catalogue_name:
        raise EscalationRulesError(shown, "risk_catalogue", "missing key: the file name of the risk catalogue (risks.yml)")
    catalogue_path = path.parent / catalogue_name
    catalogue = parse_catalogue(read_yaml(catalogue_path), known_intents, str(catalogue_path))
    return parse_rules(raw, known_intents, shown, catalogue)
