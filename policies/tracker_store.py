"""A SQL tracker store whose cost per message does not grow with the conversation.

Rasa 3.6's ``SQLTrackerStore.retrieve`` reads every event of the current session
and deserialises each one on every message; deserialising dominates (each event
walks the whole ``Event`` subclass tree to find its class), so a 60-turn
conversation spends tens of milliseconds per message just loading itself.

This store keeps the deserialised events of recently active conversations in
memory and, on each retrieve, reads only the rows added since (``id`` greater
than the last one seen). Rows written by other Rasa instances are picked up the
same way, so several instances can share one database; a new session (a
``session_started`` row) or anything unexpected falls back to a full load. The
database stays the only source of truth: nothing is ever served from memory
without first asking it what is new.

Configure it in endpoints.yml with the usual SQL keys::

    tracker_store:
      type: policies.tracker_store.IncrementalSQLTrackerStore
      dialect: sqlite
      db: var/tracker.db
      max_cached_conversations: 10000   # optional

(It lives in ``policies/`` with the project's other Rasa components.)
"""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Text

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

DEFAULT_MAX_CACHED_CONVERSATIONS = 10_000


@dataclass
class _Cached:
    events: List[Event]
    last_id: int


class IncrementalSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, max_cached_conversations: int = DEFAULT_MAX_CACHED_CONVERSATIONS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if int(max_cached_conversations) < 1:
            raise ValueError("tracker_store.max_cached_conversations must be at least 1")
        self.max_cached_conversations = int(max_cached_conversations)
        self._cache: OrderedDict[str, _Cached] = OrderedDict()
        # Sanic serves one event loop, but actions and the relay may reach the store from worker threads.
        self._lock = threading.Lock()

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        events = self._current_session_events(sender_id)
        if not events or not self.domain:
            return None
        return DialogueStateTracker.from_events(sender_id, events, self.domain.slots)

    def _current_session_events(self, sender_id: str) -> List[Event]:
        with self._lock:
            cached = self._cache.get(sender_id)
        with self.session_scope() as session:
            if cached is not None:
                rows = (
                    session.query(self.SQLEvent.id, self.SQLEvent.type_name, self.SQLEvent.data)
                    .filter(self.SQLEvent.sender_id == sender_id, self.SQLEvent.id > cached.last_id)
                    .order_by(self.SQLEvent.id)
                    .all()
                )
                if not any(row.type_name == SessionStarted.type_name for row in rows):
                    events = cached.events + [Event.from_parameters(json.loads(row.data)) for row in rows]
                    last_id = rows[-1].id if rows else cached.last_id
                    self._remember(sender_id, events, last_id)
                    return events
            rows = self._event_query(session, sender_id, fetch_events_from_all_sessions=False).all()
            events = [Event.from_parameters(json.loads(row.data)) for row in rows]
            if rows:
                self._remember(sender_id, events, rows[-1].id)
            return events

    def _remember(self, sender_id: str, events: List[Event], last_id: int) -> None:
        with self._lock:
            self._cache[sender_id] = _Cached(events, last_id)
            self._cache.move_to_end(sender_id)
            while len(self._cache) > self.max_cached_conversations:
                self._cache.popitem(last=False)

    def cached_conversations(self) -> Dict[str, int]:
        """Conversation id -> number of cached events (for tests and diagnostics)."""
        with self._lock:
            return {sender: len(entry.events) for sender, entry in self._cache.items()}
