import pytest
from rasa_sdk.events import SlotSet

from actions.handoff import ActionHandoff
from tests.conftest import user_event


def slot_event(name, value):
    return {"event": "slot", "name": name, "value": value}


@pytest.mark.parametrize(
    ("reason", "response"),
    [
        ("security_risk", "utter_handoff_security_risk"),
        ("repeated_failure", "utter_handoff_repeated_failure"),
        ("customer_request", "utter_handoff"),
    ],
)
async def test_speaks_for_the_policys_reason(make_tracker, dispatcher, domain, reason, response):
    tracker = make_tracker(
        [user_event("...", "account_takeover"), slot_event("handoff_reason", reason)], slots={"handoff_reason": reason}
    )

    events = await ActionHandoff().run(dispatcher, tracker, domain)

    assert events == []
    assert [m["response"] for m in dispatcher.messages] == [response]


async def test_without_a_decision_it_is_a_customer_request(make_tracker, dispatcher, domain):
    tracker = make_tracker(
        [
            slot_event("handoff_reason", "legal"),
            user_event("/request_human", "request_human", entities=[{"entity": "queue", "value": "billing"}]),
        ],
        slots={"handoff_reason": "legal"},
    )

    events = await ActionHandoff().run(dispatcher, tracker, domain)

    assert events == [SlotSet("handoff_reason", "customer_request"), SlotSet("queue", "billing")]
    assert [m["response"] for m in dispatcher.messages] == ["utter_handoff"]


def test_every_reason_has_its_own_words(domain):
    from policies.escalation_rules import REASONS

    missing = [r for r in REASONS if r != "customer_request" and f"utter_handoff_{r}" not in domain["responses"]]
    assert missing == []
