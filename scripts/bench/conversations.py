"""Conversations sent to a served stack over REST: latency by conversation length, throughput, handoff visibility."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List

import requests

from scripts.bench.common import BenchError, Results, log, percentile
from scripts.stack import Stack

# 11 messages: 55 is a multiple of 11, so turns 56-60 send exactly the messages
# of turns 1-5 and the comparison measures conversation length, not content.
# Nothing here asks for a person, reports fraud or says an answer failed:
# those end in a handoff, which later pauses the bot.
MESSAGES = [
    "where is my order",
    "tell me more",
    "/problem_solved",
    "how do i return a jacket",
    "my card was declined",
    "can i pay with paypal",
    "thanks",
    "how do i change my email",
    "i forgot my password",
    "do you ship to canada",
    "how do i get an invoice",
]
CONVERSATIONS, TURNS = 8, 60  # 40 messages in each of turns 1-5 and 56-60
EARLY, LATE = range(1, 6), range(56, 61)
CONCURRENCY, MESSAGES_PER_THREAD = (1, 8), 20


def send(session: requests.Session, stack: Stack, sender: str, text: str) -> float:
    """Send one message over REST; returns the wall time in milliseconds."""
    started = time.perf_counter()
    reply = session.post(f"{stack.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=120)
    elapsed_ms = (time.perf_counter() - started) * 1000
    if reply.status_code != 200:
        raise BenchError(f"{text!r} got HTTP {reply.status_code}: {reply.text[:300]}")
    return elapsed_ms


def new_sender(label: str) -> str:
    return f"bench-{label}-{uuid.uuid4().hex[:10]}"


def warm_up(stack: Stack) -> Results:
    with requests.Session() as session:
        for text in MESSAGES[:2]:
            send(session, stack, new_sender("warmup"), text)
    return {}


def latency_by_length(stack: Stack, conversations: int = CONVERSATIONS, turns: int = TURNS) -> Results:
    """p50/p95 of turns 1-5 and 56-60 over `conversations` sequential conversations of `turns` turns."""
    by_turn: Dict[int, List[float]] = {turn: [] for turn in range(1, turns + 1)}
    for index in range(conversations):
        sender, offset = new_sender(f"length{index}"), index * 5  # each conversation starts elsewhere in the list
        with requests.Session() as session:
            for turn in by_turn:
                by_turn[turn].append(send(session, stack, sender, MESSAGES[(offset + turn - 1) % len(MESSAGES)]))
        log(f"  conversation {index + 1}/{conversations} done")
    early = [ms for turn in EARLY for ms in by_turn[turn]]
    late = [ms for turn in LATE for ms in by_turn[turn]]
    results = {
        "p50_early_ms": percentile(early, 50),
        "p95_early_ms": percentile(early, 95),
        "p50_late_ms": percentile(late, 50),
        "p95_late_ms": percentile(late, 95),
    }
    results["late_over_early"] = results["p50_late_ms"] / results["p50_early_ms"]
    return results


def messages_per_second(stack: Stack, concurrency: int, messages: int = MESSAGES_PER_THREAD) -> float:
    """`concurrency` conversations at once, each on its own thread and session, `messages` messages each."""

    def talk(index: int) -> None:
        sender = new_sender(f"load{concurrency}x{index}")
        with requests.Session() as session:
            for turn in range(messages):
                send(session, stack, sender, MESSAGES[(index + turn) % len(MESSAGES)])

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        for future in [pool.submit(talk, index) for index in range(concurrency)]:
            future.result()
    return concurrency * messages / (time.perf_counter() - started)


def throughput(stack: Stack) -> Results:
    return {f"throughput_{n}": messages_per_second(stack, n) for n in CONCURRENCY}


BENCH_DESK_TOKEN = "bench-desk-token-0123456789"
HANDOFFS = 30
DESK_PAGE_POLL_MS = 500  # web/desk/desk.js: POLL_MS


def handoff_visibility(stack: Stack, count: int = HANDOFFS) -> Results:
    """Time from the customer's escalating message to the handoff in the agent desk's queue.

    Measured the way the desk page sees it (GET /webhooks/desk/queue), polled every
    20 ms; the page itself polls every DESK_PAGE_POLL_MS, which the report adds."""
    headers = {"Authorization": f"Bearer {BENCH_DESK_TOKEN}"}
    desk = f"{stack.rasa_url}/webhooks/desk"
    samples = []
    with requests.Session() as session:
        session.get(f"{desk}/queue", headers=headers, timeout=10).raise_for_status()  # the agent is online
        for _ in range(count):
            sender = new_sender("handoff")
            started = time.perf_counter()
            session.post(
                f"{stack.rasa_url}/webhooks/rest/webhook",
                json={"sender": sender, "message": "I want to talk to a person"},
                timeout=60,
            ).raise_for_status()
            row = None
            while row is None:
                rows = session.get(f"{desk}/queue", headers=headers, timeout=10).json()["handoffs"]
                row = next((r for r in rows if r["conversation_id"] == sender), None)
                if row is None:
                    if time.perf_counter() - started > 30:
                        raise BenchError("a handoff did not reach the desk within 30 s")
                    time.sleep(0.02)
            samples.append((time.perf_counter() - started) * 1000)
            session.post(f"{desk}/handoffs/{row['id']}/resolve", headers=headers, timeout=30).raise_for_status()
    return {
        "handoff_p50_ms": percentile(samples, 50),
        "handoff_p95_ms": percentile(samples, 95),
        "handoff_page_p95_ms": percentile(samples, 95) + DESK_PAGE_POLL_MS,
    }
