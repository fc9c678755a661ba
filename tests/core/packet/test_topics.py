"""data/topics.yml: the summary's sentences per topic and reason, validated at load, read once, used as written."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Dict, Set

import pytest
import yaml

from core.domain_file import known_intents
from core.escalation.loading import load_rules
from core.packet import summary
from core.packet.summary import summarize
from core.packet.topics import PLACEHOLDERS, Topics, TopicsError, load_topics, parse_topics, topics
from scripts.stack import ROOT

TOPICS_FILE = ROOT / "data" / "topics.yml"


@pytest.fixture
def raw() -> Dict[str, Any]:
    """The project's file as parsed YAML, fresh for each test to change."""
    return yaml.safe_load(TOPICS_FILE.read_text())


@pytest.fixture(scope="module")
def reason_codes() -> Set[str]:
    return set(load_rules(ROOT / "data" / "escalation.yml", known_intents(ROOT / "domain.yml")).reasons)


def packet(intent: str, reason: str = "customer_request", **slots: str) -> Dict[str, Any]:
    return {
        "slots": slots,
        "entities": [],
        "transcript": [{"from": "customer", "text": "hello"}],
        "articles_shown": [],
        "sentiment": {"trend": "steady"},
        "reason": {"code": reason},
        "steps_tried": [],
        "intents": [{"name": intent, "confidence": 0.95}],
    }


def test_the_projects_file_loads_against_the_domain_and_covers_every_intent() -> None:
    intents = known_intents(ROOT / "domain.yml")
    loaded = load_topics(TOPICS_FILE, intents)
    assert loaded.uncovered(intents) == []
    assert "order_status" in loaded.topics and "greet" in loaded.without_topic


def test_the_process_reads_the_file_once(monkeypatch: pytest.MonkeyPatch) -> None:
    topics.cache_clear()
    try:
        first = topics()
        monkeypatch.setattr("core.packet.topics.load_topics", lambda *a: pytest.fail("read twice"))
        assert topics() is first
    finally:
        topics.cache_clear()


def test_tandem_topics_names_another_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, raw: Dict[str, Any]) -> None:
    raw["topics"]["order_status"]["goal"] = "Track {order} down"
    other = tmp_path / "topics.yml"
    other.write_text(yaml.safe_dump(raw))
    monkeypatch.setenv("TANDEM_TOPICS", str(other))
    topics.cache_clear()
    try:
        assert summarize(packet("order_status"))["goal"] == "Track their order down."
    finally:
        topics.cache_clear()


def test_the_placeholders_checked_are_the_ones_filled() -> None:
    filled = summary._fill("".join(f"{{{name}}}" for name in PLACEHOLDERS), {})
    assert isinstance(filled, str)  # no KeyError: every known placeholder is filled


def test_a_topic_is_used_as_written(raw: Dict[str, Any]) -> None:
    raw["topics"]["order_status"] = {
        "goal": "Find {order}",
        "question": "Where is {order}?",
        "next_step": "Look up {order}.",
        "needs_order_number": True,
    }
    raw["reasons"]["customer_request"] = {"handed_over": "they asked", "first_move": "Say hello first."}
    mine = parse_topics(raw)

    without = summarize(packet("order_status"), topics=mine)
    assert without["goal"] == "Find their order."
    assert without["open_question"] == "Where is their order? No order number given yet."
    assert without["suggested_next_step"] == "Say hello first. Look up their order."
    assert without["what_happened"].endswith("Handed over because they asked.")
    given = summarize(packet("order_status", order_number="AC-1"), topics=mine)
    assert given["open_question"] == "Where is order AC-1?"


def test_an_intent_without_a_topic_is_not_clear_and_validation_names_it(raw: Dict[str, Any]) -> None:
    del raw["topics"]["payment_methods"]
    mine = parse_topics(raw)

    assert summarize(packet("payment_methods"), topics=mine)["goal"].startswith("Not clear: the bot could not tell")
    assert mine.uncovered(known_intents(ROOT / "domain.yml")) == ["payment_methods"]


Breakage = Callable[[Dict[str, Any]], None]


def order_status(**fields: Any) -> Breakage:
    """Set ``fields`` of the order_status topic."""
    return lambda raw: raw["topics"]["order_status"].update(fields)


def topic(intent: str) -> Breakage:
    """The order_status topic under ``intent`` as well."""
    return lambda raw: raw["topics"].update({intent: raw["topics"]["order_status"]})


def without_topic(intent: str) -> Breakage:
    return lambda raw: raw["without_topic"].append(intent)


# (test id, what breaks the file, how the error starts after "<file>: ")
BROKEN = [
    (
        "unknown-placeholder",
        order_status(goal="Find {ordr}"),
        "topics.order_status.goal: unknown placeholder {ordr} (known: {order}, {about_order}",
    ),
    (
        "formatted-placeholder",
        order_status(goal="Find {order:>9}"),
        "topics.order_status.goal: placeholder {order} must be written plain",
    ),
    (
        "unclosed-brace",
        order_status(goal="Find {order"),
        "topics.order_status.goal: has a brace that opens or closes no placeholder",
    ),
    ("missing-field", lambda raw: raw["topics"]["order_status"].pop("question"), "topics.order_status.question: missing key"),
    ("empty-field", order_status(goal=""), "topics.order_status.goal: must be non-empty text"),
    ("unknown-field", order_status(next_stp="x"), "topics.order_status.next_stp: unknown key"),
    ("not-a-boolean", order_status(needs_order_number="yes"), "topics.order_status.needs_order_number: must be true or false"),
    ("unknown-intent", topic("order_tracking"), "topics.order_tracking: unknown intent: not in domain.yml"),
    (
        "unknown-intent-without-topic",
        without_topic("gretings"),
        "without_topic.gretings: unknown intent: not in domain.yml",
    ),
    ("both", without_topic("order_status"), "without_topic.order_status: has a topic under topics as well"),
    ("request-human", topic("request_human"), "topics.request_human: asking for a person has a built-in summary"),
    (
        "unknown-reason",
        lambda raw: raw["reasons"].update(legl={"handed_over": "law"}),
        "reasons.legl: unknown reason code (known: ",
    ),
    (
        "reason-placeholder",
        lambda raw: raw["reasons"]["legal"].update(first_move="Mind {order}"),
        "reasons.legal.first_move: a reason's words have no placeholders",
    ),
    ("version", lambda raw: raw.update(version=2), "version: must be 1 (got 2)"),
]


@pytest.mark.parametrize("breakage, message", [pytest.param(breakage, message, id=name) for name, breakage, message in BROKEN])
def test_a_broken_file_fails_naming_file_key_and_reason(
    tmp_path: Path, raw: Dict[str, Any], reason_codes: Set[str], breakage: Breakage, message: str
) -> None:
    breakage(raw)
    path = tmp_path / "topics.yml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(TopicsError) as error:
        load_topics(path, known_intents(ROOT / "domain.yml"), reason_codes)

    assert str(error.value).startswith(f"{path}: {message}")


def test_an_unreadable_file_is_a_topics_error(tmp_path: Path) -> None:
    path = tmp_path / "topics.yml"
    path.write_text("topics: [unclosed")
    with pytest.raises(TopicsError, match=r"\(syntax\): is not valid YAML"):
        load_topics(path)
    with pytest.raises(TopicsError, match=r"\(file\): cannot be read"):
        load_topics(tmp_path / "missing.yml")


def test_no_topics_no_reasons_still_summarises() -> None:
    empty = Topics("none")
    result = summarize(packet("order_status", reason="product_safety"), topics=empty)
    assert result["goal"].startswith("Not clear") and result["what_happened"].endswith("Handed over because product safety.")
