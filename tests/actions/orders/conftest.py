"""A demo shop (shop/demo) seeded on a pinned day, as the actions' backend for one test."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import pytest

from actions.orders.shop_client import set_shop_backend
from core.clock import FixedClock
from core.db import create_engine
from shop.demo import DemoShop
from shop.demo.seed import seed


@pytest.fixture
def shop(tmp_path: Path, pin_clock) -> Iterator[DemoShop]:
    at = datetime(2026, 12, 8, 10, 30, tzinfo=timezone.utc)
    pin_clock(at)
    engine = create_engine(f"sqlite:///{tmp_path / 'shop.db'}")
    demo = DemoShop(engine, FixedClock(at))
    seed(demo)
    set_shop_backend(demo)
    yield demo
    set_shop_backend(None)
    engine.dispose()
