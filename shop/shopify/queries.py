"""The GraphQL documents Tandem sends to Shopify, checked against the GraphQL Admin API reference (version 2025-01).

Every dynamic value travels in ``variables``, never spliced into a document, so an
order number or an email typed in the chat cannot change a query. Each document
selects one order shape (``ORDER``), so every answer maps the same way.
"""

from __future__ import annotations

# Order: https://shopify.dev/docs/api/admin-graphql/2025-01/objects/Order
#   displayFinancialStatus https://shopify.dev/docs/api/admin-graphql/2025-01/enums/OrderDisplayFinancialStatus
#   displayFulfillmentStatus https://shopify.dev/docs/api/admin-graphql/2025-01/enums/OrderDisplayFulfillmentStatus
#   returnStatus https://shopify.dev/docs/api/admin-graphql/2025-01/enums/OrderReturnStatus
#   shippingAddress (MailingAddress) https://shopify.dev/docs/api/admin-graphql/2025-01/objects/MailingAddress
#   fulfillments https://shopify.dev/docs/api/admin-graphql/2025-01/objects/Fulfillment
#     (displayStatus https://shopify.dev/docs/api/admin-graphql/2025-01/enums/FulfillmentDisplayStatus)
#   refunds https://shopify.dev/docs/api/admin-graphql/2025-01/objects/Refund
#     (transactions https://shopify.dev/docs/api/admin-graphql/2025-01/objects/OrderTransaction)
# Money is taken in the shop's currency (shopMoney), as the demo shop keeps it.
ORDER = """
    id
    name
    email
    createdAt
    cancelledAt
    displayFinancialStatus
    displayFulfillmentStatus
    returnStatus
    totalPriceSet { shopMoney { amount currencyCode } }
    shippingAddress { name firstName lastName address1 address2 city zip countryCodeV2 }
    lineItems(first: 50) { nodes { title quantity originalUnitPriceSet { shopMoney { amount currencyCode } } } }
    fulfillments(first: 10) {
      status
      displayStatus
      createdAt
      estimatedDeliveryAt
      deliveredAt
      trackingInfo(first: 1) { company number url }
    }
    refunds(first: 10) {
      createdAt
      totalRefundedSet { shopMoney { amount currencyCode } }
      transactions(first: 5) { nodes { gateway status processedAt } }
    }
"""

# orders(query:) https://shopify.dev/docs/api/admin-graphql/2025-01/queries/orders
# with the search syntax https://shopify.dev/docs/api/usage/search-syntax (filter ``name``).
# The search may match more than the exact name: the backend keeps only the exact one.
FIND_BY_NAME = "FindOrderByName"
FIND_BY_NAME_DOCUMENT = f"""
query {FIND_BY_NAME}($query: String!) {{
  orders(first: 5, query: $query) {{ nodes {{ {ORDER} }} }}
}}
"""

# orders(query: "email:...", sortKey: CREATED_AT, reverse: true): newest first.
# https://shopify.dev/docs/api/admin-graphql/2025-01/queries/orders
# https://shopify.dev/docs/api/admin-graphql/2025-01/enums/OrderSortKeys
ORDERS_OF_CUSTOMER = "OrdersOfCustomer"
ORDERS_OF_CUSTOMER_LIMIT = 50
ORDERS_OF_CUSTOMER_DOCUMENT = f"""
query {ORDERS_OF_CUSTOMER}($query: String!) {{
  orders(first: {ORDERS_OF_CUSTOMER_LIMIT}, query: $query, sortKey: CREATED_AT, reverse: true) {{ nodes {{ {ORDER} }} }}
}}
"""

# orderCancel https://shopify.dev/docs/api/admin-graphql/2025-01/mutations/orderCancel
# (payload: job, orderCancelUserErrors https://shopify.dev/docs/api/admin-graphql/2025-01/objects/OrderCancelUserError,
# codes https://shopify.dev/docs/api/admin-graphql/2025-01/enums/OrderCancelUserErrorCode). Cancelling runs
# as a background job. In 2025-01 the refund is the Boolean ``refund``; later versions document
# ``refundMethod: {originalPaymentMethodsRefund: true}`` instead: change both when moving api_version on.
CANCEL = "OrderCancel"
CANCEL_DOCUMENT = f"""
mutation {CANCEL}($orderId: ID!, $reason: OrderCancelReason!, $refund: Boolean!, $restock: Boolean!, $notifyCustomer: Boolean) {{
  orderCancel(orderId: $orderId, reason: $reason, refund: $refund, restock: $restock, notifyCustomer: $notifyCustomer) {{
    job {{ id done }}
    orderCancelUserErrors {{ field message code }}
  }}
}}
"""

# orderUpdate(input: OrderInput) https://shopify.dev/docs/api/admin-graphql/2025-01/mutations/orderUpdate
# OrderInput.shippingAddress (MailingAddressInput: firstName lastName address1 address2 city zip countryCode)
# https://shopify.dev/docs/api/admin-graphql/2025-01/input-objects/MailingAddressInput
UPDATE_ADDRESS = "OrderUpdateShippingAddress"
UPDATE_ADDRESS_DOCUMENT = f"""
mutation {UPDATE_ADDRESS}($input: OrderInput!) {{
  orderUpdate(input: $input) {{
    order {{ {ORDER} }}
    userErrors {{ field message }}
  }}
}}
"""

# orderInvoiceSend(id:, email: EmailInput) https://shopify.dev/docs/api/admin-graphql/2025-01/mutations/orderInvoiceSend
# EmailInput.to https://shopify.dev/docs/api/admin-graphql/2025-01/input-objects/EmailInput
INVOICE = "OrderInvoiceSend"
INVOICE_DOCUMENT = f"""
mutation {INVOICE}($id: ID!, $email: EmailInput) {{
  orderInvoiceSend(id: $id, email: $email) {{
    order {{ id }}
    userErrors {{ field message code }}
  }}
}}
"""


def search_value(value: str) -> str:
    """``value`` as one quoted term of Shopify's search syntax (quotes and backslashes escaped)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
