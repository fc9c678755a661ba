"""The shop's systems behind one interface: orders, their shipments and refunds.

Actions ask a :class:`~shop.backend.ShopBackend` (the demo shop on SQLAlchemy, or a
Shopify store) and never see which one answers. Nothing here imports Rasa; it sits
beside ``rasa_extensions`` above ``core`` in the layers (pyproject.toml).
"""
