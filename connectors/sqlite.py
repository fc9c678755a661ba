"""SQLite settings for the stores Tandem keeps in local files by default.

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
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

BUSY_TIMEOUT_MS = 15_000  # two processes share some files: wait for the lock instead of failing


def tune(engine: Engine) -> Engine:
    """Apply the settings to every connection ``engine`` opens from now on; other databases are left alone."""
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return engine

    @event.listens_for(engine, "connect")
    def on_connect(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        finally:
            cursor.close()

    # Connections opened before the listener (a pool warmed by schema creation) would miss it.
    engine.dispose()
    return engine
