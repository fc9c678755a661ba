"""The demo shop: Acme Store's orders in a SQL database (SQLite by default), seeded from data/shop/orders.yml."""

from shop.demo.backend import DemoShop

__all__ = ["DemoShop"]
