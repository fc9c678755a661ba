"""The store's sync contract on a real PostgreSQL server, which is stricter than SQLite about types and constraints.

Each test gets its own schema (through the connection's ``search_path``), dropped afterwards, so
runs never see each other's tables. The server is ``TANDEM_TEST_POSTGRES_URL``, by default
``postgresql://postgres@127.0.0.1:5432/test``; deselect with ``-m "not postgres"`` where none runs.
"""

from __future__ import annotations

import os
import uuid
from typing import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from actions.knowledge.store import KnowledgeStore
from tests.actions.knowledge.test_store import SyncContract

pytestmark = pytest.mark.postgres

POSTGRES_URL = os.environ.get("TANDEM_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture
def schema() -> Iterator[str]:
    name = f"kb_test_{uuid.uuid4().hex[:12]}"
    engine = create_engine(POSTGRES_URL, future=True)
    try:
        with engine.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{name}"'))
    except OperationalError as error:
        engine.dispose()
        pytest.fail(f"PostgreSQL is not reachable at {POSTGRES_URL} (set TANDEM_TEST_POSTGRES_URL): {error}", pytrace=False)
    yield name
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
    engine.dispose()


class TestSyncPostgres(SyncContract):
    @pytest.fixture
    def store(self, schema: str) -> Iterator[KnowledgeStore]:
        url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
        store = KnowledgeStore(url.render_as_string(hide_password=False))
        yield store
        store.close()
