"""What the fake Shopify (tests/fakes/shopify.py) knows: the documented schema it serves, and the demo orders in Shopify's shapes.

``SCHEMA`` lists, per GraphQL type, the documented fields the fake can answer and the type of
each (``None``: a scalar or an enum); ``ARGUMENTS`` the documented arguments of the fields
that take some. Both are from the GraphQL Admin API reference, version 2025-01 (the pages
are cited in shop/shopify/queries.py). ``check`` walks a parsed selection (``Field``)
against them and raises ``Invalid`` with Shopify's error code (``undefinedField``...) for
anything undocumented; ``project`` cuts a stored order to what was selected.

``shopify_orders`` converts data/shop/orders.yml, the demo shop's seed, into Shopify's
shapes: ids ``gid://shopify/Order/<n>`` unrelated to the order number, names
``<prefix><number>``, amounts as decimal strings, timestamps as ISO-8601 UTC strings
relative to ``now``, and Shopify's status fields chosen so that shop/shopify/backend.py's
table maps each order back to the seed's state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Dict, FrozenSet, List, Mapping, Optional, Tuple

from shop.demo.seed import load_seed

SCHEMA: Dict[str, Dict[str, Optional[str]]] = {
    "QueryRoot": {"orders": "OrderConnection", "order": "Order"},
    "Mutation": {
        "orderCancel": "OrderCancelPayload",
        "orderUpdate": "OrderUpdatePayload",
        "orderInvoiceSend": "OrderInvoiceSendPayload",
    },
    "OrderConnection": {"nodes": "Order", "pageInfo": "PageInfo"},
    "PageInfo": {"hasNextPage": None, "endCursor": None},
    "Order": {
        "id": None,
        "name": None,
        "email": None,
        "createdAt": None,
        "processedAt": None,
        "cancelledAt": None,
        "cancelReason": None,
        "displayFinancialStatus": None,
        "displayFulfillmentStatus": None,
        "returnStatus": None,
        "totalPriceSet": "MoneyBag",
        "shippingAddress": "MailingAddress",
        "lineItems": "LineItemConnection",
        "fulfillments": "Fulfillment",
        "refunds": "Refund",
    },
    "MoneyBag": {"shopMoney": "MoneyV2", "presentmentMoney": "MoneyV2"},
    "MoneyV2": {"amount": None, "currencyCode": None},
    "MailingAddress": {
        "name": None,
        "firstName": None,
        "lastName": None,
        "address1": None,
        "address2": None,
        "city": None,
        "zip": None,
        "countryCodeV2": None,
    },
    "LineItemConnection": {"nodes": "LineItem"},
    "LineItem": {"title": None, "quantity": None, "originalUnitPriceSet": "MoneyBag"},
    "Fulfillment": {
        "status": None,
        "displayStatus": None,
        "createdAt": None,
        "inTransitAt": None,
        "estimatedDeliveryAt": None,
        "deliveredAt": None,
        "trackingInfo": "FulfillmentTrackingInfo",
    },
    "FulfillmentTrackingInfo": {"company": None, "number": None, "url": None},
    "Refund": {"createdAt": None, "totalRefundedSet": "MoneyBag", "transactions": "OrderTransactionConnection"},
    "OrderTransactionConnection": {"nodes": "OrderTransaction"},
    "OrderTransaction": {"gateway": None, "status": None, "processedAt": None, "kind": None},
    "OrderCancelPayload": {"job": "Job", "orderCancelUserErrors": "OrderCancelUserError", "userErrors": "UserError"},
    "Job": {"id": None, "done": None},
    "OrderCancelUserError": {"field": None, "message": None, "code": None},
    "UserError": {"field": None, "message": None},
    "OrderUpdatePayload": {"order": "Order", "userErrors": "UserError"},
    "OrderInvoiceSendPayload": {"order": "Order", "userErrors": "OrderInvoiceSendUserError"},
    "OrderInvoiceSendUserError": {"field": None, "message": None, "code": None},
}
_PAGE = frozenset({"first", "after", "last", "before", "reverse"})
ARGUMENTS: Dict[Tuple[str, str], FrozenSet[str]] = {
    ("QueryRoot", "orders"): _PAGE | {"query", "sortKey"},
    ("QueryRoot", "order"): frozenset({"id"}),
    ("Order", "lineItems"): _PAGE,
    ("Order", "fulfillments"): frozenset({"first"}),
    ("Order", "refunds"): frozenset({"first"}),
    ("Fulfillment", "trackingInfo"): frozenset({"first"}),
    ("Refund", "transactions"): _PAGE,
    ("Mutation", "orderCancel"): frozenset({"orderId", "reason", "refund", "restock", "notifyCustomer", "staffNote"}),
    ("Mutation", "orderUpdate"): frozenset({"input"}),
    ("Mutation", "orderInvoiceSend"): frozenset({"id", "email"}),
}
# Connections need ``first`` or ``last`` (Shopify refuses an unbounded page).
CONNECTIONS = {("QueryRoot", "orders"), ("Order", "lineItems"), ("Refund", "transactions")}
# Input objects: https://shopify.dev/docs/api/admin-graphql/2025-01/input-objects/OrderInput ,
# .../MailingAddressInput and .../EmailInput
ORDER_INPUT = {"id", "email", "note", "tags", "shippingAddress", "customAttributes", "metafields", "poNumber"}
MAILING_ADDRESS_INPUT = {
    "address1",
    "address2",
    "city",
    "company",
    "countryCode",
    "firstName",
    "lastName",
    "phone",
    "provinceCode",
    "zip",
}
EMAIL_INPUT = {"to", "from", "subject", "customMessage", "bcc", "body"}
# https://shopify.dev/docs/api/admin-graphql/2025-01/enums/OrderCancelReason
CANCEL_REASONS = {"CUSTOMER", "DECLINED", "FRAUD", "INVENTORY", "OTHER", "STAFF"}


class Invalid(Exception):
    """A request Shopify would refuse with GraphQL errors; ``code`` as in Shopify's ``extensions.code``."""

    def __init__(self, message: str, code: str = "invalidQuery") -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Field:
    name: str
    alias: Optional[str]
    args: Dict[str, Any]
    children: Optional[List[Field]]


def check(fields: List[Field], type_name: str) -> None:
    """Every field and argument documented for its type (shopify_data.SCHEMA, ARGUMENTS)."""
    known = SCHEMA[type_name]
    for f in fields:
        if f.name not in known:
            raise Invalid(f"Field '{f.name}' doesn't exist on type '{type_name}'", "undefinedField")
        for arg in f.args:
            if arg not in ARGUMENTS.get((type_name, f.name), ()):
                raise Invalid(f"Field '{f.name}' doesn't accept argument '{arg}'", "argumentNotAccepted")
        if (type_name, f.name) in CONNECTIONS and not ({"first", "last"} & set(f.args)):
            raise Invalid(f"you must provide one of first or last on {type_name}.{f.name}", "missingRequiredArguments")
        child = known[f.name]
        if child is None and f.children is not None:
            raise Invalid(f"Selections can't be made on scalars (field '{f.name}' on '{type_name}')", "selectionMismatch")
        if child is not None:
            if not f.children:
                raise Invalid(f"Field must have selections (field '{f.name}' returns {child})", "selectionMismatch")
            check(f.children, child)


def project(value: Any, fields: Optional[List[Field]]) -> Any:
    """``value`` cut to the selection, ``first:`` applied to lists and connections."""
    if value is None or fields is None:
        return value
    if isinstance(value, list):
        return [project(v, fields) for v in value]
    out = {}
    for f in fields:
        item = value.get(f.name)
        first = f.args.get("first")
        if isinstance(first, int) and isinstance(item, list):
            item = item[:first]
        elif isinstance(first, int) and isinstance(item, dict) and "nodes" in item:
            item = {**item, "nodes": item["nodes"][:first]}
        out[f.alias or f.name] = project(item, f.children)
    return out


# The seed's refund methods as Shopify payment gateways.
GATEWAYS = {"card": "shopify_payments", "paypal": "paypal", "gift_card": "gift_card", "bank_transfer": "bank_deposit"}


def iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def money(amount: Decimal, currency: str) -> Dict[str, Any]:
    value = {"amount": str(amount), "currencyCode": currency}
    return {"shopMoney": value, "presentmentMoney": dict(value)}


def _fulfillment(raw: Mapping[str, Any], carriers: Mapping[str, str], now: datetime) -> Dict[str, Any]:
    delivered = raw.get("delivered_days_ago")
    expected = raw.get("expected_in_days")
    shipped = iso(now - timedelta(days=int(raw["shipped_days_ago"])))
    return {
        "status": "SUCCESS",
        "displayStatus": "DELIVERED" if delivered is not None else "IN_TRANSIT",
        "createdAt": shipped,
        "inTransitAt": shipped,
        "estimatedDeliveryAt": None if expected is None else iso(now + timedelta(days=int(expected))),
        "deliveredAt": None if delivered is None else iso(now - timedelta(days=int(delivered))),
        "trackingInfo": [
            {
                "company": raw["carrier"],
                "number": str(raw["tracking_number"]),
                "url": carriers[raw["carrier"]].format(number=raw["tracking_number"]),
            }
        ],
    }


def _refund(raw: Mapping[str, Any], currency: str, now: datetime) -> Dict[str, Any]:
    issued = raw.get("issued_days_ago")
    requested = iso(now - timedelta(days=int(raw["requested_days_ago"])))
    transaction = {
        "gateway": GATEWAYS[raw["method"]],
        "status": "SUCCESS" if raw["state"] == "issued" else "PENDING",
        "processedAt": requested if issued is None else iso(now - timedelta(days=int(issued))),
        "kind": "REFUND",
    }
    return {
        "createdAt": requested,
        "totalRefundedSet": money(Decimal(str(raw["amount"])), currency),
        "transactions": {"nodes": [transaction]},
    }


def _financial_status(raw: Mapping[str, Any], total: Decimal) -> str:
    refund = raw.get("refund")
    if not refund or refund["state"] != "issued":
        return "PAID"
    return "REFUNDED" if Decimal(str(refund["amount"])) >= total else "PARTIALLY_REFUNDED"


def _fulfillment_status(state: str) -> str:
    return {"processing": "UNFULFILLED", "packed": "IN_PROGRESS", "cancelled": "UNFULFILLED"}.get(state, "FULFILLED")


def shopify_order(index: int, raw: Mapping[str, Any], carriers: Mapping[str, str], now: datetime, prefix: str) -> Dict[str, Any]:
    currency = raw["currency"]
    total = sum((Decimal(str(line["price"])) * int(line["quantity"]) for line in raw["lines"]), Decimal("0"))
    address = raw["address"]
    first, _, last = str(address["name"]).rpartition(" ")
    cancelled = raw.get("cancelled_days_ago")
    return {
        "id": f"gid://shopify/Order/{820982911946154508 + index}",
        "name": f"{prefix}{raw['number']}",
        "email": raw["email"],
        "createdAt": iso(now - timedelta(days=int(raw["placed_days_ago"]))),
        "processedAt": iso(now - timedelta(days=int(raw["placed_days_ago"]))),
        "cancelledAt": None if cancelled is None else iso(now - timedelta(days=int(cancelled))),
        "cancelReason": None if cancelled is None else "CUSTOMER",
        "displayFinancialStatus": _financial_status(raw, total),
        "displayFulfillmentStatus": _fulfillment_status(raw["state"]),
        "returnStatus": "RETURNED" if raw["state"] in ("returned", "refunded") else "NO_RETURN",
        "totalPriceSet": money(total, currency),
        "shippingAddress": {
            "name": address["name"],
            "firstName": first,
            "lastName": last,
            "address1": address["line1"],
            "address2": address.get("line2") or None,
            "city": address["city"],
            "zip": str(address["postcode"]),
            "countryCodeV2": address["country"],
        },
        "lineItems": {
            "nodes": [
                {
                    "title": line["title"],
                    "quantity": int(line["quantity"]),
                    "originalUnitPriceSet": money(Decimal(str(line["price"])), currency),
                }
                for line in raw["lines"]
            ]
        },
        "fulfillments": [_fulfillment(raw["shipment"], carriers, now)] if raw.get("shipment") else [],
        "refunds": [_refund(raw["refund"], currency, now)] if raw.get("refund") else [],
    }


def shopify_orders(now: datetime, prefix: str = "#") -> List[Dict[str, Any]]:
    """Every order of data/shop/orders.yml in Shopify's shape, dated relative to ``now``."""
    seed = load_seed()
    carriers = seed.get("carriers") or {}
    return [shopify_order(index, raw, carriers, now, prefix) for index, raw in enumerate(seed["orders"])]
