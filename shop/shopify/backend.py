"""A Shopify store behind :class:`~shop.backend.ShopBackend`, through the GraphQL Admin API.

The documents sent are in ``shop/shopify/queries.py`` (with their reference pages), the
transport and its errors in ``shop/shopify/client.py``.

Order state: the first row whose Shopify condition holds. "Live" fulfillments are those
whose ``status`` is not CANCELLED, ERROR or FAILURE.

====================================================================  ==========
Shopify Order                                                         OrderState
====================================================================  ==========
``cancelledAt`` set                                                   cancelled
``displayFinancialStatus`` REFUNDED (all money back)                  refunded
``returnStatus`` RETURNED or INSPECTION_COMPLETE (goods are back)     returned
``displayFulfillmentStatus`` FULFILLED and every live fulfillment
DELIVERED (``displayStatus``, or ``deliveredAt`` set)                 delivered
``displayFulfillmentStatus`` FULFILLED or PARTIALLY_FULFILLED         shipped
``displayFulfillmentStatus`` IN_PROGRESS, PENDING_FULFILLMENT,
ON_HOLD (the warehouse has it)                                        packed
``displayFulfillmentStatus`` UNFULFILLED, OPEN, SCHEDULED, RESTOCKED,
REQUEST_DECLINED (nothing has left)                                   processing
any other value (newer than the API version): live fulfillments       shipped
... and without any                                                   processing
====================================================================  ==========

PARTIALLY_REFUNDED (one item refunded) and a return only requested or in transit
keep the delivery state: the customer still has, or is sending back, the goods.
Partly shipped counts as shipped: part of the order is with the carrier, so the
bot must not offer to cancel or redirect it.

Order numbers: Shopify's ``name`` is the shop's prefix (``order_prefix``, "#" unless
the shop configured another, e.g. "AC-") and the number; the canonical form is its
digits (shop/order_numbers.py). Dates are the UTC dates of Shopify's timestamps.
Refund methods come from the payment gateway's name (``_method``).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Dict, Iterable, List, Mapping, NoReturn, Optional, Tuple

from core.clock import Clock, SystemClock
from shop.errors import NotAllowed, OrderNotFound, ShopUnavailable
from shop.orders import Address, Money, Order, OrderLine, OrderState, Refund, RefundState, Shipment
from shop.shopify import queries
from shop.shopify.client import ShopifyAuthError, ShopifyClient

_DIGITS = re.compile(r"\d{1,20}")
_COUNTRY = re.compile(r"[A-Z]{2}")
_EMAIL = re.compile(r"[^\s@\"\\]+@[^\s@\"\\]+")
_DEAD_FULFILLMENTS = {"CANCELLED", "ERROR", "FAILURE"}
_PACKED = {"IN_PROGRESS", "PENDING_FULFILLMENT", "ON_HOLD"}
_PROCESSING = {"UNFULFILLED", "OPEN", "SCHEDULED", "RESTOCKED", "REQUEST_DECLINED"}
_SHIPPED = {"FULFILLED", "PARTIALLY_FULFILLED"}
_RETURNED = {"RETURNED", "INSPECTION_COMPLETE"}
_ISSUED = {"SUCCESS"}  # OrderTransactionStatus: anything else has not reached the customer's account yet


def _date(value: Any) -> Optional[date]:
    if not value:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).date()


def _required_date(value: Any, what: str) -> date:
    day = _date(value)
    if day is None:
        raise ValueError(f"{what} is missing")
    return day


def _money(bag: Any) -> Money:
    shop_money = bag["shopMoney"]
    return Money(Decimal(str(shop_money["amount"])), str(shop_money["currencyCode"]))


def _method(gateway: str) -> str:
    """The knowledge base's refund method for a Shopify payment gateway (shopify_payments, paypal, gift_card, ...)."""
    gateway = gateway.casefold()
    if "paypal" in gateway:
        return "paypal"
    if "gift_card" in gateway or "store_credit" in gateway:
        return "gift_card"
    if "bank" in gateway:
        return "bank_transfer"
    return "card"  # Shopify Payments and the other card gateways


def _live(fulfillments: Iterable[Mapping[str, Any]]) -> List[Mapping[str, Any]]:
    return [f for f in fulfillments if f.get("status") not in _DEAD_FULFILLMENTS]


def _delivered(fulfillment: Mapping[str, Any]) -> bool:
    return fulfillment.get("displayStatus") == "DELIVERED" or bool(fulfillment.get("deliveredAt"))


def state_of(node: Mapping[str, Any]) -> OrderState:
    """The table of the module docstring."""
    fulfillment_status = node.get("displayFulfillmentStatus")
    live = _live(node.get("fulfillments") or [])
    if node.get("cancelledAt"):
        return OrderState.CANCELLED
    if node.get("displayFinancialStatus") == "REFUNDED":
        return OrderState.REFUNDED
    if node.get("returnStatus") in _RETURNED:
        return OrderState.RETURNED
    if fulfillment_status == "FULFILLED" and live and all(_delivered(f) for f in live):
        return OrderState.DELIVERED
    if fulfillment_status in _SHIPPED:
        return OrderState.SHIPPED
    if fulfillment_status in _PACKED:
        return OrderState.PACKED
    if fulfillment_status in _PROCESSING:
        return OrderState.PROCESSING
    return OrderState.SHIPPED if live else OrderState.PROCESSING


def _address(raw: Optional[Mapping[str, Any]]) -> Address:
    raw = raw or {}
    name = raw.get("name") or " ".join(filter(None, (raw.get("firstName"), raw.get("lastName"))))
    return Address(
        name=str(name or ""),
        line1=str(raw.get("address1") or ""),
        line2=str(raw.get("address2") or ""),
        city=str(raw.get("city") or ""),
        postcode=str(raw.get("zip") or ""),
        country=str(raw.get("countryCodeV2") or ""),
    )


def _shipment(fulfillment: Mapping[str, Any]) -> Shipment:
    tracking = (fulfillment.get("trackingInfo") or [{}])[0] or {}
    return Shipment(
        carrier=str(tracking.get("company") or ""),
        tracking_number=str(tracking.get("number") or ""),
        tracking_url=str(tracking.get("url") or ""),
        shipped_on=_required_date(fulfillment.get("createdAt"), "Fulfillment.createdAt"),
        expected_on=_date(fulfillment.get("estimatedDeliveryAt")),
        delivered_on=_date(fulfillment.get("deliveredAt")),
    )


def _refund(raw: Mapping[str, Any]) -> Refund:
    transactions = [t for t in (raw.get("transactions") or {}).get("nodes") or [] if t]
    issued = [t for t in transactions if t.get("status") in _ISSUED]
    gateway = str((issued or transactions or [{}])[0].get("gateway") or "")
    issued_on = [day for t in issued if (day := _date(t.get("processedAt"))) is not None]
    return Refund(
        amount=_money(raw["totalRefundedSet"]),
        method=_method(gateway),
        state=RefundState.ISSUED if issued else RefundState.PENDING,
        requested_on=_required_date(raw.get("createdAt"), "Refund.createdAt"),
        issued_on=min(issued_on) if issued_on else None,
    )


def to_order(node: Mapping[str, Any], number: str) -> Order:
    """An Order from the ``queries.ORDER`` selection; ShopUnavailable when Shopify's answer has another shape."""
    try:
        return Order(
            number=number,
            email=str(node.get("email") or "").strip().casefold(),
            state=state_of(node),
            placed_on=_required_date(node.get("createdAt"), "Order.createdAt"),
            total=_money(node["totalPriceSet"]),
            shipping_address=_address(node.get("shippingAddress")),
            lines=tuple(
                OrderLine(str(line["title"]), int(line["quantity"]), _money(line["originalUnitPriceSet"]))
                for line in (node.get("lineItems") or {}).get("nodes") or []
            ),
            shipments=tuple(_shipment(f) for f in _live(node.get("fulfillments") or []) if f.get("createdAt")),
            refunds=tuple(_refund(r) for r in node.get("refunds") or []),
            cancelled_on=_date(node.get("cancelledAt")),
        )
    except (KeyError, IndexError, TypeError, ValueError, InvalidOperation) as error:
        raise ShopUnavailable(f"shopify: order {number} in an unexpected shape ({type(error).__name__}: {error})") from None


def split_name(name: str) -> Tuple[str, str]:
    """First and last name for MailingAddressInput: the last word is the last name ("Mary Ann Smith": "Mary Ann", "Smith")."""
    words = name.split()
    return (" ".join(words[:-1]), words[-1]) if words else ("", "")


def _texts(errors: Iterable[Mapping[str, Any]]) -> str:
    return "; ".join(str(e.get("message", "")) for e in errors)[:300]


class ShopifyShop:
    def __init__(
        self, client: ShopifyClient, order_prefix: str = "#", clock: Optional[Clock] = None, refund_on_cancel: bool = True
    ) -> None:
        self._client = client
        self.order_prefix = order_prefix
        self._clock = clock or SystemClock()
        # orderCancel's ``refund``: money back to the original payment method, as the customer expects.
        self.refund_on_cancel = refund_on_cancel

    def __repr__(self) -> str:
        return f"ShopifyShop({self._client!r}, order_prefix={self.order_prefix!r})"

    def digits(self, name: str) -> str:
        """The canonical digits of a Shopify order name ("#1001", "AC-1001")."""
        rest = name[len(self.order_prefix) :] if self.order_prefix and name.startswith(self.order_prefix) else name
        return re.sub(r"\D", "", rest)

    # -- reading ------------------------------------------------------------------------------

    def _node(self, number: str) -> Optional[Dict[str, Any]]:
        if not _DIGITS.fullmatch(number or ""):
            return None  # not a canonical number: nothing to ask Shopify
        term = f"name:{queries.search_value(self.order_prefix + number)}"
        data = self._client.execute(queries.FIND_BY_NAME, queries.FIND_BY_NAME_DOCUMENT, {"query": term})
        nodes = ((data.get("orders") or {}).get("nodes")) or []
        # The search also matches names that merely contain the term: only the exact number counts.
        return next((n for n in nodes if isinstance(n, dict) and self.digits(str(n.get("name") or "")) == number), None)

    def _existing(self, number: str) -> Tuple[Dict[str, Any], Order]:
        node = self._node(number)
        if node is None:
            raise OrderNotFound(number)
        return node, to_order(node, number)

    def find_order(self, number: str) -> Optional[Order]:
        node = self._node(number)
        return to_order(node, number) if node is not None else None

    def orders_of_customer(self, email: str) -> List[Order]:
        wanted = (email or "").strip().casefold()
        if not _EMAIL.fullmatch(wanted):
            return []
        term = f"email:{queries.search_value(wanted)}"
        data = self._client.execute(queries.ORDERS_OF_CUSTOMER, queries.ORDERS_OF_CUSTOMER_DOCUMENT, {"query": term})
        nodes = ((data.get("orders") or {}).get("nodes")) or []
        # Only orders placed with exactly this address: the search is looser, and a customer sees only their own.
        return [
            to_order(n, self.digits(str(n.get("name") or "")))
            for n in nodes
            if isinstance(n, dict) and str(n.get("email") or "").strip().casefold() == wanted
        ]

    # -- changing -----------------------------------------------------------------------------

    def _refused(self, number: str, message: str) -> NoReturn:
        """Shopify refused a change the order looked fit for: say why if the order has moved on since we read it."""
        try:
            order = self.find_order(number)
        except ShopUnavailable:
            order = None
        if order is not None and order.state is OrderState.CANCELLED:
            raise NotAllowed("already_cancelled", message)
        if order is not None and not order.can_cancel:
            raise NotAllowed("already_dispatched", message)
        raise NotAllowed("refused_by_shop", message)

    def cancel_order(self, number: str) -> Order:
        node, order = self._existing(number)
        if not order.can_cancel:
            raise NotAllowed("already_cancelled" if order.state is OrderState.CANCELLED else "already_dispatched")
        variables = {
            "orderId": node["id"],
            "reason": "CUSTOMER",
            "refund": self.refund_on_cancel,
            "restock": True,
            "notifyCustomer": True,
        }
        payload = self._client.execute(queries.CANCEL, queries.CANCEL_DOCUMENT, variables).get("orderCancel")
        if not isinstance(payload, dict):
            raise ShopUnavailable(f"shopify {queries.CANCEL}: answer without a payload")
        errors = [e for e in payload.get("orderCancelUserErrors") or [] if isinstance(e, dict)]
        codes = {e.get("code") for e in errors}
        if "NOT_FOUND" in codes:
            raise OrderNotFound(number)
        if "NO_REFUND_PERMISSION" in codes:
            raise ShopifyAuthError(f"shopify {queries.CANCEL}: the app may not refund ({_texts(errors)})")
        if "INTERNAL_ERROR" in codes:
            raise ShopUnavailable(f"shopify {queries.CANCEL}: {_texts(errors)}")
        if errors:
            self._refused(number, _texts(errors))
        # Shopify cancels in a background job (``job.done`` may still be false): the order as it will be,
        # without reading it again, so a failed read cannot turn a done cancellation into an error.
        return replace(order, state=OrderState.CANCELLED, cancelled_on=self._clock.now().date())

    def change_address(self, number: str, address: Address) -> Order:
        node, order = self._existing(number)
        if not order.can_change_address:
            raise NotAllowed("already_dispatched")
        country = address.country.strip().upper()
        if not _COUNTRY.fullmatch(country):
            # CountryCode is an enum: Shopify would refuse the whole request, not answer a userError.
            raise NotAllowed("invalid_address", f"country {address.country!r} is not a two-letter country code")
        first, last = split_name(address.name)
        shipping = {
            "firstName": first,
            "lastName": last,
            "address1": address.line1,
            "address2": address.line2,
            "city": address.city,
            "zip": address.postcode,
            "countryCode": country,
        }
        variables = {"input": {"id": node["id"], "shippingAddress": shipping}}
        payload = self._client.execute(queries.UPDATE_ADDRESS, queries.UPDATE_ADDRESS_DOCUMENT, variables).get("orderUpdate")
        if not isinstance(payload, dict):
            raise ShopUnavailable(f"shopify {queries.UPDATE_ADDRESS}: answer without a payload")
        errors = [e for e in payload.get("userErrors") or [] if isinstance(e, dict)]
        if any("shippingAddress" in (e.get("field") or []) for e in errors):
            raise NotAllowed("invalid_address", _texts(errors))
        if errors:
            self._refused(number, _texts(errors))
        updated = payload.get("order")
        if not isinstance(updated, dict):
            raise ShopUnavailable(f"shopify {queries.UPDATE_ADDRESS}: answer without the order")
        return to_order(updated, number)

    def resend_invoice(self, number: str) -> None:
        node, order = self._existing(number)
        variables: Dict[str, Any] = {"id": node["id"]}
        if order.email:
            variables["email"] = {"to": order.email}
        payload = self._client.execute(queries.INVOICE, queries.INVOICE_DOCUMENT, variables).get("orderInvoiceSend")
        if not isinstance(payload, dict):
            raise ShopUnavailable(f"shopify {queries.INVOICE}: answer without a payload")
        errors = [e for e in payload.get("userErrors") or [] if isinstance(e, dict)]
        if errors:
            raise NotAllowed("refused_by_shop", _texts(errors))
