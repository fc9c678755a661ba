"""The handoff packet: what a human agent gets when the bot hands over a conversation.

Public API (the handoff action, the store and the connectors code against it):

- :func:`build_packet` (tracker, *, handoff_id, now, pseudonym_key,
  queue_position=None, expected_wait_minutes=None, topics=None) -> dict: pure and deterministic; why the
  handoff happened comes from the escalation policy's recorded decision (core/escalation/record.py);
- :func:`load_topics` (path, known_intents=None, known_reasons=None) -> :class:`Topics`: the designers'
  summary sentences per topic and reason (data/topics.yml), or :class:`TopicsError` naming file, key, reason;
- :func:`validate_packet` (packet): raises :class:`PacketError` naming the JSON path and reason;
- :func:`render_text` (packet) -> str: the short note an agent reads;
- :func:`redact` (text) -> str and :func:`pseudonym` (sender_id, key) -> ``cus_<16 hex>``;
- ``PACKET_SCHEMA_ID`` (``tandem.handoff/1``), the ``$id`` of ``handoff_packet.v1.schema.json``.
"""

from __future__ import annotations

from core.packet.build import build_packet
from core.packet.redaction import pseudonym, redact
from core.packet.render import render_text
from core.packet.topics import Topics, TopicsError, load_topics
from core.packet.validate import PACKET_SCHEMA_ID, PacketError, packet_schema, validate_packet

__all__ = [
    "PACKET_SCHEMA_ID",
    "PacketError",
    "build_packet",
    "packet_schema",
    "pseudonym",
    "redact",
    "render_text",
    "Topics",
    "TopicsError",
    "load_topics",
    "validate_packet",
]
