"""IncrementalSQLTrackerStore returns exactly what Rasa's SQLTrackerStore returns, reading only new rows."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Iterator

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from policies.tracker_store import IncrementalSQLTrackerStore

ROOT = Path(__file__).resolve().parents[2]
POSTGRES_URL = os.environ.get("TANDEM_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_args(request, tmp_path) -> Iterator[dict]:
    """Keyword arguments for both stores: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield {"dialect": "sqlite", "db": str(tmp_path / "tracker.db")}
        return
    name = f"tracker_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", future=True)
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        pytest.fail(f"PostgreSQL is not reachable at {POSTGRES_URL}: {error}", pytrace=False)
    yield {"dialect": "postgresql", "host": "127.0.0.1", "port": 5432, "db": name, "username": "postgres"}
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def turn(text: str, intent: str, reply: str) -> list:
    return [
        UserUttered(text, {"name": intent, "confidence": 0.9}),
        ActionExecuted("action_answer_from_kb"),
        BotUttered(reply, metadata={"utter_action": "utter_kb_answer"}),
        SlotSet("kb_article", intent),
        ActionExecuted("action_listen"),
    ]


async def save_events(store, domain: Domain, sender: str, events: list) -> None:
    tracker = await store.retrieve(sender) or DialogueStateTracker(sender, domain.slots)
    for event in events:
        tracker.update(event)
    await store.save(tracker)


def session_start() -> list:
    return [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]


async def start_conversation(store, domain: Domain, sender: str) -> None:
    """A new session and one answered question, saved through ``store``."""
    await save_events(store, domain, sender, session_start())
    await save_events(store, domain, sender, turn("where is my order", "order_status", "Under Account > Orders."))


def as_dicts(tracker: DialogueStateTracker) -> list:
    return [e.as_dict() for e in tracker.events]


async def test_same_tracker_as_rasas_store_and_sees_other_instances_rows(domain, store_args) -> None:
    ours = IncrementalSQLTrackerStore(domain=domain, **store_args)
    other_instance = IncrementalSQLTrackerStore(domain=domain, **store_args)
    reference = SQLTrackerStore(domain=domain, **store_args)
    sender = "conversation-1"

    await start_conversation(ours, domain, sender)

    # Another Rasa instance answers the next message; ours must see it.
    await save_events(other_instance, domain, sender, turn("how do refunds work", "refund_status", "3-5 days."))
    mine, theirs = await ours.retrieve(sender), await reference.retrieve(sender)
    assert as_dicts(mine) == as_dicts(theirs)
    assert mine.get_slot("kb_article") == "refund_status"
    assert ours.cached_conversations() == {sender: len(mine.events)}

    # A new session: only its events count, as with Rasa's store.
    await save_events(ours, domain, sender, session_start())
    mine, theirs = await ours.retrieve(sender), await reference.retrieve(sender)
    assert as_dicts(mine) == as_dicts(theirs)
    assert [e.as_dict()["event"] for e in mine.events] == ["session_started", "action"]


async def test_unknown_conversation_is_none(domain, store_args) -> None:
    assert await IncrementalSQLTrackerStore(domain=domain, **store_args).retrieve("nobody") is None


async def test_memory_is_bounded(domain, tmp_path) -> None:
    store = IncrementalSQLTrackerStore(domain=domain, dialect="sqlite", db=str(tmp_path / "t.db"), max_cached_conversations=2)
    for sender in ("a", "b", "c"):
        await save_events(store, domain, sender, turn("hi", "greet", "Hello"))
        await store.retrieve(sender)
    assert list(store.cached_conversations()) == ["b", "c"]
    assert [e.as_dict()["event"] for e in (await store.retrieve("a")).events][:1] == ["user"]  # still served from the database


def test_a_zero_cache_is_refused(domain, tmp_path) -> None:
    with pytest.raises(ValueError, match="max_cached_conversations"):
        IncrementalSQLTrackerStore(domain=domain, dialect="sqlite", db=str(tmp_path / "t.db"), max_cached_conversations=0)


def test_memoised_applied_events_match_rasas_walk(domain, rasa_extended) -> None:
    """rasa_extensions/patches.py memoises applied_events; it must equal the plain walk at every step."""
    from rasa.shared.core.events import ActionReverted, Restarted, UserUtteranceReverted

    tracker = DialogueStateTracker("memo", domain.slots)
    capped = DialogueStateTracker("capped", domain.slots, max_event_history=4)
    script = [
        *turn("hi", "greet", "Hello"),
        ActionReverted(),
        *turn("where is my order", "order_status", "Under Account > Orders."),
        UserUtteranceReverted(),
        Restarted(),
        *turn("thanks", "thanks", "You're welcome"),
    ]
    for event in script:
        for t in (tracker, capped):
            t.update(event)
            first = t.applied_events()
            first.append("caller's own change")  # callers get a copy
            walked = [e for e in t.applied_events()]
            assert "caller's own change" not in walked
            assert [e.as_dict() for e in walked] == [e.as_dict() for e in _plain_applied_events(t)]


def _plain_applied_events(tracker: DialogueStateTracker) -> list:
    """Rasa's own algorithm on a fresh copy (the copy has no memo)."""
    fresh = DialogueStateTracker.from_events(tracker.sender_id, list(tracker.events), tracker.slots.values())
    fresh.__dict__.pop("_tandem_applied", None)
    return fresh.applied_events()


async def stored_rows(reference: SQLTrackerStore, sender: str) -> list:
    return as_dicts(await reference.retrieve(sender))


async def test_save_appends_exactly_the_new_events_and_keeps_the_cache_in_step(domain, store_args) -> None:
    ours = IncrementalSQLTrackerStore(domain=domain, **store_args)
    reference = SQLTrackerStore(domain=domain, **store_args)
    sender = "conversation-2"
    opening = session_start()
    await save_events(ours, domain, sender, opening)
    expected = list(opening)
    for n in range(5):
        events = turn(f"question {n}", "order_status", f"answer {n}")
        await save_events(ours, domain, sender, events)
        expected += events
        # The cache mirrors the stored session after every save, with nothing stored twice.
        assert ours.cached_conversations() == {sender: len(expected) - 1}  # minus the event before SessionStarted
        assert await stored_rows(reference, sender) == [e.as_dict() for e in expected[1:]]


async def test_rows_written_behind_the_caches_back_fall_back_to_counting(domain, store_args) -> None:
    ours = IncrementalSQLTrackerStore(domain=domain, **store_args)
    other_instance = IncrementalSQLTrackerStore(domain=domain, **store_args)
    reference = SQLTrackerStore(domain=domain, **store_args)
    sender = "conversation-3"
    await save_events(ours, domain, sender, turn("hi", "greet", "Hello"))
    tracker = await ours.retrieve(sender)
    # Another instance appends while ours holds the tracker (no shared lock store): Rasa's
    # own store would count the stored rows and append the tracker's events beyond them.
    theirs = turn("where is my order", "order_status", "Under Orders.")
    await save_events(other_instance, domain, sender, theirs)
    for event in turn("thanks", "thanks", "You're welcome") + turn("bye", "goodbye", "Bye"):
        tracker.update(event)
    await ours.save(tracker)

    stored = await stored_rows(reference, sender)
    assert stored[:10] == as_dicts(tracker)[:5] + [e.as_dict() for e in theirs]
    assert stored[10:] == as_dicts(tracker)[10:]  # what Rasa's count-based save would have appended
    assert as_dicts(await ours.retrieve(sender)) == stored


def test_sqlite_files_use_write_ahead_logging(domain, tmp_path) -> None:
    store = IncrementalSQLTrackerStore(domain=domain, dialect="sqlite", db=str(tmp_path / "wal.db"))
    with store.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL


async def test_retrieved_trackers_are_independent_copies_with_rasas_state(domain, store_args) -> None:
    # The store keeps a tracker per conversation and hands out copies: what a caller
    # does to one (and never saves) must not reach the next retrieve.
    from rasa.shared.core.trackers import EventVerbosity

    ours = IncrementalSQLTrackerStore(domain=domain, **store_args)
    reference = SQLTrackerStore(domain=domain, **store_args)
    sender = "conversation-copies"
    await start_conversation(ours, domain, sender)

    scratch = await ours.retrieve(sender)
    scratch.update(SlotSet("kb_article", "never saved"))
    scratch.update(UserUttered("never saved either", {"name": "greet", "confidence": 1.0}))

    mine, theirs = await ours.retrieve(sender), await reference.retrieve(sender)
    assert mine is not scratch
    assert mine.current_state(EventVerbosity.ALL) == theirs.current_state(EventVerbosity.ALL)
    assert mine.get_slot("kb_article") == "order_status"

    # A new model brings a new domain: the kept tracker (built with the old slots) is not reused.
    ours.domain = Domain.load(str(ROOT / "domain.yml"))
    reloaded = await ours.retrieve(sender)
    assert reloaded.current_state(EventVerbosity.ALL) == theirs.current_state(EventVerbosity.ALL)
    assert ours._cache[sender].domain is ours.domain
