"""The demo shop's tables. Dates are plain dates; money is stored in cents so SQLite and PostgreSQL agree."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Date, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import declarative_base, relationship

# SQLAlchemy 1.4 ships without types: the declarative base is Any to the type checker.
Base: Any = declarative_base()


class OrderRow(Base):
    __tablename__ = "shop_orders"

    number = Column(String(16), primary_key=True)
    email = Column(String(320), nullable=False, index=True)
    state = Column(String(16), nullable=False)
    placed_on = Column(Date, nullable=False)
    currency = Column(String(3), nullable=False)
    total_cents = Column(Integer, nullable=False)
    ship_name = Column(String(200), nullable=False)
    ship_line1 = Column(String(200), nullable=False)
    ship_line2 = Column(String(200), nullable=False, default="")
    ship_city = Column(String(100), nullable=False)
    ship_postcode = Column(String(20), nullable=False)
    ship_country = Column(String(2), nullable=False)
    cancelled_on = Column(Date, nullable=True)

    lines = relationship("LineRow", order_by="LineRow.id", lazy="selectin")
    shipments = relationship("ShipmentRow", order_by="ShipmentRow.id", lazy="selectin")
    refunds = relationship("RefundRow", order_by="RefundRow.id", lazy="selectin")


class LineRow(Base):
    __tablename__ = "shop_order_lines"

    id = Column(Integer, primary_key=True, autoincrement=True)
    order_number = Column(String(16), ForeignKey("shop_orders.number"), nullable=False, index=True)
    title = Column(String(200), nullable=False)
    quantity = Column(Integer, nullable=False)
    price_cents = Column(Integer, nullable=False)


class ShipmentRow(Base):
    __tablename__ = "shop_shipments"

    id = Column(Integer, primary_key=True, autoincrement=True)
    order_number = Column(String(16), ForeignKey("shop_orders.number"), nullable=False, index=True)
    carrier = Column(String(40), nullable=False)
    tracking_number = Column(String(64), nullable=False)
    tracking_url = Column(String(500), nullable=False)
    shipped_on = Column(Date, nullable=False)
    expected_on = Column(Date, nullable=True)
    delivered_on = Column(Date, nullable=True)


class RefundRow(Base):
    __tablename__ = "shop_refunds"

    id = Column(Integer, primary_key=True, autoincrement=True)
    order_number = Column(String(16), ForeignKey("shop_orders.number"), nullable=False, index=True)
    amount_cents = Column(Integer, nullable=False)
    method = Column(String(20), nullable=False)
    state = Column(String(10), nullable=False)
    requested_on = Column(Date, nullable=False)
    issued_on = Column(Date, nullable=True)


class EmailRow(Base):
    """What the demo shop would have emailed (an invoice resent): the demo has no mail server."""

    __tablename__ = "shop_emails"

    id = Column(Integer, primary_key=True, autoincrement=True)
    order_number = Column(String(16), ForeignKey("shop_orders.number"), nullable=False, index=True)
    kind = Column(String(20), nullable=False)
    sent_at = Column(DateTime, nullable=False)
