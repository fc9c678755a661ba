"""Chatwoot connector contract, against the local fake of Chatwoot's Application API (tests/fakes/chatwoot/).

Outbound (test_connector.py): ``ChatwootConnector.deliver`` leaves exactly one contact,
conversation, private note and ``open`` status per handoff, even when a delivery fails
midway and is retried; errors are classified for the dispatcher (test_client.py).
Inbound (test_inbound.py): ``ChatwootAgentInput`` is mounted on a real Sanic server the
way Rasa mounts channels and fed signed webhook events. Configuration: test_config.py.
End to end through a running stack: test_stack.py.
What the modules share: harness.py (constants, outbox items, the inbound client) and
conftest.py (fixtures).

Chatwoot documentation the shapes come from:

- API reference https://www.chatwoot.com/developers/api/ (OpenAPI source: ``swagger/`` in
  github.com/chatwoot/chatwoot):
  - contacts: search https://developers.chatwoot.com/api-reference/contacts/search-contacts ,
    contact inboxes https://developers.chatwoot.com/api-reference/contacts/create-contact-inbox ,
    create and a contact's conversations: ``swagger/paths/application/contacts/list_create.yml`` and
    ``contacts/conversations.yml`` (responses per ``app/views/api/v1/accounts/contacts/*.json.jbuilder``)
  - conversations: create (``source_id``, ``inbox_id``, ``contact_id``, ``custom_attributes``, ``status``)
    https://developers.chatwoot.com/api-reference/conversations/create-new-conversation ,
    toggle status https://developers.chatwoot.com/api-reference/conversations/toggle-status
  - messages: create (``content``, ``message_type`` incoming/outgoing, ``private``, ``content_attributes``)
    https://developers.chatwoot.com/api-reference/messages/create-new-message ,
    list https://developers.chatwoot.com/api-reference/messages
- API channel and ``source_id``:
  https://www.chatwoot.com/hc/user-guide/articles/1677839703-how-to-create-an-api-channel-inbox
- webhook events and payloads (``message_created``, ``conversation_status_changed``,
  ``conversation_updated`` with ``changed_attributes``): https://www.chatwoot.com/docs/product/others/webhook-events
- webhooks setup https://www.chatwoot.com/hc/user-guide/articles/1677693021-how-to-use-webhooks ;
  signatures (``X-Chatwoot-Signature: sha256=HMAC(secret, "{timestamp}.{body}")``,
  ``X-Chatwoot-Timestamp``; ``X-Chatwoot-Delivery`` per delivery) as verified by connectors/signing.py
"""
