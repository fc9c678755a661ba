"""An in-process fake of Shopify's GraphQL Admin API, holding the demo orders (data/shop/orders.yml).

``POST /admin/api/{api_version}/graphql.json`` with ``{"query", "operationName", "variables"}``
(https://shopify.dev/docs/api/admin-graphql). What it checks, each as Shopify answers:

- the ``X-Shopify-Access-Token`` header: missing or wrong → HTTP 401
  ``{"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}``;
- the path and API version: anything else → 404;
- the operation, by ``operationName``: the five Tandem sends (``OPERATIONS``), each a query or a
  mutation as expected; every selected field and argument against the documented schema in
  tests/fakes/shopify_data.py (``undefinedField``, ``argumentNotAccepted``, selections on
  scalars, connections without ``first``), and the input objects' keys. A problem is
  answered with GraphQL ``errors`` and kept in ``problems``: the suite's fixtures assert it
  stays empty, so a typo in the client fails loudly.

Answers follow the selection (aliases, ``first:`` on lists and connections) and carry
``extensions.cost``. Mutations change the store: ``orderCancel`` sets ``cancelledAt`` and
refuses (``orderCancelUserErrors``, INVALID) an order with fulfillments or already
cancelled; ``orderUpdate`` replaces the shipping address; ``orderInvoiceSend`` is recorded
in ``invoices``. ``before_mutation`` runs first (a warehouse acting at the same moment).

Switches: ``fail("http_503" | "http_429" | "hang", times)``; ``throttle(times, requested,
available, restore_rate)`` answers Shopify's THROTTLED error (HTTP 200); ``hang`` holds the
answer until ``release()``; ``stop()`` closes the port. Every request is in ``calls``.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler
from typing import Any, Callable, Dict, List, Optional, Tuple

from tests.fakes import shopify_data as schema
from tests.fakes.http import LoopbackHTTPFake, read_request, reply
from tests.fakes.shopify_data import Field, Invalid, check, iso, project, shopify_orders

OPERATIONS = {
    "FindOrderByName": "query",
    "OrdersOfCustomer": "query",
    "OrderCancel": "mutation",
    "OrderUpdateShippingAddress": "mutation",
    "OrderInvoiceSend": "mutation",
}
UNAUTHORIZED = "[API] Invalid API key or access token (unrecognized login or wrong password)"
_TOKEN = re.compile(r'\.\.\.|[{}()\[\]:=!$]|"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?|[A-Za-z_]\w*|#[^\n]*|[\s,]+|.')
_TERM = re.compile(r'(name|email):("(?:[^"\\]|\\.)*"|\S+)')


@dataclass
class Call:
    operation: str
    variables: Dict[str, Any]
    status: int = 200
    outcome: str = "ok"


def _tokens(text: str) -> List[str]:
    return [t for t in _TOKEN.findall(text) if t.strip(" \t\r\n,") and not t.startswith("#")]


def _value(tokens: List[str], i: int, variables: Dict[str, Any]) -> Tuple[Any, int]:
    token = tokens[i]
    if token == "$":
        return variables.get(tokens[i + 1]), i + 2
    if token.startswith('"'):
        return json.loads(token), i + 1
    if re.fullmatch(r"-?\d+", token):
        return int(token), i + 1
    if token in ("{", "["):
        raise Invalid("the fake takes objects and lists only as variables")
    return {"true": True, "false": False, "null": None}.get(token, token), i + 1


def _selection(tokens: List[str], i: int, variables: Dict[str, Any]) -> Tuple[List[Field], int]:
    if tokens[i] != "{":
        raise Invalid(f"expected '{{' at {tokens[i]!r}")
    i += 1
    fields = []
    while tokens[i] != "}":
        if tokens[i] == "...":
            raise Invalid("the fake does not take fragments")
        name, alias, args, children = tokens[i], None, {}, None
        i += 1
        if tokens[i] == ":":
            alias, name, i = name, tokens[i + 1], i + 2
        if tokens[i] == "(":
            i += 1
            while tokens[i] != ")":
                key = tokens[i]
                if tokens[i + 1] != ":":
                    raise Invalid(f"expected ':' after argument {key}")
                args[key], i = _value(tokens, i + 2, variables)
            i += 1
        if tokens[i] == "{":
            children, i = _selection(tokens, i, variables)
        fields.append(Field(name, alias, args, children))
    return fields, i + 1


def parse(document: str, operation: str, variables: Dict[str, Any]) -> Tuple[str, List[Field]]:
    """The kind ("query"/"mutation") and the selection of the named operation in ``document``."""
    tokens = _tokens(document) + ["<end>"]
    i = 0
    while tokens[i] != "<end>":
        kind, name = tokens[i], tokens[i + 1]
        if kind not in ("query", "mutation"):
            raise Invalid(f"expected an operation definition, found {kind!r}")
        i += 2
        if tokens[i] == "(":
            i = tokens.index(")", i) + 1
        fields, i = _selection(tokens, i, variables)
        if name == operation:
            return kind, fields
    raise Invalid(f"no operation named {operation!r} in the document", "operationNotFound")


def _unquote(value: str) -> str:
    return json.loads(value) if value.startswith('"') else value


@dataclass
class FakeShopify(LoopbackHTTPFake):
    now: datetime
    token: str = "shpat_fake_0123456789abcdef0123456789"
    api_version: str = "2025-01"
    prefix: str = "#"
    orders: List[Dict[str, Any]] = field(init=False)

    def __post_init__(self) -> None:
        self.orders = shopify_orders(self.now, self.prefix)
        self.calls: List[Call] = []
        self.problems: List[str] = []
        self.invoices: List[Tuple[str, Optional[str]]] = []  # (order name, recipient)
        self.before_mutation: Optional[Callable[[str], None]] = None
        self._failures: List[Tuple[str, Any]] = []
        self._released = threading.Event()
        self._lock = threading.RLock()

    # -- lifecycle and switches ---------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return self.origin

    def fail(self, kind: str, times: int = 1, retry_after: str = "1.0") -> None:
        assert kind in ("http_503", "http_429", "hang"), kind
        with self._lock:
            self._failures += [(kind, retry_after)] * times

    def throttle(self, times: int, requested: int = 60, available: float = 10.0, restore_rate: float = 50.0) -> None:
        with self._lock:
            self._failures += [("throttled", (requested, available, restore_rate))] * times

    def release(self) -> None:
        self._released.set()

    def order(self, number: str) -> Dict[str, Any]:
        return next(o for o in self.orders if o["name"] == self.prefix + number)

    # -- HTTP ---------------------------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        _, raw, _ = read_request(request)
        if self._server is None:  # stopped: a kept-alive connection gets no answer
            request.close_connection = True
            return
        try:
            body = json.loads(raw)
        except ValueError:
            body = {}
        call = Call(str(body.get("operationName")), dict(body.get("variables") or {}))
        with self._lock:
            self.calls.append(call)
        if request.path != f"/admin/api/{self.api_version}/graphql.json":
            return self._answer(request, call, 404, {"errors": "Not Found"})
        if request.headers.get("X-Shopify-Access-Token") != self.token:
            return self._answer(request, call, 401, {"errors": UNAUTHORIZED})
        with self._lock:
            failure = self._failures.pop(0) if self._failures else None
        if failure is not None:
            return self._fail(request, call, *failure)
        try:
            kind, fields = parse(str(body.get("query") or ""), call.operation, call.variables)
            if OPERATIONS.get(call.operation) != kind:
                raise Invalid(f"the fake knows no {kind} named {call.operation!r}", "operationNotFound")
            check(fields, "QueryRoot" if kind == "query" else "Mutation")
            with self._lock:
                root = getattr(self, "_" + call.operation)(call.variables, fields)
            answer = {"data": project(root, fields), "extensions": self._cost(10, 2000.0 - 10, 100.0)}
        except Invalid as error:
            with self._lock:
                self.problems.append(f"{call.operation}: {error}")
            answer = {"errors": [{"message": str(error), "extensions": {"code": error.code}}]}
        self._answer(request, call, 200, answer)

    @staticmethod
    def _cost(requested: int, available: float, rate: float, actual: Optional[int] = 10) -> Dict[str, Any]:
        status = {"maximumAvailable": 2000.0, "currentlyAvailable": available, "restoreRate": rate}
        return {"cost": {"requestedQueryCost": requested, "actualQueryCost": actual, "throttleStatus": status}}

    def _fail(self, request: BaseHTTPRequestHandler, call: Call, kind: str, detail: Any) -> None:
        if kind == "hang":
            call.outcome = "hang"
            self._released.wait(30)  # past any client timeout; the test releases it when done
            request.close_connection = True
            return
        if kind == "throttled":
            requested, available, rate = detail
            error = {
                "message": "Throttled",
                "extensions": {"code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/limits"},
            }
            return self._answer(
                request, call, 200, {"errors": [error], "extensions": self._cost(requested, available, rate, None)}, kind
            )
        if kind == "http_429":
            return self._answer(request, call, 429, {"errors": "Exceeded rate limit"}, kind, {"Retry-After": detail})
        self._answer(request, call, 503, {"errors": "Service Unavailable"}, kind)

    def _answer(
        self,
        request: BaseHTTPRequestHandler,
        call: Call,
        status: int,
        body: Any,
        outcome: str = "",
        headers: Optional[Dict[str, str]] = None,
    ) -> None:
        call.status, call.outcome = status, outcome or ("ok" if status == 200 and "errors" not in body else f"error_{status}")
        reply(request, status, body, headers)

    # -- operations ---------------------------------------------------------------------------

    def _search(self, variables: Dict[str, Any], fields: List[Field]) -> List[Dict[str, Any]]:
        match = _TERM.fullmatch(str(variables.get("query") or "").strip())
        if match is None:
            raise Invalid(f"the fake searches by one name: or email: term, not {variables.get('query')!r}")
        key, value = match.group(1), _unquote(match.group(2)).casefold()
        # Like Shopify's search, a name term also finds names that merely contain it.
        found = [o for o in self.orders if (value in o["name"].casefold() if key == "name" else o["email"].casefold() == value)]
        args = fields[0].args
        if args.get("sortKey") == "CREATED_AT":
            found.sort(key=lambda o: o["createdAt"], reverse=bool(args.get("reverse")))
        return found

    def _FindOrderByName(self, variables: Dict[str, Any], fields: List[Field]) -> Dict[str, Any]:
        return {"orders": {"nodes": self._search(variables, fields)}}

    _OrdersOfCustomer = _FindOrderByName

    def _by_id(self, order_id: Any) -> Optional[Dict[str, Any]]:
        if self.before_mutation is not None:
            self.before_mutation(str(order_id))
        return next((o for o in self.orders if o["id"] == order_id), None)

    def _OrderCancel(self, variables: Dict[str, Any], fields: List[Field]) -> Dict[str, Any]:
        if variables.get("reason") not in schema.CANCEL_REASONS or not all(
            isinstance(variables.get(k), bool) for k in ("refund", "restock")
        ):
            raise Invalid(
                f"orderCancel needs a reason of {sorted(schema.CANCEL_REASONS)} and Boolean refund and restock",
                "INVALID_VARIABLE",
            )
        order = self._by_id(variables.get("orderId"))
        errors: List[Dict[str, Any]] = []
        if order is None:
            errors.append({"field": ["orderId"], "message": "Order does not exist", "code": "NOT_FOUND"})
        elif order["cancelledAt"]:
            errors.append({"field": ["orderId"], "message": "Order has already been cancelled", "code": "INVALID"})
        elif order["fulfillments"] or order["displayFulfillmentStatus"] in ("FULFILLED", "PARTIALLY_FULFILLED"):
            errors.append({"field": ["orderId"], "message": "Cannot cancel an order that has fulfillments", "code": "INVALID"})
        else:
            order["cancelledAt"], order["cancelReason"] = iso(self.now), variables["reason"]
            if variables["refund"]:
                order["displayFinancialStatus"] = "REFUNDED"
        job = None if errors else {"id": f"gid://shopify/Job/{uuid.uuid4()}", "done": True}
        return {"orderCancel": {"job": job, "orderCancelUserErrors": errors, "userErrors": errors}}

    def _OrderUpdateShippingAddress(self, variables: Dict[str, Any], fields: List[Field]) -> Dict[str, Any]:
        given = variables.get("input") or {}
        address = given.get("shippingAddress") or {}
        unknown = sorted(
            (set(given) - schema.ORDER_INPUT) | {f"shippingAddress.{k}" for k in set(address) - schema.MAILING_ADDRESS_INPUT}
        )
        if unknown:
            raise Invalid(f"Variable $input of type OrderInput! was provided invalid value for {unknown[0]}", "INVALID_VARIABLE")
        order = self._by_id(given.get("id"))
        if order is None:
            return {"orderUpdate": {"order": None, "userErrors": [{"field": ["id"], "message": "Order does not exist"}]}}
        if "countryCode" in address and not re.fullmatch(r"[A-Z]{2}", str(address["countryCode"])):
            raise Invalid(
                "Variable $input of type OrderInput! was provided invalid value for shippingAddress.countryCode",
                "INVALID_VARIABLE",
            )
        if not address.get("zip"):
            error = {"field": ["shippingAddress", "zip"], "message": "Zip is invalid"}
            return {"orderUpdate": {"order": None, "userErrors": [error]}}
        first, last = address.get("firstName") or "", address.get("lastName") or ""
        order["shippingAddress"] = {
            "name": f"{first} {last}".strip(),
            "firstName": first,
            "lastName": last,
            "address1": address.get("address1"),
            "address2": address.get("address2") or None,
            "city": address.get("city"),
            "zip": address.get("zip"),
            "countryCodeV2": address.get("countryCode"),
        }
        return {"orderUpdate": {"order": order, "userErrors": []}}

    def _OrderInvoiceSend(self, variables: Dict[str, Any], fields: List[Field]) -> Dict[str, Any]:
        email = variables.get("email") or {}
        if set(email) - schema.EMAIL_INPUT:
            raise Invalid(
                f"Variable $email of type EmailInput was provided invalid value for {sorted(email)}", "INVALID_VARIABLE"
            )
        order = self._by_id(variables.get("id"))
        if order is None:
            error = {"field": ["id"], "message": "Order does not exist", "code": "ORDER_NOT_FOUND"}
            return {"orderInvoiceSend": {"order": None, "userErrors": [error]}}
        self.invoices.append((order["name"], email.get("to")))
        return {"orderInvoiceSend": {"order": order, "userErrors": []}}
