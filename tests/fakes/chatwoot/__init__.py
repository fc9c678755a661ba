"""An in-process fake of Chatwoot's Application API, and webhook events as Chatwoot sends them.

Endpoints, under ``/api/v1/accounts/{account_id}`` (shapes from Chatwoot's OpenAPI files,
``swagger/`` in github.com/chatwoot/chatwoot, and its jbuilder views; documented at
https://www.chatwoot.com/developers/api/):

Each endpoint as ``request`` → answer [route name for ``fail``]:

- ``GET /contacts/search?q=`` → ``{"meta": {"count", "current_page"}, "payload": [contact]}``
  [``contacts.search``]
- ``POST /contacts`` → ``{"payload": {"contact", "contact_inbox": {"inbox", "source_id"}}}``,
  422 when the identifier is taken [``contacts.create``]
- ``POST /contacts/{id}/contact_inboxes`` → ``{"source_id", "inbox"}`` [``contact_inboxes.create``]
- ``GET /contacts/{id}/conversations`` → ``{"payload": [conversation]}`` [``contacts.conversations``]
- ``POST /conversations`` → conversation, ``id`` being the display id [``conversations.create``]
- ``GET /conversations/{id}`` → conversation [``conversations.show``]
- ``POST /conversations/{id}/toggle_status`` → ``{"meta": {}, "payload": {"success",
  "conversation_id", "current_status", "snoozed_until"}}`` [``conversations.toggle``]
- ``GET /conversations/{id}/messages`` → ``{"meta": {...}, "payload": [message]}``, the
  latest 20 [``messages.index``]
- ``POST /conversations/{id}/messages`` → message; ``incoming`` reopens a resolved
  conversation [``messages.create``]

Contacts carry ``contact_inboxes`` (``[{"source_id", "inbox"}]``); conversations follow
``api/v1/conversations/partials/_conversation`` (``meta.sender``, ``meta.assignee``,
``custom_attributes``, ``status``, ...); messages ``message_type`` is an integer
(0 incoming, 1 outgoing, 2 activity, 3 template) and keep ``source_id`` and
``content_attributes``. Without the ``api_access_token`` header (or with another token)
every endpoint answers 401 ``{"error": "Invalid Access Token"}``; unknown ids 404
``{"error": "Resource could not be found"}``.

Switches: ``fail(route, kind, times)`` makes the next calls of a route fail (``FAILURES``:
``http_503``, ``http_500``, ``ratelimited``, ``http_401``, ``http_404``, ``http_422``,
``disconnect`` (no answer, nothing done), ``lost`` (done, then the answer is lost),
``slow``); ``go_down("http_503" | "disconnect" | "refused")`` fails everything until
``come_back()`` (``refused`` closes the port). Every request is recorded (``requests``).

Webhooks (https://www.chatwoot.com/docs/product/others/webhook-events):
``message_created_event``, ``conversation_status_changed_event`` and
``conversation_updated_event`` build payloads; ``signed_webhook`` signs them like Chatwoot
(``X-Chatwoot-Signature: sha256=<hmac of "{timestamp}.{body}">``, ``X-Chatwoot-Timestamp``,
``X-Chatwoot-Delivery``), or ``forged``, ``stale`` (replayed) or ``unsigned``.

Modules: ``server`` (``FakeChatwoot``: HTTP, switches, recorded requests), ``endpoints``
(one method a route), ``records`` (Chatwoot's side: contacts, conversations, messages and
their JSON views), ``webhooks`` (events and their signatures); the names tests use are
imported from here.
"""

from __future__ import annotations

from tests.fakes.chatwoot.endpoints import PAGE_SIZE, STATUSES
from tests.fakes.chatwoot.records import MESSAGE_TYPES
from tests.fakes.chatwoot.server import FAILURES, FakeChatwoot, Recorded
from tests.fakes.chatwoot.webhooks import (
    SignedWebhook,
    agent,
    conversation_status_changed_event,
    conversation_updated_event,
    message_created_event,
    signed_webhook,
)

__all__ = [
    "FAILURES",
    "MESSAGE_TYPES",
    "PAGE_SIZE",
    "STATUSES",
    "FakeChatwoot",
    "Recorded",
    "SignedWebhook",
    "agent",
    "conversation_status_changed_event",
    "conversation_updated_event",
    "message_created_event",
    "signed_webhook",
]
