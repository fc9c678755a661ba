import pytest
from rasa_sdk.events import SlotSet

from actions.handoff import ActionHandoff
from tests.conftest import user_event


@pytest.mark.parametrize(
    ("intent", "entities", "slots", "reason", "queue", "response"),
    [
        ("request_human", [], {}, "customer_request", "general", "utter_handoff"),
        ("request_human", [{"entity": "queue", "value": "billing"}], {}, "customer_request", "billing", "utter_handoff"),
        ("account_takeover", [], {}, "security_risk", "security", "utter_handoff"),
        ("unauthorized_charge", [], {}, "security_risk", "security", "utter_handoff"),
        (
            "not_helpful",
            [],
            {"handoff_reason": "repeated_failure"},
            "repeated_failure",
            "general",
            "utter_handoff_repeated_failure",
        ),
    ],
    ids=["asked", "asked-for-billing", "takeover", "fraud", "repeated-failure"],
)
async def test_records_why_and_where(make_tracker, dispatcher, domain, intent, entities, slots, reason, queue, response):
    tracker = make_tracker([user_event("...", intent, entities=entities)], slots=slots)

    events = await ActionHandoff().run(dispatcher, tracker, domain)

    assert events == [SlotSet("handoff_reason", reason), SlotSet("queue", queue)]
    assert [m["response"] for m in dispatcher.messages] == [response]
