"""What an order's reply says, as template values: dates and money written out, nothing beyond the customer's own order."""

from __future__ import annotations

from datetime import date
from typing import Dict, Optional, Tuple

from shop import order_numbers
from shop.orders import Order, OrderState

# How a refund's method reads in "went back to your {refund_method}".
METHOD_LABELS = {"card": "card", "paypal": "PayPal account", "gift_card": "gift card", "bank_transfer": "bank account"}


def day(value: Optional[date]) -> str:
    return f"{value:%A} {value.day} {value:%B}" if value else ""


def status_reply(order: Order, today: date) -> Tuple[str, Dict[str, str]]:
    """The response that tells this order's state, and its values (also those of its ``_more`` detail)."""
    shipment = order.latest_shipment
    state = order.state.value
    if order.state is OrderState.SHIPPED and shipment and shipment.expected_on and shipment.expected_on < today:
        state = "shipped_late"
    return f"utter_order_{state}", order_facts(order)


def order_facts(order: Order) -> Dict[str, str]:
    """Every value an order's replies may use."""
    shipment = order.latest_shipment
    refund = order.refunds[-1] if order.refunds else None
    address = order.shipping_address
    return {
        "order": order_numbers.display(order.number),
        "placed_on": day(order.placed_on),
        "items": ", ".join(f"{line.quantity} × {line.title}" for line in order.lines),
        "total": str(order.total),
        "delivery_to": f"{address.name}, {address.city} {address.postcode}",
        "cancelled_on": day(order.cancelled_on),
        "carrier": shipment.carrier if shipment else "",
        "tracking_number": shipment.tracking_number if shipment else "",
        "tracking_url": shipment.tracking_url if shipment else "",
        "shipped_on": day(shipment.shipped_on) if shipment else "",
        "expected_on": day(shipment.expected_on) if shipment else "",
        "delivered_on": day(shipment.delivered_on) if shipment else "",
        "refund_amount": str(refund.amount) if refund else "",
        "refund_method": METHOD_LABELS.get(refund.method, refund.method.replace("_", " ")) if refund else "",
        "refund_issued_on": day(refund.issued_on) if refund else "",
    }
