"""Loading and validating the escalation rules: data/escalation.yml and the risk catalogue it names.

Errors: ``EscalationRulesError`` (a ``ValueError``) names the file, the key
path and the reason: ``data/escalation.yml: intents.refund_request.automation:
must be one of automate, assist, human (got 'auto')``. Training fails on it,
so a broken file never reaches customers.

Only :func:`load_rules` reads files; :func:`parse_rules` is pure.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional, Sequence, Set

from core.escalation.risk_catalogue import PRIORITIES, Catalogue, parse_catalogue
from core.escalation.rules import (
    AUTOMATION,
    BASE_REASONS,
    RISKS,
    EscalationRulesError,
    FailureCounts,
    Frustration,
    IntentRule,
    ReasonRule,
    Rules,
    Tier,
)
from core.escalation.rules_file import Reader, read_yaml

# What the agent reads for a risk: the catalogue's why, then the customer's words that showed it.
RISK_EXPLANATION = "Escalated because of {risk}: {why} The customer wrote: {detail}"


def _intent_rule(
    r: Reader, data: Any, key: str, defaults: Optional[IntentRule], reasons: Sequence[str], queues: Sequence[str]
) -> IntentRule:
    data = r.mapping(data, key)
    r.only(data, {"risk", "min_confidence", "automation", "reason", "queue"}, key)

    def value(name: str) -> Any:
        if name in data or defaults is None:
            return r.get(data, name, key)
        return getattr(defaults, name)

    rule = IntentRule(
        risk=r.choice(value("risk"), f"{key}.risk", RISKS),
        min_confidence=r.number(value("min_confidence"), f"{key}.min_confidence", 0.0, 1.0),
        automation=r.choice(value("automation"), f"{key}.automation", AUTOMATION),
        reason=r.choice(data["reason"], f"{key}.reason", reasons) if "reason" in data else None,
        queue=r.choice(data["queue"], f"{key}.queue", queues) if "queue" in data else None,
    )
    if rule.automation != "automate" and rule.reason is None:
        raise r.fail(f"{key}.reason", f"missing key: automation '{rule.automation}' needs the reason code of its handoff")
    return rule


def parse_rules(
    raw: Any, known_intents: Optional[Set[str]], path: str = "data/escalation.yml", catalogue: Optional[Catalogue] = None
) -> Rules:
    """The validated rules. The risk catalogue is ``catalogue`` (load_rules reads the file that
    ``risk_catalogue`` names) or, in rules saved with a model, the catalogue embedded under that key.
    ``known_intents`` None skips the intent checks (a saved model's were checked at training)."""
    r = Reader(path)
    data = r.mapping(raw, "(top level)")
    r.only(data, {"version", "risk_catalogue", "defaults", "intents", "frustration", "tiers", "failed_attempts", "reasons"}, "")
    if data.get("version") != 1:
        raise r.fail("version", f"must be 1 (got {data.get('version')!r})")
    if catalogue is None:
        embedded = r.get(data, "risk_catalogue", "")
        if not isinstance(embedded, dict):
            raise r.fail("risk_catalogue", "must name the risk catalogue file (data/risks.yml), read by load_rules")
        catalogue = parse_catalogue(embedded, known_intents, f"{path} (risk_catalogue)")
    queues = tuple(catalogue.teams)
    reason_codes = (*BASE_REASONS, *sorted({risk.reason for risk in catalogue.risks} - set(BASE_REASONS)))

    defaults = _intent_rule(r, r.get(data, "defaults", ""), "defaults", None, reason_codes, queues)
    intents = {}
    for name, rule in r.mapping(r.get(data, "intents", ""), "intents").items():
        if known_intents is not None and name not in known_intents:
            raise r.fail(f"intents.{name}", "unknown intent: not in domain.yml")
        intents[name] = _intent_rule(r, rule, f"intents.{name}", defaults, reason_codes, queues)

    f = r.mapping(r.get(data, "frustration", ""), "frustration")
    r.only(f, {"threshold", "negative_sentiment", "all_caps", "exclamations", "swearing", "repeated_contact"}, "frustration")
    neg = r.mapping(r.get(f, "negative_sentiment", "frustration"), "frustration.negative_sentiment")
    caps = r.mapping(r.get(f, "all_caps", "frustration"), "frustration.all_caps")
    excl = r.mapping(r.get(f, "exclamations", "frustration"), "frustration.exclamations")
    swear = r.mapping(r.get(f, "swearing", "frustration"), "frustration.swearing")
    again = r.mapping(r.get(f, "repeated_contact", "frustration"), "frustration.repeated_contact")
    frustration = Frustration(
        threshold=r.number(r.get(f, "threshold", "frustration"), "frustration.threshold", 0.1, 5.0),
        negative_below=r.number(
            r.get(neg, "below", "frustration.negative_sentiment"), "frustration.negative_sentiment.below", -1.0, 0.0
        ),
        negative_weight=r.number(
            r.get(neg, "weight", "frustration.negative_sentiment"), "frustration.negative_sentiment.weight", 0.0, 5.0
        ),
        caps_min_letters=r.integer(
            r.get(caps, "min_letters", "frustration.all_caps"), "frustration.all_caps.min_letters", 1, 500
        ),
        caps_weight=r.number(r.get(caps, "weight", "frustration.all_caps"), "frustration.all_caps.weight", 0.0, 5.0),
        exclamation_run=r.integer(r.get(excl, "min_run", "frustration.exclamations"), "frustration.exclamations.min_run", 2, 20),
        exclamation_weight=r.number(
            r.get(excl, "weight", "frustration.exclamations"), "frustration.exclamations.weight", 0.0, 5.0
        ),
        swear_words=frozenset(str(w).lower() for w in r.get(swear, "words", "frustration.swearing")),
        swear_weight=r.number(r.get(swear, "weight", "frustration.swearing"), "frustration.swearing.weight", 0.0, 5.0),
        repeated_patterns=tuple(
            r.pattern(p, f"frustration.repeated_contact.patterns[{j}]")
            for j, p in enumerate(r.get(again, "patterns", "frustration.repeated_contact"))
        ),
        repeated_weight=r.number(
            r.get(again, "weight", "frustration.repeated_contact"), "frustration.repeated_contact.weight", 0.0, 5.0
        ),
    )

    tiers = {}
    for name, tier in r.mapping(r.get(data, "tiers", ""), "tiers").items():
        key = f"tiers.{name}"
        tier = r.mapping(tier, key)
        r.only(tier, {"frustration_threshold", "failed_attempt_limit", "priority", "handoff_intents"}, key)
        handoff_intents = r.get(tier, "handoff_intents", key)
        for intent in handoff_intents:
            if known_intents is not None and intent not in known_intents:
                raise r.fail(f"{key}.handoff_intents", f"unknown intent {intent!r}: not in domain.yml")
        tiers[str(name)] = Tier(
            frustration_threshold=r.number(r.get(tier, "frustration_threshold", key), f"{key}.frustration_threshold", 0.1, 5.0),
            failed_attempt_limit=r.integer(r.get(tier, "failed_attempt_limit", key), f"{key}.failed_attempt_limit", 1, 10),
            priority=r.choice(r.get(tier, "priority", key), f"{key}.priority", PRIORITIES),
            handoff_intents=frozenset(handoff_intents),
        )

    attempts = r.mapping(r.get(data, "failed_attempts", ""), "failed_attempts")
    r.only(attempts, {"limit", "counts", "came_back_patterns"}, "failed_attempts")
    limit = r.integer(r.get(attempts, "limit", "failed_attempts"), "failed_attempts.limit", 1, 10)
    raw_patterns = attempts.get("came_back_patterns", [])
    if not isinstance(raw_patterns, list):
        raise r.fail("failed_attempts.came_back_patterns", "must be a list of regular expressions")
    came_back_patterns = tuple(r.pattern(p, f"failed_attempts.came_back_patterns[{j}]") for j, p in enumerate(raw_patterns))
    # Without `counts` (rules written before them) only the actions count failed attempts.
    counts = r.mapping(attempts.get("counts", {}), "failed_attempts.counts")
    names = ("not_helpful", "came_back", "reopened", "unclear_twice")
    optional = ("unintelligible", "off_topic")  # added later: 0 when absent
    r.only(counts, {*names, *optional}, "failed_attempts.counts")
    weights = {
        name: r.integer(r.get(counts, name, "failed_attempts.counts"), f"failed_attempts.counts.{name}", 0, 10)
        for name in ((*names, *(n for n in optional if n in counts)) if counts else ())
    }
    failures = FailureCounts(**weights, came_back_patterns=came_back_patterns)

    reasons = {}
    raw_reasons = r.mapping(r.get(data, "reasons", ""), "reasons")
    for name in BASE_REASONS:
        key = f"reasons.{name}"
        item = r.mapping(r.get(raw_reasons, name, "reasons"), key)
        reasons[name] = ReasonRule(
            priority=r.choice(r.get(item, "priority", key), f"{key}.priority", PRIORITIES),
            queue=r.choice(r.get(item, "queue", key), f"{key}.queue", queues),
            explanation=str(r.get(item, "explanation", key)),
        )
    r.only(raw_reasons, set(BASE_REASONS), "reasons")
    for risk in catalogue.risks:
        # A risk that borrows a base reason (an unsure reading of a money worry) keeps its explanation.
        explanation = RISK_EXPLANATION.format(risk=risk.name.replace("_", " "), why=risk.why, detail="{detail}")
        reasons.setdefault(risk.reason, ReasonRule(risk.priority, risk.team, explanation))
    for name, rule in intents.items():
        if rule.reason is not None and rule.reason not in reasons:
            raise r.fail(f"intents.{name}.reason", f"unknown reason {rule.reason!r}: not in reasons nor the risk catalogue")
    source = {**data, "risk_catalogue": dict(catalogue.source)}
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
