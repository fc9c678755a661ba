"""The escalation decision: a pure function of the rules and a :class:`Turn`, so the policy stays deterministic.

First match wins: an action's request for a person, a person asked for, a risk of
the catalogue, an intent that needs a person, an unsure reading that may be risky,
frustration, then (unless the message answers a form's question) a tier's own
topics, the details of an `assist` intent, and failed attempts at the limit.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple

from core.escalation.failures import answered_topic, earlier_weights, failure_weight, is_failing, is_unsure, pending_failures
from core.escalation.risk_catalogue import Risk
from core.escalation.rules import (
    AS_LIKELY_WITHIN,
    FALLBACK_INTENT,
    HUMAN_REQUEST_INTENT,
    NOT_DETAILS_INTENTS,
    RISKY_READING_AT_LEAST,
    SMALL_TALK_INTENTS,
    UNSURE_BELOW,
    Rules,
)
from core.escalation.signals import frustration_signals
from core.escalation.turn import Decision, Turn


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


def _latest_weight(rules: Rules, turn: Turn, weights: Sequence[int]) -> int:
    return failure_weight(
        rules,
        turn.text,
        turn.intent,
        turn.confidence,
        list(turn.ranking)[:2],
        turn.earlier,
        turn.unintelligible,
        is_failing(turn.earlier, weights),
    )


def _likeliest_readings(turn: Turn) -> Sequence[Tuple[str, float]]:
    """The two readings a clarifying question would offer (NLU unsure), else the intent itself."""
    if turn.intent == FALLBACK_INTENT:
        return list(turn.ranking)[:2]
    return [(turn.intent or "", turn.confidence)]


def _risky_reading(rules: Rules, turn: Turn) -> Optional[Tuple[str, float]]:
    """A high-risk reading of an unsure message that is likely enough to bring in a person."""
    if not is_unsure(turn.intent, turn.confidence):
        return None
    previous = turn.earlier[-1] if turn.earlier else None
    answered = answered_topic(turn.earlier)
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
    # A clear request the bot answers is a new question, not the details of a guess: "ordered the
    # wrong colour" (unsure: a complaint?), then "can I swap it or must I cancel?" (order_cancel).
    if turn.intent not in (None, FALLBACK_INTENT) and rules.for_intent(turn.intent).automation == "automate":
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


def _frustrated(rules: Rules, turn: Turn, words: str) -> Optional[Decision]:
    signals = frustration_signals(rules.frustration, words, turn.sentiment)
    tier = rules.tiers.get(turn.tier or "")
    threshold = tier.frustration_threshold if tier else rules.frustration.threshold
    # Small talk is not a grievance ("tell me a joke", "you're a funny bot"): only a negative one counts.
    small_talk = turn.intent in SMALL_TALK_INTENTS and "negative sentiment" not in signals
    if sum(signals.values()) >= threshold and not small_talk:
        return _decision(rules, "frustration", turn, ", ".join(signals))
    return None


def _requested(rules: Rules, turn: Turn, request: Mapping[str, Any]) -> Optional[Decision]:
    """An action's request for a person, under the reason's own priority and team; unknown reasons are ignored."""
    reason = str(request.get("reason") or "")
    if reason not in rules.reasons:
        return None
    evidence = str(request.get("evidence") or "")
    risk = next((r for r in rules.catalogue.risks if r.reason == reason), None)
    detail = f'"{evidence}"' if evidence else reason.replace("_", " ")
    reply = request.get("reply") if isinstance(request.get("reply"), str) else None
    if risk is None:
        return replace(_decision(rules, reason, turn, detail), reply=reply)
    record = risk_record(risk, {"evidence": evidence, "matched_by": "action"})
    return replace(_decision(rules, reason, turn, detail, risk.priority, risk.team, risk=record), reply=reply)


def decide(rules: Rules, turn: Turn) -> Optional[Decision]:
    """The escalation for this turn, or None when the bot should carry on. First match wins."""
    tier = rules.tiers.get(turn.tier or "")
    limit = rules.failed_attempt_limit_for(turn.tier)
    if turn.requested is not None:
        requested = _requested(rules, turn, turn.requested)
        if requested is not None:
            return requested
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

    if turn.answering_form:
        # "1234567" or an email address, given because the bot asked: its intent means nothing
        # and the bot failed at nothing. A person asked for, a risk or anger still count.
        return _frustrated(rules, turn, words)

    rule = rules.for_intent(turn.intent)
    if rule.automation == "human" and turn.confidence >= rule.min_confidence:
        # An intent that is a risk of the catalogue (account takeover is security): the agent sees it as one.
        as_risk = next((r for r in rules.catalogue.risks if r.name == rule.reason or turn.intent in r.intents), None)
        record = risk_record(as_risk, {"evidence": words or turn.text, "matched_by": "intent"}) if as_risk else None
        detail = f'"{record["evidence"]}"' if record else (turn.intent or "").replace("_", " ")
        return _decision(rules, rule.handoff_reason, turn, detail, queue=rule.queue, risk=record)

    # Unsure, and one of the likely readings is high-risk: a person, not a guess.
    risky = _risky_reading(rules, turn)
    if risky is not None:
        name, confidence = risky
        unsure = Turn(**{**turn.__dict__, "intent": name})
        return _decision(rules, "low_confidence_high_risk", unsure, f"{confidence:.0%}", queue=rules.for_intent(name).queue)

    frustrated = _frustrated(rules, turn, words)
    if frustrated is not None:
        return frustrated

    # A tier hands off its intents at once; when NLU is unsure (nlu_fallback), rather
    # than asking the customer which of two readings they meant, if either is one.
    handoff = next((name for name, _ in _likeliest_readings(turn) if tier and name in tier.handoff_intents), None)
    if handoff is not None:
        return _decision(rules, "vip", Turn(**{**turn.__dict__, "intent": handoff}), turn.tier or "")

    assisted = _assisted_intent(rules, turn)
    if assisted is not None:
        assist = rules.for_intent(assisted)
        details = Turn(**{**turn.__dict__, "intent": assisted})
        return _decision(rules, assist.handoff_reason, details, "", queue=assist.queue)

    # A failed attempt the conversation shows (the answer was rejected, the problem
    # came back, a clarification got nowhere): at the limit, a person takes over now.
    weights = earlier_weights(rules, turn.earlier)
    weight = _latest_weight(rules, turn, weights)
    if weight:
        failures = turn.failed_attempts + pending_failures(turn.earlier, weights) + weight
        if failures >= limit:
            return _decision(rules, "repeated_failure", turn, str(failures), failed_attempts=failures)
    return None


def hands_off_at_next_failure(rules: Rules, turn: Turn) -> bool:
    """Whether one more failed attempt, recorded now by an action, brings in a person (repeated_failure).

    The policy records the answer before every action (the ``handoff_at_next_failure`` slot), so the
    action that records the failure knows to stay silent rather than apologise just before the handoff:
    the tier and its limit are read, and the count checked, here only.
    """
    after = replace(
        turn,
        at_user_message=False,
        failed_attempts=turn.failed_attempts + 1,
        failure_recorded_this_turn=True,
        recorded_this_turn=turn.recorded_this_turn + 1,
    )
    decision = decide(rules, after)
    return decision is not None and decision.reason == "repeated_failure"
