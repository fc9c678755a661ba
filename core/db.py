"""The database engine of every store: SQLite files get settings for speed, any other URL goes to SQLAlchemy as is.

SQLite's defaults make every commit wait for the disk twice (a rollback journal
written, synced, then deleted). Tandem commits on every message: the tracker
store saves the new events, the action server records which article it served,
and the handoff store polls and writes its outbox; on these machines the syncs
were the largest single cost of a message after NLU. Write-ahead logging with
``synchronous=NORMAL`` commits without waiting for the disk: a commit survives
a crash of any of our processes, and only the last transactions before a power
loss can be lost (never corrupting the file). Several processes may still read
and write the same file at once; WAL does not work on network file systems, so
keep the files local (production uses PostgreSQL anyway).

SQLAlchemy 1.4 opens and closes a new connection for every use of a SQLite file
(``NullPool``); with the settings above run on each, that was about a tenth of a
message's time. :func:`create_engine` keeps connections open in a pool instead
(never making a caller wait for one), so they can serve any thread.
"""

from __future__ import annotations

from typing import Any, Union

import sqlalchemy
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.pool import QueuePool

BUSY_TIMEOUT_MS = 15_000  # two processes share some files: wait for the lock instead of failing


def is_file(url: Union[str, URL]) -> bool:
    """True for a SQLite database in a file (not in memory)."""
    url = make_url(url)
    return url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")


def create_engine(url: Union[str, URL], **kwargs: Any) -> Engine:
    """SQLAlchemy's ``create_engine``; a SQLite file also gets the settings above and a pool that keeps connections."""
    if not is_file(url):
        return sqlalchemy.create_engine(url, **kwargs)
    kwargs.setdefault("poolclass", QueuePool)
    kwargs.setdefault("max_overflow", -1)  # extra connections under load instead of a wait
    # Pooled connections move between threads; the pool lends each to one user at a time.
    kwargs["connect_args"] = {"check_same_thread": False, **kwargs.get("connect_args", {})}
    engine = sqlalchemy.create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def on_connect(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        finally:
            cursor.close()

    return engine
