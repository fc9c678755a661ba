"""A Shopify store through the GraphQL Admin API: ``ShopifyClient`` (transport, errors) and ``ShopifyShop`` (the backend)."""

from shop.shopify.backend import ShopifyShop
from shop.shopify.client import ShopifyAuthError, ShopifyClient

__all__ = ["ShopifyAuthError", "ShopifyClient", "ShopifyShop"]
