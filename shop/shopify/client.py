"""A small client for Shopify's GraphQL Admin API: one POST per operation, typed errors.

``POST {base_url}/admin/api/{api_version}/graphql.json`` with the ``X-Shopify-Access-Token``
header (https://shopify.dev/docs/api/admin-graphql#authentication); ``base_url`` is
``https://{shop_domain}`` unless a test points it at a fake. Every request has an
explicit (connect, read) timeout.

What goes wrong, and what the caller gets (all :class:`~shop.errors.ShopUnavailable`, so
the customer always hears the same "the order system can't be reached right now"):

- network error, timeout, HTTP 5xx, an answer that is not GraphQL JSON: ``ShopUnavailable``;
- HTTP 401/403, or a GraphQL ``ACCESS_DENIED`` error: :class:`ShopifyAuthError`. The token
  is wrong or lacks a scope: only an operator can fix it, so it is logged at ERROR, but
  to the dialogue it is one more way of the shop being unreachable (no new branch);
- throttling, either cost-based (HTTP 200, ``errors[].extensions.code == "THROTTLED"``,
  https://shopify.dev/docs/api/usage/limits) or HTTP 429 with ``Retry-After``: retried
  up to ``max_throttle_retries`` times after waiting what Shopify says is needed
  (``(requestedQueryCost - currentlyAvailable) / restoreRate`` or ``Retry-After``); a
  throttled request was not executed, so retrying a mutation is safe. A wait longer
  than ``max_throttle_wait`` is not waited for (a customer is in the chat):
  :class:`ShopifyThrottled` at once;
- any other GraphQL error (a field the API version does not know: a bug or an API
  change): :class:`ShopifyQueryError`, with Shopify's messages.

The access token is never logged and never part of an error or a repr: it is kept in a
:class:`Secret` and sent only in the header.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Callable, Dict, List, Mapping, Optional, Union

import requests

from shop.errors import ShopUnavailable

logger = logging.getLogger(__name__)

DEFAULT_API_VERSION = "2025-01"
# Slightly above a multiple of 3 s (TCP's SYN retransmission), and never above the read timeout.
CONNECT_TIMEOUT = 3.05
# When Shopify's throttle answer lacks the figures to compute a wait.
FALLBACK_THROTTLE_WAIT = 1.0


class ShopifyAuthError(ShopUnavailable):
    """Shopify refused the access token or its scopes (401/403, ACCESS_DENIED): an operator must fix the configuration."""


class ShopifyThrottled(ShopUnavailable):
    """Still throttled after the allowed retries, or the wait Shopify asks for is too long for a chat."""


class ShopifyQueryError(ShopUnavailable):
    """Shopify rejected the GraphQL document itself (unknown field, bad argument): a bug or an API version change."""


class Secret:
    """A string that never shows itself in a repr, a log line or a traceback's locals."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)


def _number(value: Any) -> Optional[float]:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def throttle_wait(body: Mapping[str, Any]) -> float:
    """Seconds until the cost bucket holds the request again, from ``extensions.cost`` of a THROTTLED answer."""
    cost = (body.get("extensions") or {}).get("cost") or {}
    status = cost.get("throttleStatus") or {}
    requested = _number(cost.get("requestedQueryCost"))
    available = _number(status.get("currentlyAvailable"))
    rate = _number(status.get("restoreRate"))
    if requested is None or available is None or not rate or rate <= 0:
        return FALLBACK_THROTTLE_WAIT
    return max(requested - available, 0.0) / rate


def _retry_after(reply: requests.Response) -> float:
    try:
        return max(float(reply.headers.get("Retry-After", "")), 0.0)
    except ValueError:
        return FALLBACK_THROTTLE_WAIT


def _codes(errors: List[Any]) -> List[str]:
    return [str((e.get("extensions") or {}).get("code", "")) for e in errors if isinstance(e, Mapping)]


def _messages(errors: Any) -> str:
    """Shopify's own words, bounded; ``errors`` is a list of GraphQL errors or, on HTTP errors, a plain string."""
    if isinstance(errors, str):
        texts = [errors]
    elif isinstance(errors, list):
        texts = [str(e.get("message", "")) if isinstance(e, Mapping) else str(e) for e in errors]
    else:
        texts = [repr(errors)]
    return " ".join("; ".join(texts).split())[:300]


class ShopifyClient:
    def __init__(
        self,
        shop_domain: str,
        access_token: str,
        api_version: str = DEFAULT_API_VERSION,
        timeout_seconds: float = 5.0,
        *,
        base_url: Optional[str] = None,
        max_throttle_retries: int = 2,
        max_throttle_wait: float = 5.0,
        sleep: Callable[[float], None] = time.sleep,
        session: Optional[requests.Session] = None,
    ) -> None:
        self.shop_domain = shop_domain
        self.api_version = api_version
        self.endpoint = f"{(base_url or f'https://{shop_domain}').rstrip('/')}/admin/api/{api_version}/graphql.json"
        self.timeout = (min(CONNECT_TIMEOUT, float(timeout_seconds)), float(timeout_seconds))
        self.max_throttle_retries = max_throttle_retries
        self.max_throttle_wait = max_throttle_wait
        self._token = Secret(access_token)
        self._sleep = sleep
        self._session = session or requests.Session()

    def __repr__(self) -> str:
        return f"ShopifyClient(endpoint={self.endpoint!r}, access_token='***', timeout={self.timeout!r})"

    def execute(self, operation: str, document: str, variables: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
        """The ``data`` of a successful answer to the named operation in ``document``, or a ShopUnavailable."""
        payload = {"query": document, "operationName": operation, "variables": dict(variables or {})}
        for attempt in range(self.max_throttle_retries + 1):
            wait = self._attempt(operation, payload)
            if isinstance(wait, dict):
                return wait
            if attempt == self.max_throttle_retries:
                break
            if wait > self.max_throttle_wait:
                logger.warning("shopify %s: throttled; the %.1f s wait is longer than a chat can wait", operation, wait)
                raise ShopifyThrottled(f"shopify {operation}: throttled, {wait:.1f} s needed")
            retry = f"{attempt + 1} of {self.max_throttle_retries}"
            logger.warning("shopify %s: throttled; retry %s in %.2f s", operation, retry, wait)
            self._sleep(wait)
        logger.warning("shopify %s: still throttled after %d retries", operation, self.max_throttle_retries)
        raise ShopifyThrottled(f"shopify {operation}: still throttled after {self.max_throttle_retries} retries")

    def _attempt(self, operation: str, payload: Mapping[str, Any]) -> Union[Dict[str, Any], float]:
        """The answer's ``data``, or the seconds to wait before trying again (throttled)."""
        where = f"shopify {operation}"
        try:
            reply = self._session.post(
                self.endpoint,
                json=payload,
                headers={"X-Shopify-Access-Token": self._token.reveal(), "Accept": "application/json"},
                timeout=self.timeout,
            )
        except requests.Timeout:
            raise ShopUnavailable(f"{where}: no answer within {self.timeout[1]} s") from None
        except requests.RequestException as error:
            # The exception's text may hold the URL, never the header; its class is enough to say what failed.
            raise ShopUnavailable(f"{where}: {type(error).__name__}") from None
        status = reply.status_code
        if status == 429:
            return _retry_after(reply)
        if status in (401, 403):
            logger.error("%s: HTTP %d: the access token was refused; check shop.access_token and the app's scopes", where, status)
            raise ShopifyAuthError(f"{where}: HTTP {status}: access token refused")
        if status != 200:
            raise ShopUnavailable(f"{where}: HTTP {status}")
        try:
            body = reply.json()
        except ValueError:
            raise ShopUnavailable(f"{where}: HTTP 200 with a body that is not JSON") from None
        if not isinstance(body, dict):
            raise ShopUnavailable(f"{where}: HTTP 200 with JSON that is not an object")
        errors = body.get("errors")
        if errors:
            codes = _codes(errors) if isinstance(errors, list) else []
            if "THROTTLED" in codes:
                return throttle_wait(body)
            if "ACCESS_DENIED" in codes:
                logger.error("%s: access denied (%s); the app lacks a scope", where, _messages(errors))
                raise ShopifyAuthError(f"{where}: access denied: {_messages(errors)}")
            logger.error("%s: GraphQL errors: %s", where, _messages(errors))
            raise ShopifyQueryError(f"{where}: {_messages(errors)}")
        data = body.get("data")
        if not isinstance(data, dict):
            raise ShopUnavailable(f"{where}: answer without data")
        return data
