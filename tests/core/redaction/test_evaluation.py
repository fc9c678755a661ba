"""core/redaction/evaluation.py: the redaction measured on its corpus, and the scorer itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.redaction import redact
from core.redaction.evaluation import score_corpus, secret_removed

ROOT = Path(__file__).resolve().parents[3]
CORPUS = ROOT / "tests" / "redaction" / "corpus.yml"


@pytest.fixture(scope="module")
def scores() -> dict:
    return score_corpus(CORPUS)


def test_the_corpus_is_big_enough(scores: dict) -> None:
    assert sum(scores["counts"].values()) >= 220
    assert scores["harmless"] >= 220
    assert set(scores["counts"]) == {"card", "cvv", "password", "otp", "iban"}


def test_every_card_and_password_in_the_corpus_is_removed(scores: dict) -> None:
    misses = [m for m in scores["misses"] if m["kind"] in ("card", "password")]
    assert misses == []
    assert scores["recall"]["card"] == 1.0
    assert scores["recall"]["password"] == 1.0


def test_overall_recall_on_the_corpus(scores: dict) -> None:
    assert scores["overall_recall"] >= 0.98, scores["misses"]


def test_harmless_corpus_messages_survive_unchanged(scores: dict) -> None:
    assert scores["false_positive_rate"] <= 0.01, scores["altered"]


def test_redaction_is_idempotent_on_the_corpus() -> None:
    import yaml

    corpus = yaml.safe_load(CORPUS.read_text(encoding="utf-8"))
    for text in [item["text"] for item in corpus["secret"]] + corpus["harmless"]:
        once = redact(text)
        assert redact(once) == once, text


def test_the_scorer_counts_half_removed_cards_as_misses(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.yml"
    corpus.write_text(
        "secret:\n"
        "- {kind: card, secret: '4111 1111 1111 1111', text: 'card 4111 1111 1111 1111'}\n"
        "- {kind: password, secret: 'hunter2', text: 'my password is hunter2'}\n"
        "harmless:\n- order 5582019\n- hello\n"
    )

    def half(text: str) -> str:  # leaves six digits of the card and alters a harmless text
        return text.replace("1111 1111 1111", "11[card number removed]").replace("hello", "[code removed]")

    result = score_corpus(corpus, redactor=half)
    assert result["recall"] == {"card": 0.0, "password": 0.0}
    assert result["overall_recall"] == 0.0
    assert result["harmless_altered"] == 1 and result["false_positive_rate"] == 0.5
    assert [m["kind"] for m in result["misses"]] == ["card", "password"]
    assert secret_removed("4111 1111 1111 1111", "card", "card [card number removed]")
    assert not secret_removed("4111 1111 1111 1111", "card", "card 4111 11[card number removed]")
    assert secret_removed("737", "cvv", "order 7370001 cvv [CVV removed]")


def test_a_malformed_corpus_is_rejected(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.yml"
    corpus.write_text("secret:\n- {kind: card, secret: '4111', text: 'no secret here'}\nharmless: []\n")
    with pytest.raises(ValueError, match="bad secret entry"):
        score_corpus(corpus)
