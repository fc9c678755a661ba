"""The escalation rules file (data/escalation.yml): loading, validation, and the pure decision.

Errors: ``EscalationRulesError`` (a ``ValueError``) names the file, the key
path and the reason: ``data/escalation.yml: intents.refund_request.automation:
must be one of automate, assist, human (got 'auto')``. Training fails on it,
so a broken file never reaches customers.

Nothing here does I/O except :func:`load_rules`; :func:`decide` is a pure
function of the rules and a :class:`Turn`, so the policy stays deterministic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Set, Tuple

from policies.risk_catalogue import PRIORITIES, Catalogue, Risk, parse_catalogue
from policies.rules_file import Reader as _Reader
from policies.rules_file import RulesFileError, read_yaml
from policies.sentiment import polarity

# The reasons escalation.yml itself defines; each risk of the catalogue (data/risks.yml) adds its own.
BASE_REASONS = (
    "customer_request",
    "repeated_failure",
    "frustration",
    "low_confidence_high_risk",
    "vip",
    "policy_boundary",
)
# The teams when no catalogue names them (rules written before the catalogue).
DEFAULT_QUEUES = ("billing", "security", "orders", "technical", "general")
RISKS = ("low", "medium", "high")
AUTOMATION = ("automate", "assist", "human")
HUMAN_REQUEST_INTENT = "request_human"
# After an `assist` intent, these replies are not "the details": the customer is
# reading the answer (more, solved, thanks) or the failure count handles it.
NOT_DETAILS_INTENTS = {"tell_me_more", "problem_solved", "not_helpful", "thanks", "goodbye", "greet"}
# The bot counts as unsure on nlu_fallback (FallbackClassifier, 0.69 in config.yml) or below this
# confidence; a reading of an unsure message must reach it to be taken as what the customer meant
# (chat after a clarification, a complaint whose details follow).
UNSURE_BELOW = 0.45
# ... and then a high-risk reading this likely is enough to bring in a person.
RISKY_READING_AT_LEAST = 0.25
# ... unless a small-talk reading is about as likely (within this): then the
# message is as likely "thanks bye" as a report of a problem.
AS_LIKELY_WITHIN = 0.1
FALLBACK_INTENT = "nlu_fallback"
OFF_TOPIC_INTENT = "out_of_scope"
CLARIFY_ACTION = "action_clarify"
# Readings that say nothing about what the customer needs help with.
SMALL_TALK_INTENTS = {"greet", "goodbye", "thanks", "affirm", "deny", "bot_challenge", "chitchat", "out_of_scope"}
# Readings of a customer who is chatting (thanking, agreeing, praising, joking), not asking for help:
# an unsure message read this way is not a failed attempt.
CHAT_INTENTS = {"greet", "goodbye", "thanks", "affirm", "bot_challenge", "chitchat", "feedback"}
# Intents about the conversation itself rather than a support topic.
CONVERSATION_INTENTS = SMALL_TALK_INTENTS | {
    HUMAN_REQUEST_INTENT,
    "tell_me_more",
    "problem_solved",
    "not_helpful",
    FALLBACK_INTENT,
}


EscalationRulesError = RulesFileError


@dataclass(frozen=True)
class IntentRule:
    risk: str
    min_confidence: float
    automation: str
    reason: Optional[str] = None
    queue: Optional[str] = None


@dataclass(frozen=True)
class Tier:
    frustration_threshold: float
    failed_attempt_limit: int
    priority: str
    handoff_intents: frozenset


@dataclass(frozen=True)
class Frustration:
    threshold: float
    negative_below: float
    negative_weight: float
    caps_min_letters: int
    caps_weight: float
    exclamation_run: int
    exclamation_weight: float
    swear_words: frozenset
    swear_weight: float
    repeated_patterns: Tuple[re.Pattern, ...]
    repeated_weight: float


@dataclass(frozen=True)
class FailureCounts:
    """What the policy counts as failed attempts besides what the actions record.

    The actions record a clarification that fails after a rephrase, "that didn't
    help" and nothing found in the knowledge base. The policy also sees, from
    the conversation, what no single action can: each weight is how many
    failed attempts the event counts as (0 turns it off).
    """

    not_helpful: int = 0  # "that's not it" right after an answer, even when NLU is unsure of it
    came_back: int = 0  # right after an answer: the same intent again, or a `came_back_patterns` phrase
    reopened: int = 0  # ... right after the customer said it was solved: the answer did not hold
    unclear_twice: int = 0  # the reply to a clarifying question is unclear as well
    unintelligible: int = 0  # a message that resembles nothing the bot knows (policies/risk_detector.py)
    off_topic: int = 0  # a request the shop's bot cannot help with (out_of_scope)
    came_back_patterns: Tuple[re.Pattern, ...] = ()


@dataclass(frozen=True)
class ReasonRule:
    priority: str
    queue: str
    explanation: str


@dataclass(frozen=True)
class Rules:
    defaults: IntentRule
    intents: Mapping[str, IntentRule]
    catalogue: Catalogue
    frustration: Frustration
    tiers: Mapping[str, Tier]
    failed_attempt_limit: int
    reasons: Mapping[str, ReasonRule]
    source: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    failures: FailureCounts = FailureCounts()

    def for_intent(self, intent: Optional[str]) -> IntentRule:
        return self.intents.get(intent or "", self.defaults)

    @property
    def queues(self) -> Tuple[str, ...]:
        return tuple(self.catalogue.teams) or DEFAULT_QUEUES


@dataclass(frozen=True)
class Exchange:
    """An earlier customer message and what the bot did about it, before the next one."""

    text: str = ""
    intent: Optional[str] = None
    confidence: float = 0.0
    readings: Sequence[Tuple[str, float]] = ()  # the two likeliest (without nlu_fallback)
    actions: Tuple[str, ...] = ()  # the bot's actions, in order (without action_listen)
    recorded: int = 0  # failed attempts the actions recorded
    reset: bool = False  # the failed attempts were reset (problem solved)
    unintelligible: bool = False  # resembles nothing the bot knows (policies/risk_detector.py)


@dataclass(frozen=True)
class Turn:
    """What the policy knows about the moment it decides."""

    text: str = ""
    intent: Optional[str] = None
    confidence: float = 0.0
    ranking: Sequence[Tuple[str, float]] = ()
    tier: Optional[str] = None
    at_user_message: bool = True
    failed_attempts: int = 0
    failure_recorded_this_turn: bool = False
    previous_intent: Optional[str] = None
    sentiment: float = 0.0  # VADER compound of `text`
    requested_queue: Optional[str] = None  # a button's "talk to billing"
    # The few customer messages before this one, oldest first (bounded: see the policy).
    earlier: Tuple[Exchange, ...] = ()
    recorded_this_turn: int = 0  # failed attempts the actions recorded since this message
    # The catalogue's risks the detector found in this message, in catalogue order:
    # {"risk", "evidence", "matched_by", ...} (policies/risk_detector.py).
    risks: Tuple[Mapping[str, Any], ...] = ()
    unintelligible: bool = False


@dataclass(frozen=True)
class Decision:
    reason: str
    priority: str
    queue: str
    explanation: str
    failed_attempts: Optional[int] = None  # the count behind a repeated_failure, for the slot
    # For a risk of the catalogue: what the agent sees (the handoff_risk slot, the packet's "risk").
    risk: Optional[Mapping[str, Any]] = None


# -- loading and validation ---------------------------------------------------------------------


def _intent_rule(
    r: _Reader, data: Any, key: str, defaults: Optional[IntentRule], reasons: Sequence[str], queues: Sequence[str]
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
    r = _Reader(path)
    data = r.mapping(raw, "(top level)")
    r.only(data, {"version", "risk_catalogue", "defaults", "intents", "frustration", "tiers", "failed_attempts", "reasons"}, "")
    if data.get("version") != 1:
        raise r.fail("version", f"must be 1 (got {data.get('version')!r})")
    if catalogue is None:
        embedded = r.get(data, "risk_catalogue", "")
        if not isinstance(embedded, dict):
            raise r.fail("risk_catalogue", "must name the risk catalogue file (data/risks.yml), read by load_rules")
        catalogue = parse_catalogue(embedded, known_intents, f"{path} (risk_catalogue)")
    queues = tuple(catalogue.teams) or DEFAULT_QUEUES
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


# What the agent reads for a risk: the catalogue's why, then the customer's words that showed it.
RISK_EXPLANATION = "Escalated because of {risk}: {why} The customer wrote: {detail}"


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


# -- signals and the decision -------------------------------------------------------------------


def sentiment(text: str) -> float:
    """VADER compound score (-1 very negative .. 1 very positive)."""
    return float(polarity(text)["compound"]) if text else 0.0


def frustration_signals(rules: Frustration, text: str, compound: float) -> Dict[str, float]:
    """Each frustration signal present in ``text`` with its weight."""
    found: Dict[str, float] = {}
    if compound <= rules.negative_below:
        found["negative sentiment"] = rules.negative_weight
    letters = [c for c in text if c.isalpha()]
    if len(letters) >= rules.caps_min_letters and all(c.isupper() for c in letters):
        found["all caps"] = rules.caps_weight
    if "!" * rules.exclamation_run in text:
        found["repeated exclamation marks"] = rules.exclamation_weight
    words = set(re.findall(r"[a-z']+", text.lower()))
    if words & rules.swear_words:
        found["swearing"] = rules.swear_weight
    if any(p.search(text) for p in rules.repeated_patterns):
        found["repeated contact"] = rules.repeated_weight
    return found


def _decision(
    rules: Rules,
    reason: str,
    turn: Turn,
    detail: str,
    priority: Optional[str] = None,
    queue: Optional[str] = None,
    failed_attempts: Optional[int] = None,
    risk: Optional[Mapping[str, Any]] = None,
) -> Decision:
    base = rules.reasons[reason]
    tier = rules.tiers.get(turn.tier or "")
    chosen = priority or base.priority
    if tier is not None and tier.priority < chosen:  # "P1" < "P2": a tier only ever raises priority
        chosen = tier.priority
    intent_label = (turn.intent or "this topic").replace("_", " ")
    explanation = base.explanation.format(intent=intent_label, detail=detail)
    return Decision(
        reason, chosen, queue or rules.for_intent(turn.intent).queue or base.queue, explanation, failed_attempts, risk
    )


# -- failed attempts the conversation shows ------------------------------------------------------


def _unsure(intent: Optional[str], confidence: float) -> bool:
    return intent == FALLBACK_INTENT or confidence < UNSURE_BELOW


def _answered_topic(earlier: Sequence[Exchange]) -> Optional[Tuple[str, bool]]:
    """The support topic the bot answered just before the next message, and whether it was solved since.

    From the most recent exchange back: "problem solved" (only as the very
    last), any number of "tell me more", then the topic message itself, which
    the bot answered: it neither asked to clarify, nor failed, nor handed off.
    Anything else in between (a clarification, "not helpful", small talk) means
    the next message does not come right after an answer.
    """
    solved = False
    for position, exchange in enumerate(reversed(earlier)):
        if exchange.intent == "problem_solved" and position == 0:
            solved = True
        elif exchange.intent == "tell_me_more" and exchange.recorded == 0:
            continue
        elif (
            exchange.intent not in CONVERSATION_INTENTS
            and exchange.intent
            and exchange.actions
            and exchange.recorded == 0
            and CLARIFY_ACTION not in exchange.actions
            and "action_handoff" not in exchange.actions
        ):
            return exchange.intent, solved
        else:
            return None
    return None


def failure_weight(
    rules: Rules,
    text: str,
    intent: Optional[str],
    confidence: float,
    readings: Sequence[Tuple[str, float]],
    earlier: Sequence[Exchange],
    unintelligible: bool = False,
    failing_already: bool = False,
) -> int:
    """How many failed attempts this customer message shows, given the exchanges before it (oldest first)
    and whether one of them already was a failed attempt.

    - the reply to a clarifying question is unclear as well (``unclear_twice``);
    - right after an answer: "not helpful" (also as NLU's likeliest reading when
      it is unsure), the same intent again, or a phrase saying the problem is
      still there or back (``not_helpful``, ``came_back``);
    - the same, right after the customer said the answer solved it (``reopened``);
    - a message that resembles nothing the bot knows, or a request it cannot help
      with at all (``unintelligible``, ``off_topic``).
    """
    counts = rules.failures
    payload = text.startswith("/")
    words = "" if payload else text
    previous = earlier[-1] if earlier else None
    # Nothing the bot could act on: the customer tried and the bot could not follow.
    # Off-topic counts within a conversation that is already failing: chatter alone ("did you see the
    # match", "what's the weather") never brings in a person, a misread request after a failure does.
    off_topic = counts.off_topic if intent == OFF_TOPIC_INTENT and failing_already else 0
    lost = max(counts.unintelligible if unintelligible and not payload else 0, off_topic)
    if previous is not None and ((previous.intent == OFF_TOPIC_INTENT and counts.off_topic) or previous.unintelligible):
        # The bot just said it could not help, and it cannot read this one either.
        unclear = not payload and _unsure(intent, confidence) and not _chatting(intent, confidence, readings)
        lost = max(lost, counts.unintelligible if unclear else 0)
    return max(lost, _weight_after_answer(counts, words, payload, intent, confidence, readings, earlier, previous))


def _chatting(intent: Optional[str], confidence: float, readings: Sequence[Tuple[str, float]]) -> bool:
    """The likeliest reading, even of an unsure message, is chat ("right ok thanks", "you're funny"):
    the customer is talking, not failing to get help."""
    name, likelihood = readings[0] if intent == FALLBACK_INTENT and readings else (intent, confidence)
    return name in CHAT_INTENTS and likelihood >= UNSURE_BELOW  # a faint guess at chat proves nothing


def _weight_after_answer(
    counts: FailureCounts,
    words: str,
    payload: bool,
    intent: Optional[str],
    confidence: float,
    readings: Sequence[Tuple[str, float]],
    earlier: Sequence[Exchange],
    previous: Optional[Exchange],
) -> int:
    if (
        previous is not None
        and previous.intent == FALLBACK_INTENT
        and CLARIFY_ACTION in previous.actions
        and previous.recorded == 0
        and not payload
        and _unsure(intent, confidence)
        and intent not in {name for name, _ in previous.readings}  # not one of the offered readings
        and not _chatting(intent, confidence, readings)
    ):
        return counts.unclear_twice
    answered = _answered_topic(earlier)
    if answered is None:
        return 0
    topic, solved = answered
    likeliest = readings[0][0] if intent == FALLBACK_INTENT and readings else intent
    rejected = likeliest == "not_helpful"
    came_back = any(p.search(words) for p in counts.came_back_patterns)
    same_again = bool(words) and intent == topic and not solved  # after "solved", the same topic may be a new question
    if solved:
        return counts.reopened if rejected or came_back else 0
    if rejected:
        return counts.not_helpful
    return counts.came_back if came_back or same_again else 0


def _failing(earlier: Sequence[Exchange], weights: Sequence[int]) -> bool:
    """One of these messages was a failed attempt (recorded by an action or shown by the conversation)."""
    return any(e.recorded or w for e, w in zip(earlier, weights, strict=False))


def earlier_weights(rules: Rules, earlier: Sequence[Exchange]) -> List[int]:
    """Each earlier message's failed attempts, oldest first, in one pass (each sees the ones before it)."""
    weights: List[int] = []
    for index, e in enumerate(earlier):
        failing = _failing(earlier, weights)
        weights.append(
            failure_weight(rules, e.text, e.intent, e.confidence, e.readings, earlier[:index], e.unintelligible, failing)
        )
    return weights


def pending_failures(earlier: Sequence[Exchange], weights: Sequence[int]) -> int:
    """Failed attempts of earlier messages that no action recorded, since the count was last reset."""
    pending = 0
    for exchange, weight in zip(earlier, weights, strict=True):
        pending += max(0, weight - exchange.recorded)
        if exchange.reset:
            pending = 0
    return pending


def _latest_weight(rules: Rules, turn: Turn, weights: Sequence[int]) -> int:
    return failure_weight(
        rules,
        turn.text,
        turn.intent,
        turn.confidence,
        list(turn.ranking)[:2],
        turn.earlier,
        turn.unintelligible,
        _failing(turn.earlier, weights),
    )


def _likeliest_readings(turn: Turn) -> Sequence[Tuple[str, float]]:
    """The two readings a clarifying question would offer (NLU unsure), else the intent itself."""
    if turn.intent == FALLBACK_INTENT:
        return list(turn.ranking)[:2]
    return [(turn.intent or "", turn.confidence)]


def _risky_reading(rules: Rules, turn: Turn) -> Optional[Tuple[str, float]]:
    """A high-risk reading of an unsure message that is likely enough to bring in a person."""
    if not _unsure(turn.intent, turn.confidence):
        return None
    previous = turn.earlier[-1] if turn.earlier else None
    answered = _answered_topic(turn.earlier)
    if (previous is not None and previous.intent == "not_helpful") or (answered is not None and not answered[1]):
        # The customer is following up on a topic the bot just answered, or telling it more
        # after "not helpful" (it asked them to): an unsure reading of that is about the same
        # topic, not a new, risky one. (After "solved", a new concern may start: that still counts.)
        return None
    readings = list(turn.ranking)[:2]
    for name, confidence in readings:
        risky = rules.for_intent(name)
        if risky.risk == "high" and RISKY_READING_AT_LEAST <= confidence < risky.min_confidence:
            if any(other in SMALL_TALK_INTENTS and c >= confidence - AS_LIKELY_WITHIN for other, c in readings):
                return None
            return name, confidence
    return None


def _assisted_intent(rules: Rules, turn: Turn) -> Optional[str]:
    """The `assist` intent whose details this message gives, if any.

    The previous message was an `assist` intent (a refund, a complaint), or NLU
    was unsure of it and one of its two likeliest readings was; this one is not
    a reaction to the answer (more, solved, thanks) nor, after an unsure
    message, a button that picked a reading: it gives the details.
    """
    if turn.intent in NOT_DETAILS_INTENTS:
        return None
    if rules.for_intent(turn.previous_intent).automation == "assist":
        return turn.previous_intent
    previous = turn.earlier[-1] if turn.earlier else None
    if previous is None or previous.intent != FALLBACK_INTENT or turn.text.startswith("/"):
        return None
    # Only a likely reading: a complaint as a faint guess at "minus 3 this morning, had to scrape
    # the car" is not a complaint whose details follow.
    for name, confidence in previous.readings:
        if confidence >= UNSURE_BELOW and rules.for_intent(name).automation == "assist":
            return name
    return None


def _risk_found(rules: Rules, turn: Turn) -> Optional[Tuple[Risk, Mapping[str, Any]]]:
    """The first risk of the catalogue the detector found in the message that applies to this customer."""
    for signal in turn.risks:
        risk = rules.catalogue.risk(str(signal.get("risk")))
        if risk is not None and risk.applies_to(turn.tier) and signal.get("evidence"):
            return risk, signal
    return None


def risk_record(risk: Risk, signal: Mapping[str, Any]) -> Dict[str, Any]:
    """What the agent needs to know about the risk (the handoff_risk slot; the packet's "risk")."""
    record: Dict[str, Any] = {
        "name": risk.name,
        "team": risk.team,
        "why": risk.why,
        "evidence": str(signal["evidence"]),
        "matched_by": str(signal.get("matched_by") or "keyword"),
        "gentle": risk.gentle,
    }
    if risk.respond_within_days is not None:
        record["respond_within_days"] = risk.respond_within_days
        record["statutory_note"] = risk.statutory_note
    return record


def decide(rules: Rules, turn: Turn) -> Optional[Decision]:
    """The escalation for this turn, or None when the bot should carry on. First match wins."""
    tier = rules.tiers.get(turn.tier or "")
    limit = tier.failed_attempt_limit if tier else rules.failed_attempt_limit
    if not turn.at_user_message:
        if turn.failure_recorded_this_turn:
            # The actions' count, plus what the conversation showed that no action recorded.
            weights = earlier_weights(rules, turn.earlier)
            unrecorded = max(0, _latest_weight(rules, turn, weights) - turn.recorded_this_turn)
            failures = turn.failed_attempts + pending_failures(turn.earlier, weights) + unrecorded
            if failures >= limit:
                return _decision(rules, "repeated_failure", turn, str(failures), failed_attempts=failures)
        return None

    if turn.intent == HUMAN_REQUEST_INTENT:
        queue = turn.requested_queue if turn.requested_queue in rules.queues else None
        return _decision(rules, "customer_request", turn, "a person", queue=queue)

    words = "" if turn.text.startswith("/") else turn.text  # button payloads carry no customer words
    found = _risk_found(rules, turn)
    if found is not None:
        risk, signal = found
        return _decision(
            rules, risk.reason, turn, f'"{signal["evidence"]}"', risk.priority, risk.team, risk=risk_record(risk, signal)
        )

    rule = rules.for_intent(turn.intent)
    if rule.automation == "human" and turn.confidence >= rule.min_confidence:
        # An intent that is a risk of the catalogue (account takeover is security): the agent sees it as one.
        risk = next((r for r in rules.catalogue.risks if r.name == rule.reason or turn.intent in r.intents), None)
        record = risk_record(risk, {"evidence": words or turn.text, "matched_by": "intent"}) if risk else None
        detail = f'"{record["evidence"]}"' if record else (turn.intent or "").replace("_", " ")
        return _decision(rules, rule.reason, turn, detail, queue=rule.queue, risk=record)

    # Unsure, and one of the likely readings is high-risk: a person, not a guess.
    risky = _risky_reading(rules, turn)
    if risky is not None:
        name, confidence = risky
        unsure = Turn(**{**turn.__dict__, "intent": name})
        return _decision(rules, "low_confidence_high_risk", unsure, f"{confidence:.0%}", queue=rules.for_intent(name).queue)

    signals = frustration_signals(rules.frustration, words, turn.sentiment)
    threshold = tier.frustration_threshold if tier else rules.frustration.threshold
    # Small talk is not a grievance ("tell me a joke", "you're a funny bot"): only a negative one counts.
    small_talk = turn.intent in SMALL_TALK_INTENTS and "negative sentiment" not in signals
    if sum(signals.values()) >= threshold and not small_talk:
        return _decision(rules, "frustration", turn, ", ".join(signals))

    # A tier hands off its intents at once; when NLU is unsure (nlu_fallback), rather
    # than asking the customer which of two readings they meant, if either is one.
    handoff = next((name for name, _ in _likeliest_readings(turn) if tier and name in tier.handoff_intents), None)
    if handoff is not None:
        return _decision(rules, "vip", Turn(**{**turn.__dict__, "intent": handoff}), turn.tier or "")

    assisted = _assisted_intent(rules, turn)
    if assisted is not None:
        assist = rules.for_intent(assisted)
        details = Turn(**{**turn.__dict__, "intent": assisted})
        return _decision(rules, assist.reason, details, "", queue=assist.queue)

    # A failed attempt the conversation shows (the answer was rejected, the problem
    # came back, a clarification got nowhere): at the limit, a person takes over now.
    weights = earlier_weights(rules, turn.earlier)
    weight = _latest_weight(rules, turn, weights)
    if weight:
        failures = turn.failed_attempts + pending_failures(turn.earlier, weights) + weight
        if failures >= limit:
            return _decision(rules, "repeated_failure", turn, str(failures), failed_attempts=failures)
    return None
