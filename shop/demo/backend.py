"""The demo shop behind :class:`~shop.backend.ShopBackend`, on any SQLAlchemy database.

Changes lock the order's row (``SELECT ... FOR UPDATE`` where the database has it)
and check its state inside the same transaction, so two replicas cancelling and
re-addressing the same order at once cannot both succeed.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Iterator, List, Optional

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from core.clock import Clock, SystemClock
from shop.demo.tables import Base, EmailRow, OrderRow
from shop.errors import NotAllowed, OrderNotFound, ShopUnavailable
from shop.orders import Address, Money, Order, OrderLine, OrderState, Refund, RefundState, Shipment


def money(cents: int, currency: str) -> Money:
    return Money(Decimal(cents) / 100, currency)


def to_order(row: OrderRow) -> Order:
    return Order(
        number=row.number,
        email=row.email,
        state=OrderState(row.state),
        placed_on=row.placed_on,
        total=money(row.total_cents, row.currency),
        shipping_address=Address(
            name=row.ship_name,
            line1=row.ship_line1,
            line2=row.ship_line2 or "",
            city=row.ship_city,
            postcode=row.ship_postcode,
            country=row.ship_country,
        ),
        lines=tuple(OrderLine(line.title, line.quantity, money(line.price_cents, row.currency)) for line in row.lines),
        shipments=tuple(
            Shipment(s.carrier, s.tracking_number, s.tracking_url, s.shipped_on, s.expected_on, s.delivered_on)
            for s in row.shipments
        ),
        refunds=tuple(
            Refund(money(r.amount_cents, row.currency), r.method, RefundState(r.state), r.requested_on, r.issued_on)
            for r in row.refunds
        ),
        cancelled_on=row.cancelled_on,
    )


class DemoShop:
    def __init__(self, engine: Engine, clock: Optional[Clock] = None) -> None:
        self._engine = engine
        self._sessions = sessionmaker(bind=engine, expire_on_commit=False)
        self._clock = clock or SystemClock()

    def create_tables(self) -> None:
        with self._unavailable_on_error():
            Base.metadata.create_all(self._engine)

    def today(self) -> date:
        return self._clock.now().date()

    @contextmanager
    def _unavailable_on_error(self) -> Iterator[None]:
        try:
            yield
        except (DBAPIError, SQLAlchemyError) as error:
            # The database is the order system here: unreachable, locked or broken are all "down".
            raise ShopUnavailable(f"demo shop database: {type(error).__name__}") from error

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction; database errors become ShopUnavailable."""
        with self._unavailable_on_error(), self._sessions.begin() as session:
            yield session

    def _locked(self, session: Session, number: str) -> OrderRow:
        row = session.query(OrderRow).filter_by(number=number).with_for_update().one_or_none()
        if row is None:
            raise OrderNotFound(number)
        return row

    def find_order(self, number: str) -> Optional[Order]:
        with self.session() as session:
            row = session.get(OrderRow, number)
            return to_order(row) if row is not None else None

    def orders_of_customer(self, email: str) -> List[Order]:
        with self.session() as session:
            rows = session.query(OrderRow).filter(OrderRow.email == email.strip().casefold())
            return [to_order(row) for row in rows.order_by(OrderRow.placed_on.desc(), OrderRow.number.desc())]

    def cancel_order(self, number: str) -> Order:
        with self.session() as session:
            row = self._locked(session, number)
            order = to_order(row)
            if not order.can_cancel:
                raise NotAllowed("already_cancelled" if order.state is OrderState.CANCELLED else "already_dispatched")
            row.state = OrderState.CANCELLED.value
            row.cancelled_on = self.today()
            session.flush()
            return to_order(row)

    def change_address(self, number: str, address: Address) -> Order:
        with self.session() as session:
            row = self._locked(session, number)
            if not to_order(row).can_change_address:
                raise NotAllowed("already_dispatched")
            row.ship_name, row.ship_line1, row.ship_line2 = address.name, address.line1, address.line2
            row.ship_city, row.ship_postcode, row.ship_country = address.city, address.postcode, address.country
            session.flush()
            return to_order(row)

    def resend_invoice(self, number: str) -> None:
        with self.session() as session:
            self._locked(session, number)
            session.add(EmailRow(order_number=number, kind="invoice", sent_at=self._clock.now().replace(tzinfo=None)))
