"""Shared fixtures: the real domain, tracker factories, and the running stack.

The stack (action server + Rasa server + demo page) is started once per test
session on its own ports, with a model trained at most once per change of the
training inputs (scripts/train.py caches by hash).

Time is pinned: the suite's clock (core/clock.py) reads ``SUITE_CLOCK`` when the
session starts and ticks on from there, in this process and in every server the
suite starts (through ``TANDEM_CLOCK``/``TANDEM_CLOCK_ANCHOR``), so no test
depends on the day or the time of day it runs. ``pin_clock`` stops it at a given
instant for one test.

Tandem's patches of Rasa (rasa_extensions/patches.py) are applied for one test by
``rasa_extended`` and taken off after it; no test may leave them applied, so no
result depends on the order tests run in. The servers the suite starts run
extended, through the launcher (rasa_extensions/cli.py).
"""

from __future__ import annotations

import os
import sys
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest
import requests
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from core import clock
from scripts.stack import ROOT, Ports, Stack, start_stack, trained_model

# A Tuesday in opening hours while every demo article is fresh; see also tests/test_clock_discipline.py.
SUITE_CLOCK = "2026-12-08T10:30:00Z"

TEST_PORTS = Ports(rasa=15005, actions=15055, web=18080)
HANDOFF_TEST_SETTINGS = ROOT / "tests" / "connectors" / "handoff" / "always_open.yml"
DESK_TOKENS = {"Sam": "test-desk-token-sam", "Alex": "test-desk-token-alex"}
SLACK_SECRET = "test-slack-signing-secret"
# Rasa's HTTP API is off unless asked for; the suite asks, with a token, to read trackers.
API_TOKEN = "test-rasa-api-token"
STACK_ENV = {
    "TANDEM_HANDOFF_SETTINGS": str(HANDOFF_TEST_SETTINGS),
    "TANDEM_DESK_TOKENS": ",".join(f"{name}:{token}" for name, token in DESK_TOKENS.items()),
    "SLACK_SIGNING_SECRET": SLACK_SECRET,
    "SLACK_BOT_TOKEN": "xoxb-test-token",
    "SLACK_AGENTS_SIGNING_SECRET": SLACK_SECRET,
    "SLACK_AGENTS_BOT_TOKEN": "xoxb-test-token",
    "TANDEM_ACTION_TOKEN": "test-action-token",
}


@pytest.fixture(scope="session", autouse=True)
def suite_clock() -> Iterator[clock.Clock]:
    """Pin this process and every server started from it to ``SUITE_CLOCK``."""
    pinned = {clock.CLOCK_ENV: SUITE_CLOCK, clock.ANCHOR_ENV: repr(clock.SystemClock().now().timestamp())}
    saved = {name: os.environ.get(name) for name in pinned}
    os.environ.update(pinned)
    clock.use(clock.from_environment())
    yield clock.clock()
    clock.use(None)
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture
def pin_clock(suite_clock: clock.Clock) -> Iterator[Any]:
    """``pin_clock(instant)`` stops this process's clock at ``instant`` for one test; returns the FixedClock."""

    def pin(at: datetime) -> clock.FixedClock:
        fixed = clock.FixedClock(at)
        clock.use(fixed)
        return fixed

    yield pin
    clock.use(suite_clock)


@pytest.fixture
def rasa_extended() -> Iterator[None]:
    """Rasa with Tandem's patches applied, as the launcher runs it, for one test; Rasa's own code after it."""
    from rasa_extensions import patches

    patches.apply()
    yield
    patches.restore()


@pytest.fixture(autouse=True)
def rasa_left_as_found() -> Iterator[None]:
    """Fail a test that leaves Rasa patched (outside ``rasa_extended``), and unpatch it for the next."""
    yield
    patches = sys.modules.get("rasa_extensions.patches")  # never imported: nothing was applied (and Rasa stays unloaded)
    if patches is not None and patches.applied():
        patches.restore()
        pytest.fail("the test left Rasa patched: use the rasa_extended fixture, which restores Rasa's own code")


@pytest.fixture(scope="session")
def domain() -> Dict[str, Any]:
    return yaml.safe_load((ROOT / "domain.yml").read_text())


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


def user_event(
    text: str, intent: str, confidence: float = 0.95, entities: Optional[List[dict]] = None, ranking: Optional[List[dict]] = None
) -> Dict[str, Any]:
    parse = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "entities": entities or [],
        "intent_ranking": ranking or [{"name": intent, "confidence": confidence}],
    }
    return {"event": "user", "text": text, "parse_data": parse}


def action_event(name: str) -> Dict[str, Any]:
    return {"event": "action", "name": name}


def bot_event(response: str, text: str = "...") -> Dict[str, Any]:
    return {"event": "bot", "text": text, "metadata": {"utter_action": response}}


@pytest.fixture
def make_tracker():
    """Build an SDK tracker from events; the latest user event becomes latest_message."""

    def make(events: List[Dict[str, Any]], slots: Optional[Dict[str, Any]] = None) -> Tracker:
        latest = next((e["parse_data"] for e in reversed(events) if e["event"] == "user"), {})
        all_slots = {"failed_attempts": 0.0, "kb_article": None, "handoff_reason": None, "queue": None}
        all_slots.update(slots or {})
        return Tracker("test-conversation", all_slots, latest, events, False, None, None, "action_listen")

    return make


@pytest.fixture(scope="session")
def model_path() -> Path:
    return trained_model()


@pytest.fixture(scope="session")
def fake_slack() -> Iterator[Any]:
    """A local fake of Slack's Web API (tests/fakes/slack_api.py) that the stack's Slack channels call."""
    from tests.fakes.slack_api import FakeSlackApi

    with FakeSlackApi(token=None) as fake:
        fake.add_user("UAGENT001", display_name="Sam")
        yield fake


def start_test_stack(
    model_path: Path,
    ports: Ports,
    workdir: Path,
    *,
    web: bool = False,
    env: Optional[Dict[str, str]] = None,
    livechat: Optional[Dict[str, Any]] = None,
) -> Stack:
    """A stack as the suite runs them: tracker and knowledge base in ``workdir``, the suite's
    environment (``STACK_ENV``, then ``env`` over it) and API token; ``livechat`` as given.
    Test modules that need a stack of their own (another live-chat tool, other settings)
    start it with this on ports of their own; ``stack`` is the session's shared one."""
    return start_stack(
        model_path,
        ports,
        workdir,
        workdir / "tracker.db",
        web=web,
        kb_url=f"sqlite:///{workdir / 'kb.db'}",
        env={**STACK_ENV, **(env or {})},
        livechat=livechat,
        api_token=API_TOKEN,
    )


@pytest.fixture(scope="session")
def stack(model_path: Path, tmp_path_factory, fake_slack) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("stack")
    with start_test_stack(model_path, TEST_PORTS, workdir, web=True, env={"SLACK_API_URL": fake_slack.base_url}) as running:
        yield running


class Conversation:
    """One customer talking to the REST channel."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.sender = f"test-{uuid.uuid4().hex[:12]}"

    def say(self, text: str, metadata: Optional[dict] = None) -> List[Dict[str, Any]]:
        body: Dict[str, Any] = {"sender": self.sender, "message": text}
        if metadata is not None:
            body["metadata"] = metadata
        reply = requests.post(f"{self.stack.rasa_url}/webhooks/rest/webhook", json=body, timeout=60)
        assert reply.status_code == 200, reply.text
        return reply.json()

    def tracker(self) -> Dict[str, Any]:
        reply = requests.get(self.stack.api(f"/conversations/{self.sender}/tracker"), timeout=30)
        reply.raise_for_status()
        return reply.json()

    def responses(self) -> List[str]:
        """Names of the domain responses the bot sent, in order."""
        return [(e.get("metadata") or {}).get("utter_action") for e in self.tracker()["events"] if e["event"] == "bot"]

    def actions(self) -> List[str]:
        bookkeeping = ("action_listen", "action_session_start")
        return [e["name"] for e in self.tracker()["events"] if e["event"] == "action" and e["name"] not in bookkeeping]


@pytest.fixture
def conversation(stack: Stack) -> Conversation:
    return Conversation(stack)


class Desk:
    """An agent using the built-in desk's HTTP API, as the desk page does."""

    def __init__(self, stack: Stack, name: str = "Sam") -> None:
        self.base = f"{stack.rasa_url}/webhooks/desk"
        self.name = name
        self.headers = {"Authorization": f"Bearer {DESK_TOKENS[name]}"}

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return requests.request(method, f"{self.base}/{path}", headers=self.headers, timeout=30, **kwargs)

    def ok(self, method: str, path: str, **kwargs: Any) -> Dict[str, Any]:
        reply = self.call(method, path, **kwargs)
        assert reply.status_code in (200, 201), reply.text
        return reply.json()

    def queue(self) -> List[Dict[str, Any]]:
        return self.ok("GET", "queue")["handoffs"]

    def handoff_of(self, conversation_id: str) -> Dict[str, Any]:
        for row in self.queue():
            if row["conversation_id"] == conversation_id:
                return row
        raise AssertionError(f"no active handoff for {conversation_id}")

    def detail(self, handoff_id: str, after: int = 0) -> Dict[str, Any]:
        return self.ok("GET", f"handoffs/{handoff_id}?after={after}")


@pytest.fixture
def desk(stack: Stack) -> Desk:
    """Sam, signed in to the desk (so an agent is online), with the queue emptied of
    handoffs earlier tests left behind, so queue positions start at 1."""
    agent = Desk(stack)
    for row in agent.queue():
        closer = agent if row["status"] == "queued" or row["mine"] else Desk(stack, "Alex")
        closer.call("POST", f"handoffs/{row['id']}/resolve")
    return agent
