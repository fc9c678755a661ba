"""An order as the bot may talk about it, whichever system it came from.

Only what a customer asks about is here: state, items, delivery address, shipment
and refunds. The email and postcode are kept for verification and never shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Optional, Tuple


class OrderState(str, Enum):
    PROCESSING = "processing"  # paid, not yet picked
    PACKED = "packed"  # picked and packed, waiting for the carrier
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    RETURNED = "returned"  # back in the warehouse, refund follows
    REFUNDED = "refunded"
    CANCELLED = "cancelled"


# Before the carrier has it, the shop can still stop or redirect a parcel.
NOT_DISPATCHED = frozenset({OrderState.PROCESSING, OrderState.PACKED})


class RefundState(str, Enum):
    PENDING = "pending"  # approved, money not yet sent
    ISSUED = "issued"  # sent to the payment method; the bank may take days


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    def __str__(self) -> str:
        return f"{self.amount:.2f} {self.currency}"


@dataclass(frozen=True)
class Address:
    name: str
    line1: str
    city: str
    postcode: str
    country: str
    line2: str = ""


@dataclass(frozen=True)
class OrderLine:
    title: str
    quantity: int
    price: Money


@dataclass(frozen=True)
class Shipment:
    carrier: str
    tracking_number: str
    tracking_url: str
    shipped_on: date
    expected_on: Optional[date] = None
    delivered_on: Optional[date] = None


@dataclass(frozen=True)
class Refund:
    amount: Money
    method: str  # card, paypal, gift_card, bank_transfer: how long it takes is in the knowledge base
    state: RefundState
    requested_on: date
    issued_on: Optional[date] = None


@dataclass(frozen=True)
class Order:
    number: str  # canonical digits (shop.order_numbers)
    email: str
    state: OrderState
    placed_on: date
    total: Money
    shipping_address: Address
    lines: Tuple[OrderLine, ...] = ()
    shipments: Tuple[Shipment, ...] = ()
    refunds: Tuple[Refund, ...] = field(default_factory=tuple)
    cancelled_on: Optional[date] = None

    @property
    def postcode(self) -> str:
        return self.shipping_address.postcode

    @property
    def can_cancel(self) -> bool:
        return self.state in NOT_DISPATCHED

    @property
    def can_change_address(self) -> bool:
        return self.state in NOT_DISPATCHED

    @property
    def latest_shipment(self) -> Optional[Shipment]:
        return max(self.shipments, key=lambda s: s.shipped_on) if self.shipments else None
