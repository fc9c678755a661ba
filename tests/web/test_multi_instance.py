"""Two Rasa instances behind one website: the relay does not depend on which one holds the socket.

Rasa's own answer to "push a message to a customer later" (``output_channel=latest``)
only works with one instance. Here the customer's browser is connected to instance A
while the agent works on instance B's desk; they share the tracker and handoff
databases, a Redis lock store, and the socket.io Redis message queue
(``redis_url`` in credentials.yml). The agent's reply and the hand-back must still
reach the browser.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Iterator, Tuple

import pytest
import yaml

from scripts.stack import ROOT, Ports, Stack, start_actions, start_rasa, start_web, sync_knowledge_base, write_endpoints
from tests.conftest import STACK_ENV, Desk
from tests.conversations.test_handoff import wait_for
from tests.web.test_handoff_desk import send, shows

pytestmark = [pytest.mark.stack, pytest.mark.browser]

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture(scope="module")
def two_instances(model_path: Path, tmp_path_factory) -> Iterator[Tuple[Stack, Stack]]:
    workdir = tmp_path_factory.mktemp("multi")
    run_id = uuid.uuid4().hex[:8]
    first = Stack(ports=Ports(rasa=15405, actions=15455, web=18480), workdir=workdir)
    second = Stack(ports=Ports(rasa=15406, actions=15455, web=18481), workdir=workdir / "second")
    second.workdir.mkdir()
    endpoints = write_endpoints(first, workdir / "tracker.db")
    config = yaml.safe_load(endpoints.read_text())
    config["lock_store"] = {"type": "redis", "url": "127.0.0.1", "port": 6379, "db": 0, "key_prefix": f"tandem-test-{run_id}"}
    endpoints.write_text(yaml.safe_dump(config))
    credentials = yaml.safe_load((ROOT / "credentials.yml").read_text())
    credentials["connectors.socketio.SocketIOInput"].update({"redis_url": REDIS_URL, "redis_channel": f"tandem-test-{run_id}"})
    credentials_file = workdir / "credentials.yml"
    credentials_file.write_text(yaml.safe_dump(credentials))
    env = {**STACK_ENV, "TANDEM_ENDPOINTS": str(endpoints)}
    kb_url = f"sqlite:///{workdir / 'kb.db'}"
    sync_knowledge_base(kb_url)
    try:
        start_actions(first, kb_url, env=env)
        start_rasa(first, model_path, endpoints, env=env, credentials=credentials_file)
        start_rasa(second, model_path, endpoints, env=env, credentials=credentials_file)
        start_web(first)  # the shop's page talks to instance A only
        yield first, second
    finally:
        second.stop()
        first.stop()


def test_agent_on_another_instance_reaches_the_browser(browser, two_instances) -> None:
    first, second = two_instances
    desk = Desk(second)  # the agent's desk is served by instance B
    desk.queue()  # signed in: an agent is online
    context = browser.new_context()
    try:
        customer = context.new_page()
        customer.set_default_timeout(30_000)
        customer.goto(f"{first.web_url}/")
        customer.click("#tandem-launcher")
        send(customer, "I want to talk to a person")
        shows(customer, ".tandem-msg.tandem-bot", "in the queue")
        session = customer.evaluate("localStorage.getItem('tandem_session_id')")

        row = desk.handoff_of(session)
        desk.ok("POST", f"handoffs/{row['id']}/claim")
        desk.ok("POST", f"handoffs/{row['id']}/messages", json={"text": "Hello from Sam on the other server."})
        reply = customer.locator(".tandem-msg.tandem-agent").first
        reply.wait_for()
        assert "other server" in reply.inner_text()

        send(customer, "great, thanks Sam")
        wait_for(
            lambda: any(m["text"] == "great, thanks Sam" for m in desk.detail(row["id"])["messages"] if m["kind"] == "customer")
        )

        desk.ok("POST", f"handoffs/{row['id']}/handback")
        shows(customer, ".tandem-msg.tandem-bot", "How did our team do")
    finally:
        context.close()
