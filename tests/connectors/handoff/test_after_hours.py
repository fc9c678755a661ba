"""Outside business hours the handoff becomes a ticket: the customer hears when a person
will reply, can leave an email for a follow-up, and nothing they write is lost."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from core import clock
from scripts.stack import Ports, Stack
from tests.conftest import Conversation, Desk, start_test_stack

pytestmark = pytest.mark.stack

PORTS = Ports(rasa=15705, actions=15755, web=18780)
# Open an hour each weekday morning; the stack's clock is pinned to a Monday afternoon.
ONE_HOUR_A_DAY = """
timezone: UTC
business_hours:
  monday: "08:00-09:00"
  tuesday: "08:00-09:00"
  wednesday: "08:00-09:00"
  thursday: "08:00-09:00"
  friday: "08:00-09:00"
"""
# (It reads that instant when the suite's clock starts and runs on from there: minutes, not hours.)
MONDAY_AFTERNOON = "2026-12-07T14:00:00Z"


@pytest.fixture(scope="module")
def closed_stack(model_path: Path, tmp_path_factory) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("after-hours")
    hours = workdir / "hours.yml"
    hours.write_text(ONE_HOUR_A_DAY)
    env = {"TANDEM_HANDOFF_SETTINGS": str(hours), clock.CLOCK_ENV: MONDAY_AFTERNOON}
    with start_test_stack(model_path, PORTS, workdir, env=env) as running:
        yield running


def test_after_hours_handoff_is_a_ticket_with_an_email_follow_up(closed_stack: Stack) -> None:
    desk = Desk(closed_stack)
    desk.queue()  # even with an agent's page open, closed is closed
    customer = Conversation(closed_stack)
    customer.say("I need to talk to a human about a refund")

    responses = customer.responses()
    assert "utter_handoff_closed_tomorrow" in responses and "utter_offer_email_followup" in responses
    closed_line = next(
        e["text"] for e in customer.tracker()["events"] if e["event"] == "bot" and "tomorrow from 08:00" in (e["text"] or "")
    )
    assert "saved" in closed_line

    assert customer.say("sure, it's jane.doe@example.com") == []
    assert customer.responses()[-1] == "utter_followup_email_saved"
    customer.say("the refund was for order 12345678")

    row = desk.handoff_of(customer.sender)
    assert row["after_hours"] is True and row["status"] == "queued"
    detail = desk.detail(row["id"])
    assert detail["handoff"]["follow_up_email"] == "jane.doe@example.com"
    assert [m["text"] for m in detail["messages"] if m["kind"] == "customer"] == [
        "sure, it's jane.doe@example.com",
        "the refund was for order 12345678",
    ]
