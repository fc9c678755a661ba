"""core/db.py: SQLite files get WAL settings on every connection, and connections kept open across uses and threads."""

from __future__ import annotations

import threading

from sqlalchemy import text

from core import db


def test_a_file_engine_reuses_its_connections_across_threads(tmp_path) -> None:
    engine = db.create_engine(f"sqlite:///{tmp_path / 'pooled.db'}", future=True)
    opened = []
    from sqlalchemy import event

    event.listen(engine, "connect", lambda connection, record: opened.append(connection))
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
    errors = []

    def write(value: int) -> None:
        try:
            with engine.begin() as connection:
                connection.execute(text("INSERT INTO t VALUES (:x)"), {"x": value})
        except Exception as error:  # noqa: BLE001 - the assertion below reports it
            errors.append(error)

    for value in range(5):  # one after the other, each on a new thread
        worker = threading.Thread(target=write, args=(value,))
        worker.start()
        worker.join()

    assert errors == []
    assert len(opened) == 1  # NullPool, SQLAlchemy 1.4's default for files, would have opened 6
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM t")).scalar() == 5
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == db.BUSY_TIMEOUT_MS
    engine.dispose()


def test_memory_and_other_databases_are_left_as_they_are() -> None:
    assert not db.is_file("sqlite://")
    assert not db.is_file("sqlite:///:memory:")
    assert not db.is_file("postgresql://postgres@127.0.0.1/test")
    assert db.is_file("sqlite:///var/tracker.db")
