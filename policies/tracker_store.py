"""A SQL tracker store whose cost per message does not grow with the conversation.

Rasa 3.6's ``SQLTrackerStore.retrieve`` reads every event of the current session
and deserialises each one on every message; deserialising dominates (each event
walks the whole ``Event`` subclass tree to find its class), so a 60-turn
conversation spends tens of milliseconds per message just loading itself.

This store keeps recently active conversations in memory, as trackers, and on
each retrieve reads only the rows added since (``id`` greater than the last one
seen), applies them to a copy of the kept tracker and returns that copy: no
replay of the whole conversation, and the copy keeps the memos of its events
(rasa_extensions/patches.py). Rows written by other Rasa instances are picked up the
same way, so several instances can share one database; a new session (a
``session_started`` row) or anything unexpected falls back to a full load. The
database stays the only source of truth: nothing is ever served from memory
without first asking it what is new.

Saving uses the same cache: Rasa counts the stored rows of the session to find
the tracker's new events; this store checks that nothing was stored since its
last read (one indexed lookup) and appends the events beyond the cached ones,
falling back to Rasa's count otherwise. SQLite files run in write-ahead-log
mode (core/db.py), so a commit does not wait for the disk.

Configure it in endpoints.yml with the usual SQL keys::

    tracker_store:
      type: policies.tracker_store.IncrementalSQLTrackerStore
      dialect: sqlite
      db: var/tracker.db
      max_cached_conversations: 10000   # optional

(It lives in ``policies/`` with the project's other Rasa components.)
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Dict, Generator, Optional, Text

import rasa.shared.utils.cli
from rasa.core.tracker_store import SQLTrackerStore, ensure_schema_exists
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, sessionmaker

from core import db

logger = logging.getLogger(__name__)

DEFAULT_MAX_CACHED_CONVERSATIONS = 10_000


@dataclass
class _Cached:
    tracker: DialogueStateTracker  # never handed out: callers get copies
    last_id: int
    domain: Any  # the domain whose slots the tracker was built with

    @property
    def events(self) -> Any:
        return self.tracker.events


class IncrementalSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, max_cached_conversations: int = DEFAULT_MAX_CACHED_CONVERSATIONS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if int(max_cached_conversations) < 1:
            raise ValueError("tracker_store.max_cached_conversations must be at least 1")
        self.max_cached_conversations = int(max_cached_conversations)
        self._cache: OrderedDict[str, _Cached] = OrderedDict()
        # Sanic serves one event loop, but actions and the relay may reach the store from worker threads.
        self._lock = threading.Lock()
        if db.is_file(self.engine.url):
            # Rasa's engine opens a new SQLite connection for every query; this one keeps them.
            self.engine.dispose()
            self.engine = db.create_engine(self.engine.url)
            self.sessionmaker = sessionmaker(bind=self.engine)
        # Core statements built once: SQLAlchemy caches their compiled form, where an ORM
        # query is rebuilt and compiled on every message.
        table = self.SQLEvent.__table__
        self._rows_after = (
            select(table.c.id, table.c.type_name, table.c.data)
            .where(table.c.sender_id == bindparam("sender_id"), table.c.id > bindparam("after"))
            .order_by(table.c.id)
        )
        self._last_row_id = select(func.max(table.c.id)).where(table.c.sender_id == bindparam("sender_id"))
        self._insert = table.insert()

    @contextlib.contextmanager
    def session_scope(self) -> Generator[Session, None, None]:
        """Rasa's scope without its exit: Rasa reads any ``ValueError`` raised inside the scope
        (an unencodable text, say) as "schema not found" and stops the server. Here only a
        missing schema is fatal, found before the caller's work; anything else is the caller's error."""
        session = self.sessionmaker()
        try:
            try:
                ensure_schema_exists(session)
            except ValueError as error:
                rasa.shared.utils.cli.print_error_and_exit(f"PostgreSQL schema '{error}' was not found in the database.")
            yield session
        finally:
            session.close()

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        if not self.domain:
            return None
        with self._lock:
            cached = self._cache.get(sender_id)
        if cached is not None and cached.domain is self.domain:
            with self.engine.connect() as connection:
                rows = connection.execute(self._rows_after, {"sender_id": sender_id, "after": cached.last_id}).all()
            if not any(row.type_name == SessionStarted.type_name for row in rows):
                tracker = cached.tracker.copy()
                for row in rows:
                    tracker.update(Event.from_parameters(json.loads(row.data)))
                if rows:
                    self._remember(sender_id, tracker.copy(), rows[-1].id)
                return tracker
        with self.session_scope() as session:
            rows = self._event_query(session, sender_id, fetch_events_from_all_sessions=False).all()
        if not rows:
            return None
        events = [Event.from_parameters(json.loads(row.data)) for row in rows]
        tracker = DialogueStateTracker.from_events(sender_id, events, self.domain.slots)
        self._remember(sender_id, tracker.copy(), rows[-1].id)
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Append the tracker's new events, found from the cache instead of counting the stored rows.

        Rasa counts the rows of the current session on every save to know which events
        are new. The cache already knows how many rows the tracker was loaded from and
        the id of the last one; the store checks only that no row was added since (one
        indexed lookup, in the same transaction as the insert) and falls back to Rasa's
        count when one was, or when the conversation is not cached.
        """
        sender_id = tracker.sender_id
        with self._lock:
            cached = self._cache.get(sender_id)
        if cached is not None and len(tracker.events) >= len(cached.events):
            new_events = list(itertools.islice(tracker.events, len(cached.events), None))
            with self.engine.begin() as connection:
                in_step = connection.execute(self._last_row_id, {"sender_id": sender_id}).scalar() == cached.last_id
                if in_step and new_events:
                    connection.execute(self._insert, [self._row_values(sender_id, event) for event in new_events])
                    last_id = connection.execute(self._last_row_id, {"sender_id": sender_id}).scalar()
            if in_step:
                await self.stream_events(tracker)
                if any(isinstance(event, SessionStarted) for event in new_events):
                    self._forget(sender_id)  # a new session: the next retrieve loads it afresh
                elif new_events:
                    self._remember(sender_id, tracker.copy(), last_id)
                return
        self._forget(sender_id)
        await super().save(tracker)

    @staticmethod
    def _row_values(sender_id: str, event: Event) -> Dict[str, Any]:
        data = event.as_dict()
        return {
            "sender_id": sender_id,
            "type_name": event.type_name,
            "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            "action_name": data.get("name"),
            "data": json.dumps(data),
        }

    def _forget(self, sender_id: str) -> None:
        with self._lock:
            self._cache.pop(sender_id, None)

    def _remember(self, sender_id: str, tracker: DialogueStateTracker, last_id: int) -> None:
        with self._lock:
            self._cache[sender_id] = _Cached(tracker, last_id, self.domain)
            self._cache.move_to_end(sender_id)
            while len(self._cache) > self.max_cached_conversations:
                self._cache.popitem(last=False)

    def cached_conversations(self) -> Dict[str, int]:
        """Conversation id -> number of cached events (for tests and diagnostics)."""
        with self._lock:
            return {sender: len(entry.events) for sender, entry in self._cache.items()}
