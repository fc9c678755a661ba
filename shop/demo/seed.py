"""Fill the demo shop from data/shop/orders.yml: every order missing from the database is added.

Dates in the file are days before the seeding day, so the demo looks current on
any day; orders already present are left as they are (a cancellation made in the
demo survives a restart).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Mapping, Optional

import yaml

from shop.demo.backend import DemoShop
from shop.demo.tables import LineRow, OrderRow, RefundRow, ShipmentRow
from shop.orders import OrderState, RefundState

SEED_FILE = Path(__file__).resolve().parents[2] / "data" / "shop" / "orders.yml"


class SeedError(ValueError):
    """The seed file is unusable; the message names the order and the key."""


def _cents(value: Any) -> int:
    return int((Decimal(str(value)) * 100).to_integral_value())


def _day(today: date, days_ago: Optional[int]) -> Optional[date]:
    return None if days_ago is None else today - timedelta(days=int(days_ago))


def _order_row(raw: Mapping[str, Any], carriers: Mapping[str, str], today: date) -> OrderRow:
    address = raw["address"]
    lines = [LineRow(title=li["title"], quantity=int(li["quantity"]), price_cents=_cents(li["price"])) for li in raw["lines"]]
    row = OrderRow(
        number=str(raw["number"]),
        email=str(raw["email"]).strip().casefold(),
        state=OrderState(raw["state"]).value,
        placed_on=_day(today, raw["placed_days_ago"]),
        currency=raw["currency"],
        total_cents=sum(line.price_cents * line.quantity for line in lines),
        ship_name=address["name"],
        ship_line1=address["line1"],
        ship_line2=address.get("line2", ""),
        ship_city=address["city"],
        ship_postcode=str(address["postcode"]),
        ship_country=address["country"],
        cancelled_on=_day(today, raw.get("cancelled_days_ago")),
    )
    row.lines = lines
    shipment = raw.get("shipment")
    if shipment:
        expected = shipment.get("expected_in_days")
        row.shipments = [
            ShipmentRow(
                carrier=shipment["carrier"],
                tracking_number=str(shipment["tracking_number"]),
                tracking_url=carriers[shipment["carrier"]].format(number=shipment["tracking_number"]),
                shipped_on=_day(today, shipment["shipped_days_ago"]),
                expected_on=None if expected is None else today + timedelta(days=int(expected)),
                delivered_on=_day(today, shipment.get("delivered_days_ago")),
            )
        ]
    refund = raw.get("refund")
    if refund:
        row.refunds = [
            RefundRow(
                amount_cents=_cents(refund["amount"]),
                method=refund["method"],
                state=RefundState(refund["state"]).value,
                requested_on=_day(today, refund["requested_days_ago"]),
                issued_on=_day(today, refund.get("issued_days_ago")),
            )
        ]
    return row


def load_seed(path: Path = SEED_FILE) -> Mapping[str, Any]:
    try:
        raw = yaml.safe_load(path.read_text())
        if not isinstance(raw, dict) or not isinstance(raw.get("orders"), list):
            raise SeedError(f"{path}: orders: expected a list of orders")
        return raw
    except (OSError, yaml.YAMLError) as error:
        raise SeedError(f"{path}: cannot be read: {error}") from None


def seed_rows(path: Path, today: date) -> list[OrderRow]:
    """The file's orders as rows dated from ``today``; a SeedError names the order that cannot be read."""
    raw = load_seed(path)
    carriers = raw.get("carriers") or {}
    rows = []
    for index, order in enumerate(raw["orders"]):
        try:
            rows.append(_order_row(order, carriers, today))
        except (KeyError, TypeError, ValueError, ArithmeticError, AttributeError) as error:
            raise SeedError(f"{path}: orders[{index}]: {type(error).__name__}: {error}") from None
    return rows


def seed(shop: DemoShop, path: Path = SEED_FILE) -> int:
    """Add the file's orders that the database lacks; return how many were added."""
    rows = seed_rows(path, shop.today())
    shop.create_tables()
    added = 0
    with shop.session() as session:
        present = {number for (number,) in session.query(OrderRow.number)}
        for row in rows:
            if row.number not in present:
                session.add(row)
                added += 1
    return added
