"""The knowledge store: sync semantics (no edit can lose an answer), servability, events and the report.

``SyncContract`` holds the behaviour every database must show; ``TestSyncSQLite`` runs it on a
SQLite file here, ``test_store_postgres.py`` on a real PostgreSQL server.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import create_engine, text

from actions.knowledge.store import KnowledgeStore, UnansweredQuery, VerdictCount, redact
from tests.actions.knowledge import INTENTS, line_of, write_article

TODAY = date(2026, 11, 23)


def _rows(store: KnowledgeStore, sql: str) -> list[tuple]:
    """Read the tables directly, to check what was stored rather than what the API chooses to show."""
    engine = create_engine(store.url, future=True)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql))]
    finally:
        engine.dispose()


class SyncContract:
    """Subclasses provide a ``store`` fixture on a fresh, empty database."""

    @pytest.fixture
    def kb(self, tmp_path: Path) -> Path:
        directory = tmp_path / "kb"
        write_article(directory, "track-your-order")
        write_article(directory, "get-a-refund", title="Get your money back", topics="[refund_request]")
        return directory

    # -- publishing ------------------------------------------------------------------------------

    def test_first_sync_publishes_everything_and_a_second_nothing(self, store: KnowledgeStore, kb: Path) -> None:
        first = store.sync(kb, INTENTS, today=TODAY)
        second = store.sync(kb, INTENTS, today=TODAY)
        assert (first.published, first.ok, first.generation) == (["get-a-refund", "track-your-order"], True, 1)
        assert (second.published, second.unchanged, second.retired, second.rejected) == (
            [],
            ["get-a-refund", "track-your-order"],
            [],
            [],
        )
        assert store.generation() == 2
        assert _rows(store, "SELECT count(*) FROM kb_article_versions") == [(2,)]

    def test_a_bumped_version_is_published_and_every_version_kept(self, store: KnowledgeStore, kb: Path) -> None:
        store.sync(kb, INTENTS)
        write_article(kb, "track-your-order", title="Where is my order", version="2")
        report = store.sync(kb, INTENTS)
        write_article(kb, "track-your-order", title="Where is my parcel", version="5")
        store.sync(kb, INTENTS)
        assert report.published == ["track-your-order"]
        assert store.versions("track-your-order") == [1, 2, 5]
        assert store.article("track-your-order").title == "Where is my parcel"
        assert [store.article_version("track-your-order", n).title for n in (1, 2)] == ["Track your order", "Where is my order"]

    def test_changed_content_without_a_version_bump_is_rejected(self, store: KnowledgeStore, kb: Path) -> None:
        store.sync(kb, INTENTS)
        path = write_article(kb, "track-your-order", title="Where is my order")
        report = store.sync(kb, INTENTS)
        assert (report.rejected, report.ok) == (["track-your-order"], False)
        message = "content changed but version was not increased (stored 1)"
        assert [str(p) for p in report.problems] == [f"{path}:{line_of(path, 'version:')}: {message}"]
        assert store.article("track-your-order").title == "Track your order"
        assert store.versions("track-your-order") == [1]

    def test_a_lower_version_with_new_content_is_rejected(self, store: KnowledgeStore, kb: Path) -> None:
        write_article(kb, "track-your-order", version="3")
        store.sync(kb, INTENTS)
        write_article(kb, "track-your-order", title="Started over", version="1")
        assert "(stored 3)" in store.sync(kb, INTENTS).problems[0].message
        assert store.article("track-your-order").version == 3

    def test_a_status_change_is_a_content_change(self, store: KnowledgeStore, kb: Path) -> None:
        store.sync(kb, INTENTS)
        write_article(kb, "track-your-order", status="draft")
        assert store.sync(kb, INTENTS).rejected == ["track-your-order"]
        write_article(kb, "track-your-order", status="draft", version="2")
        assert store.sync(kb, INTENTS).published == ["track-your-order"]
        assert store.article("track-your-order").status == "draft"
        assert [article.id for article in store.servable_articles(TODAY)] == ["get-a-refund"]

    @pytest.mark.parametrize(
        "breakage",
        [
            pytest.param({"owner": None}, id="missing-key"),
            pytest.param({"title": "Track: your order", "version": "2"}, id="yaml-syntax"),
            pytest.param({"topics": "[weather]", "version": "2"}, id="unknown-topic"),
        ],
    )
    def test_a_broken_file_keeps_the_last_good_version_servable(self, store: KnowledgeStore, kb: Path, breakage: dict) -> None:
        store.sync(kb, INTENTS)
        path = write_article(kb, "track-your-order", **breakage)
        report = store.sync(kb, INTENTS)
        assert report.rejected == ["track-your-order"] and report.retired == []
        assert report.problems and {p.path for p in report.problems} == {str(path)}
        assert store.article("track-your-order").title == "Track your order"
        assert "track-your-order" in [article.id for article in store.servable_articles(TODAY)]

    def test_a_broken_new_file_publishes_nothing(self, store: KnowledgeStore, kb: Path) -> None:
        write_article(kb, "late-or-lost-parcel", status="published")
        report = store.sync(kb, INTENTS)
        assert report.rejected == ["late-or-lost-parcel"]
        assert store.article("late-or-lost-parcel") is None and store.versions("late-or-lost-parcel") == []

    def test_a_removed_file_retires_its_article_and_keeps_its_versions(self, store: KnowledgeStore, kb: Path) -> None:
        store.sync(kb, INTENTS)
        (kb / "get-a-refund.md").unlink()
        report = store.sync(kb, INTENTS)
        assert report.retired == ["get-a-refund"]
        assert store.article("get-a-refund") is None
        assert [article.id for article in store.current_articles()] == ["track-your-order"]
        assert store.versions("get-a-refund") == [1]
        assert _rows(store, "SELECT status, retired_at IS NOT NULL FROM kb_articles WHERE id = 'get-a-refund'") == [
            ("retired", True)
        ]
        assert store.sync(kb, INTENTS).retired == []

    @pytest.mark.parametrize("version", ["1", "2"])
    def test_a_file_that_comes_back_is_unretired(self, store: KnowledgeStore, kb: Path, version: str) -> None:
        store.sync(kb, INTENTS)
        saved = (kb / "get-a-refund.md").read_text()
        (kb / "get-a-refund.md").unlink()
        store.sync(kb, INTENTS)
        (kb / "get-a-refund.md").write_text(saved.replace("version: 1", f"version: {version}"))
        assert store.sync(kb, INTENTS).published == ["get-a-refund"]
        assert store.article("get-a-refund").version == int(version)
        assert _rows(store, "SELECT status, retired_at FROM kb_articles WHERE id = 'get-a-refund'") == [("approved", None)]

    def test_a_missing_directory_changes_nothing(self, store: KnowledgeStore, kb: Path) -> None:
        store.sync(kb, INTENTS)
        with pytest.raises(FileNotFoundError):
            store.sync(kb.parent / "typo", INTENTS)
        assert len(store.current_articles()) == 2 and store.generation() == 1

    def test_each_sync_is_recorded(self, store: KnowledgeStore, kb: Path) -> None:
        store.sync(kb, INTENTS)
        write_article(kb, "track-your-order", title="Changed")
        store.sync(kb, INTENTS)
        runs = _rows(store, "SELECT id, published, rejected, problems FROM kb_sync_runs ORDER BY id")
        assert [run[:3] for run in runs] == [
            (1, '["get-a-refund", "track-your-order"]', "[]"),
            (2, "[]", '["track-your-order"]'),
        ]
        assert "version was not increased" in runs[1][3]

    # -- serving ---------------------------------------------------------------------------------

    def test_drafts_and_stale_articles_are_never_servable(self, store: KnowledgeStore, kb: Path) -> None:
        write_article(kb, "late-or-lost-parcel", status="draft")
        write_article(kb, "get-a-refund", topics="[refund_request]", review_by="2026-11-22")
        report = store.sync(kb, INTENTS, today=TODAY)
        assert report.stale == ["get-a-refund"]
        assert [article.id for article in store.current_articles()] == ["get-a-refund", "late-or-lost-parcel", "track-your-order"]
        assert [article.id for article in store.servable_articles(TODAY)] == ["track-your-order"]
        assert [article.id for article in store.servable_articles(date(2026, 11, 22))] == ["get-a-refund", "track-your-order"]

    def test_articles_round_trip_through_the_database(self, store: KnowledgeStore, kb: Path) -> None:
        write_article(kb, "track-your-order", topics="[order_status, order_change]", body="Steps with ünïcode.\n\n2. More.")
        store.sync(kb, INTENTS)
        stored = store.article("track-your-order")
        assert stored.topics == ("order_status", "order_change") and stored.body == "Steps with ünïcode.\n\n2. More."
        assert (
            stored.content_hash
            == _rows(store, "SELECT content_hash FROM kb_article_versions WHERE article_id = 'track-your-order'")[0][0]
        )

    # -- events and the report -------------------------------------------------------------------

    def test_the_report_lists_what_content_owners_must_act_on(self, store: KnowledgeStore, kb: Path) -> None:
        write_article(kb, "late-or-lost-parcel", status="draft")
        write_article(kb, "get-a-refund", topics="[refund_request]", review_by="2026-11-22", owner="billing-team")
        store.sync(kb, INTENTS)
        store.record_served("track-your-order", "c1")
        store.record_verdict("track-your-order", "c1", "not_it")
        store.record_verdict("track-your-order", "c2", "solved")
        store.record_verdict("track-your-order", "c3", "not_it")
        for query in ["Can I pay in crypto?", "can I pay  in crypto?", "can i pay in crypto?", "do you sell gift wrap"]:
            store.record_no_match(query, "payment_methods", "c4")

        report = store.report(TODAY)

        assert [(item.id, item.owner, item.review_by) for item in report.stale] == [
            ("get-a-refund", "billing-team", date(2026, 11, 22))
        ]
        assert [item.id for item in report.drafts] == ["late-or-lost-parcel"]
        assert [item.id for item in report.never_served] == ["get-a-refund"]
        assert report.unanswered == [UnansweredQuery("can i pay in crypto?", 3), UnansweredQuery("do you sell gift wrap", 1)]
        assert report.verdicts == [
            VerdictCount("track-your-order", "not_it", 2),
            VerdictCount("track-your-order", "solved", 1),
        ]
        markdown = report.to_markdown()
        for line in [
            "## Drafts (1)",
            "| late-or-lost-parcel |",
            "| 3 | can i pay in crypto? |",
            "| track-your-order | not_it | 2 |",
        ]:
            assert line in markdown

    def test_stored_queries_are_redacted(self, store: KnowledgeStore) -> None:
        store.record_no_match("card 4111 1111 1111 1111 from jane.doe@example.com, password is Hunter2!", None, "c1")
        stored = _rows(store, "SELECT query, intent FROM kb_events WHERE kind = 'no_match'")
        assert stored == [("card [card number removed] from [redacted], password [redacted]", None)]
        assert "Hunter2" not in store.report(TODAY).to_markdown()

    @pytest.mark.parametrize("verdict", ["", "x" * 33])
    def test_a_verdict_must_be_a_short_label(self, store: KnowledgeStore, verdict: str) -> None:
        with pytest.raises(ValueError, match="verdict must be a label"):
            store.record_verdict("track-your-order", "c1", verdict)


class TestSyncSQLite(SyncContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[KnowledgeStore]:
        store = KnowledgeStore(f"sqlite:///{tmp_path / 'var' / 'kb.db'}")
        yield store
        store.close()


def test_the_store_touches_nothing_until_first_use(tmp_path: Path) -> None:
    store = KnowledgeStore(f"sqlite:///{tmp_path / 'not' / 'yet' / 'kb.db'}")
    assert not (tmp_path / "not").exists()
    assert store.generation() == 0
    assert (tmp_path / "not" / "yet" / "kb.db").is_file()
    store.close()


def test_the_repr_hides_the_password() -> None:
    assert "s3cret" not in repr(KnowledgeStore("postgresql://tandem:s3cret@db.example/kb"))


@pytest.mark.parametrize(
    "query, stored",
    [
        pytest.param("where is order 5582019", "where is order 5582019", id="short-numbers-kept"),
        pytest.param("my card 4111111111111111 was declined", "my card [card number removed] was declined", id="card"),
        pytest.param("card 4111-1111-1111-1111 declined", "card [card number removed] declined", id="card-with-dashes"),
        pytest.param("call me on +31 6 1234 5678 please", "call me on [redacted] please", id="phone"),
        pytest.param("email Jane.Doe+shop@mail.example.co.uk now", "email [redacted] now", id="email"),
        pytest.param("my Password: hunter2 doesnt work", "my Password [redacted]", id="password"),
        pytest.param("passwords=abc", "passwords [redacted]", id="password-plural"),
        pytest.param("forgot password", "forgot password", id="nothing-after-password"),
        pytest.param("  lots   of\nspace ", "lots of space", id="whitespace"),
    ],
)
def test_redact(query: str, stored: str) -> None:
    assert redact(query) == stored
