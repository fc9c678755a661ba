"""Tests of the escalation rules and decision (core/escalation/): turns, earlier exchanges and risks to decide on."""

import copy
from dataclasses import replace

from core.escalation.decide import decide
from core.escalation.signals import sentiment
from core.escalation.turn import Exchange, Turn


def decide_on(rules, given):
    """decide() on a turn whose risks are what the detector's keywords find (meaning: tests/policies/test_risk_detector.py)."""
    words = "" if given.text.startswith("/") else given.text
    return decide(rules, replace(given, risks=tuple(rules.catalogue.keyword_matches(words))))


def broken(raw, path, value):
    data = copy.deepcopy(raw)
    target = data
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


def turn(text="", intent="order_status", confidence=0.95, **kwargs):
    ranking = kwargs.pop("ranking", [(intent, confidence)])
    return Turn(text=text, intent=intent, confidence=confidence, ranking=ranking, sentiment=sentiment(text), **kwargs)


ANSWER = ("action_answer_from_kb",)


def said(intent, text="", confidence=0.95, actions=ANSWER, readings=(), recorded=0, reset=False, answered_form=False):
    """An earlier customer message and what the bot did about it."""
    return Exchange(
        text or f"about {intent}",
        intent,
        confidence,
        tuple(readings),
        tuple(actions),
        recorded,
        reset,
        answered_form=answered_form,
    )


def found(risk, evidence, matched_by="meaning"):
    """A risk as policies/risk_detector.py reports it in the parse data."""
    return {"risk": risk, "evidence": evidence, "matched_by": matched_by, "confidence": 0.9}
