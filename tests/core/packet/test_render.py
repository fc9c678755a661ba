"""The note an agent reads: the essentials first, short, and nothing secret."""

from __future__ import annotations

from datetime import datetime, timezone

from core.packet import build_packet, render_text
from core.packet.render import RECENT_MESSAGES
from tests.conftest import user_event
from tests.core.packet.test_build import order_not_it_then_frustrated, tracker_of


def build(tracker, **kwargs):
    return build_packet(tracker, handoff_id="h", now=datetime(2024, 5, 1, 9, 5, tzinfo=timezone.utc), pseudonym_key="k", **kwargs)


def test_the_note_has_reason_priority_queue_and_articles_with_verdicts(make_tracker):
    packet = build(tracker_of(make_tracker, order_not_it_then_frustrated()), queue_position=2, expected_wait_minutes=6)

    note = render_text(packet)

    assert packet["reason"]["explanation"] in note
    assert "P2" in note.splitlines()[0] and "general queue" in note.splitlines()[0]
    assert "\u201cTrack your order\u201d (track-your-order): customer said it was not it" in note
    assert "AC-482913" in note
    assert "position 2 in queue, expected wait 6 min" in note
    assert "\u201cThis is useless.\u201d" in note


def test_the_note_is_short_enough_to_read_in_a_minute(make_tracker):
    events = order_not_it_then_frustrated() + [user_event(f"still waiting, message {i}", "order_status") for i in range(30)]

    note = render_text(build(tracker_of(make_tracker, events)))

    assert sum(1 for line in note.splitlines() if line.startswith("- ")) == RECENT_MESSAGES
    assert "earlier in the packet" in note
    assert len(note.split()) < 400  # ~200-250 words a minute read quickly


def test_the_note_never_shows_a_secret(make_tracker):
    events = [user_event("card 4111 1111 1111 1111, cvv 737, my password is hunter2x", "payment_failed")]
    slots = {"handoff_reason": "customer_request"}

    note = render_text(build(make_tracker(events, slots)))

    for secret in ("4111", "737", "hunter2x"):
        assert secret not in note
    assert "[card number removed]" in note


def test_an_empty_packet_renders(make_tracker):
    note = render_text(build(make_tracker([])))

    assert "customer asked for a person" in note
    assert "**Messages:** none yet" in note
