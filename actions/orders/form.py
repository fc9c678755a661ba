"""``validate_order_form``: the order number in any common form, then proof that the order is the customer's.

A reply that holds an order number is taken as the answer whatever NLU made of it
("it's 123456" is not "that solved it"); a reply that holds neither a number nor
an email address or postcode is not an answer, so the form lets the rest of the
bot handle it (a question, "I don't have it", a person). The email or postcode is
checked against the order (shop/verification.py) and never kept: a mismatch and
an unknown number fail alike and never say which part was wrong.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.orders.shop_client import shop_backend
from shop import order_numbers
from shop.errors import ShopUnavailable
from shop.verification import owns

logger = logging.getLogger(__name__)

# Wrong order details before a person checks who is asking (escalated as security_risk).
VERIFICATION_ATTEMPTS = 3
# What the form reports in ``order_lookup`` when it ends without asking more.
VERIFIED, UNAVAILABLE, LOCKED = "verified", "unavailable", "locked"
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# A postcode or ZIP alone in the reply: short, letters and digits, at least one digit.
_POSTCODE = re.compile(r"^(?=[^\d]*\d)[A-Za-z0-9]{2,5}(?:[ -]?[A-Za-z0-9]{2,4})?$")


def proof_in(text: str) -> Optional[str]:
    """The email address in the reply, or the reply itself when it is a postcode."""
    email = _EMAIL.search(text)
    if email:
        return email.group(0)
    stripped = text.strip().strip(".!")
    return stripped if _POSTCODE.match(stripped) and order_numbers.find(stripped) is None else None


class ValidateOrderForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_order_form"

    async def required_slots(
        self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Text]:
        if tracker.get_slot("order_lookup") in (UNAVAILABLE, LOCKED):
            return []
        verified = tracker.get_slot("order_verified")
        if verified and tracker.get_slot("order_number") in (None, verified):
            return []  # proven earlier in this conversation: not asked again
        return domain_slots

    async def extract_order_number(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        # Asked for it, or the message that started the lookup: the number in any form it is written.
        if tracker.get_slot("requested_slot") not in (None, "order_number"):
            return {}
        digits = order_numbers.find(tracker.latest_message.get("text") or "")
        return {"order_number": digits} if digits else {}

    async def extract_order_proof(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        text = tracker.latest_message.get("text") or ""
        if tracker.get_slot("requested_slot") == "order_proof":
            proof = proof_in(text)
        else:
            # Given unasked ("order AC-1234567, my email is ..."): never asked for again.
            email = _EMAIL.search(text)
            proof = email.group(0) if email else None
        return {"order_proof": proof} if proof else {}

    def validate_order_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        digits = order_numbers.find(str(value or ""))
        if digits is None:
            dispatcher.utter_message(response="utter_order_number_unclear")
            return {"order_number": None}
        if digits != tracker.get_slot("order_verified"):
            return {"order_number": digits, "order_lookup": None}
        return {"order_number": digits}

    def validate_order_proof(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        number = tracker.get_slot("order_number")
        try:
            order = shop_backend().find_order(number) if number else None
        except ShopUnavailable:
            logger.warning("orders: the shop backend is unavailable (conversation %s)", tracker.sender_id)
            return {"order_proof": None, "order_lookup": UNAVAILABLE}
        if owns(order, str(value or "")):
            return {"order_proof": None, "order_verified": number, "order_lookup": VERIFIED}
        failures = int(tracker.get_slot("verification_failures") or 0) + 1
        events: Dict[Text, Any] = {"order_number": None, "order_proof": None, "verification_failures": float(failures)}
        if failures >= VERIFICATION_ATTEMPTS:
            request = {
                "reason": "security_risk",
                "evidence": f"order details did not match {failures} times",
                "reply": "utter_handoff_order_verification",
            }
            return {**events, "order_lookup": LOCKED, "escalation_request": request}
        dispatcher.utter_message(response="utter_order_not_matched")
        return events
