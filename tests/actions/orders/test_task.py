"""action_order_task: the verified order's real status, with its detail on request."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from actions.disclosure import ActionMoreDetail
from actions.orders.form import LOCKED, UNAVAILABLE
from actions.orders.task import ActionOrderConfirm, ActionOrderDecline, ActionOrderTask
from shop.demo.tables import OrderRow
from tests.conftest import bot_event, user_event


def tracker(**slots: Any) -> Tracker:
    event = user_event("02110", "nlu_fallback")
    return Tracker("c1", slots, event["parse_data"], [event], False, None, {}, "action_listen")


@pytest.mark.parametrize(
    ("number", "response"),
    [
        ("3456789", "utter_order_processing"),
        ("4567890", "utter_order_packed"),
        ("1234567", "utter_order_shipped"),
        ("8901234", "utter_order_shipped_late"),
        ("2345678", "utter_order_delivered"),
        ("5678901", "utter_order_returned"),
        ("6789012", "utter_order_refunded"),
        ("7890123", "utter_order_cancelled"),
    ],
)
async def test_every_state_has_its_own_reply(shop, dispatcher, domain, number, response):
    events = await ActionOrderTask().run(dispatcher, tracker(order_verified=number, order_lookup="verified"), domain)
    (message,) = dispatcher.messages
    assert message["response"] == response and response in domain["responses"]
    assert events[0]["name"] == "reply_facts" and events[0]["value"]["order"] == f"AC-{number}"


async def test_a_shipped_order_says_carrier_date_and_tracking_link(shop, dispatcher, domain):
    await ActionOrderTask().run(dispatcher, tracker(order_verified="1234567", order_lookup="verified"), domain)
    (message,) = dispatcher.messages
    assert message["carrier"] == "UPS" and message["expected_on"] == "Wednesday 9 December"
    assert message["tracking_url"] == "https://tracking.example.com/ups/1Z999AA10123456784"
    assert message["items"] == "1 × Trailrunner 3 running shoes, 1 × Merino running socks (3 pack)"


async def test_a_refund_says_amount_method_and_day(shop, dispatcher, domain):
    await ActionOrderTask().run(dispatcher, tracker(order_verified="6789012", order_lookup="verified"), domain)
    (message,) = dispatcher.messages
    assert (message["refund_amount"], message["refund_method"]) == ("79.00 USD", "PayPal account")
    assert message["refund_issued_on"] == "Friday 20 November"


async def test_the_detail_on_request_is_filled_from_the_same_order(shop, dispatcher, domain, make_tracker):
    events = await ActionOrderTask().run(dispatcher, tracker(order_verified="1234567", order_lookup="verified"), domain)
    facts = events[0]["value"]
    more = make_tracker([bot_event("utter_order_shipped"), user_event("tell me more", "tell_me_more")], {"reply_facts": facts})
    dispatcher.messages.clear()
    await ActionMoreDetail().run(dispatcher, more, domain)
    (message,) = dispatcher.messages
    assert message["response"] == "utter_order_shipped_more" and message["tracking_number"] == "1Z999AA10123456784"


async def test_an_unavailable_shop_is_said_and_tried_again_next_time(dispatcher, domain):
    events = await ActionOrderTask().run(dispatcher, tracker(order_lookup=UNAVAILABLE), domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_order_unavailable"]
    assert events == [SlotSet("order_lookup", None)]


async def test_after_too_many_wrong_details_no_lookup_is_made(dispatcher, domain):
    await ActionOrderTask().run(dispatcher, tracker(order_lookup=LOCKED, order_verified=None), domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_order_locked"]


@pytest.mark.parametrize(
    ("number", "response"),
    [("5678901", "utter_refund_pending"), ("6789012", "utter_refund_issued"), ("1234567", "utter_refund_none")],
)
async def test_refund_status_comes_from_the_refund_record(shop, dispatcher, domain, number, response):
    await ActionOrderTask().run(dispatcher, tracker(order_verified=number, order_task="refund"), domain)
    assert [m["response"] for m in dispatcher.messages] == [response]


async def test_an_order_not_dispatched_is_cancelled_only_after_a_yes(shop, dispatcher, domain):
    events = await ActionOrderTask().run(dispatcher, tracker(order_verified="3456789", order_task="cancel"), domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_confirm_cancel"]
    assert SlotSet("order_pending", "cancel") in events
    assert shop.find_order("3456789").state.value == "processing"  # nothing done yet

    dispatcher.messages.clear()
    confirmed = await ActionOrderConfirm().run(dispatcher, tracker(order_verified="3456789", order_pending="cancel"), domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_order_cancel_done"]
    assert SlotSet("order_pending", None) in confirmed
    assert shop.find_order("3456789").state.value == "cancelled"


async def test_a_no_keeps_the_order(shop, dispatcher, domain):
    given = tracker(order_verified="3456789", order_pending="cancel", reply_facts={"order": "AC-3456789"})
    assert await ActionOrderDecline().run(dispatcher, given, domain) == [SlotSet("order_pending", None)]
    assert [m["response"] for m in dispatcher.messages] == ["utter_order_kept"]
    assert shop.find_order("3456789").state.value == "processing"


async def test_a_dispatched_order_is_not_offered_cancelling_but_a_return(shop, dispatcher, domain):
    events = await ActionOrderTask().run(dispatcher, tracker(order_verified="1234567", order_task="cancel"), domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_cannot_cancel_dispatched"]
    assert all(e.get("name") != "order_pending" for e in events)


async def test_shipped_between_the_question_and_the_yes_is_said_honestly(shop, dispatcher, domain):
    with shop.session() as session:  # the warehouse ships it while the customer reads the question
        session.query(OrderRow).filter_by(number="4567890").update({"state": "shipped"})
    given = tracker(order_verified="4567890", order_pending="cancel", reply_facts={"order": "AC-4567890"})
    await ActionOrderConfirm().run(dispatcher, given, domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_cannot_cancel_dispatched"]


async def test_a_yes_to_nothing_moves_on(dispatcher, domain):
    await ActionOrderConfirm().run(dispatcher, tracker(order_verified="1234567"), domain)
    assert [m["response"] for m in dispatcher.messages] == ["utter_anything_else"]
