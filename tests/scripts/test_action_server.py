"""The action server answers only Tandem's Rasa server (scripts/action_server.py).

One server is started for the module, as scripts/stack.py starts it but on its own
port, with a known token and its stores in a temporary folder.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Dict, Iterator, Optional

import pytest
import requests
import yaml

from core.handoff.store import HandoffStore
from scripts.action_server import TOKEN_ENV, TOKEN_HEADER, TokenError, action_token

ROOT = Path(__file__).resolve().parent.parent.parent
HOST = "127.0.0.1"
PORT = 16555
URL = f"http://{HOST}:{PORT}"
TOKEN = "test-action-token-5f0d8c2a"
ENDPOINTS = ROOT / "endpoints.yml"

pytestmark = pytest.mark.timeout(180)


def _listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    if _listening(HOST, PORT):
        pytest.fail(f"port {PORT} is taken: another process would answer these tests")
    tmp = tmp_path_factory.mktemp("action-server")
    handoff_url = f"sqlite:///{tmp / 'handoff.db'}"
    endpoints = tmp / "endpoints.yml"
    endpoints.write_text(yaml.safe_dump({"livechat": {"type": "desk", "store_url": handoff_url}}))
    env = {
        **os.environ,
        TOKEN_ENV: TOKEN,
        "TANDEM_KB_URL": f"sqlite:///{tmp / 'kb.db'}",
        "TANDEM_HANDOFF_URL": handoff_url,
        "TANDEM_ENDPOINTS": str(endpoints),
        # Set so that nothing is generated into the project's var/.
        "TANDEM_PSEUDONYM_KEY": "test-pseudonym-key",
        "TANDEM_DESK_TOKENS": "Sam:test-desk-token",
    }
    log_path = tmp / "actions.log"
    log = open(log_path, "wb")
    # No --host: the default must be loopback.
    process = subprocess.Popen(
        [sys.executable, "-m", "scripts.action_server", "--port", str(PORT)],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                pytest.fail(f"the action server exited with code {process.returncode}:\n{log_path.read_text()[-3000:]}")
            try:
                if requests.get(f"{URL}/health", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the action server did not answer /health within 90 s:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.1)
        yield SimpleNamespace(handoffs=HandoffStore(handoff_url), log=log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


def action_call(domain: Dict[str, Any], action: str, sender: str, text: str) -> Dict[str, Any]:
    """What Rasa POSTs to /webhook to run ``action`` for ``sender`` (here: forged)."""
    message = {
        "text": text,
        "intent": {"name": "request_human", "confidence": 0.99},
        "entities": [],
        "message_id": "m1",
        "metadata": {},
    }
    events = [
        {"event": "action", "name": "action_session_start", "timestamp": 1.0},
        {"event": "session_started", "timestamp": 1.0},
        {"event": "action", "name": "action_listen", "timestamp": 1.0},
        {"event": "user", "text": text, "parse_data": message, "input_channel": "rest", "timestamp": 2.0},
    ]
    tracker = {
        "sender_id": sender,
        "slots": {},
        "latest_message": message,
        "latest_event_time": 2.0,
        "followup_action": None,
        "paused": False,
        "events": events,
        "latest_input_channel": "rest",
        "active_loop": {},
        "latest_action": {"action_name": "action_listen"},
        "latest_action_name": "action_listen",
    }
    return {"next_action": action, "sender_id": sender, "tracker": tracker, "domain": domain, "version": "3.6.21"}


def post(path: str, body: Any = None, token: Optional[str] = None, method: str = "POST") -> requests.Response:
    headers = {} if token is None else {TOKEN_HEADER: token}
    return requests.request(method, f"{URL}{path}", json=body, headers=headers, timeout=30)


def stored(server: SimpleNamespace, sender: str) -> bool:
    """Whether the handoff store holds any handoff of ``sender``'s conversation."""
    return server.handoffs.latest_for(sender) is not None


def test_health_needs_no_token(server: SimpleNamespace) -> None:
    reply = requests.get(f"{URL}/health", timeout=10)
    assert reply.status_code == 200
    assert reply.json() == {"status": "ok"}


@pytest.mark.parametrize(
    "token", [None, "", "wrong-token", TOKEN + "x", TOKEN[:-1]], ids=["none", "empty", "wrong", "longer", "shorter"]
)
def test_a_forged_handoff_is_refused_and_nothing_is_stored(
    server: SimpleNamespace, domain: Dict[str, Any], token: Optional[str]
) -> None:
    sender = f"victim-{token!s}"
    forged = action_call(domain, "action_handoff", sender, "Refund 5000 EUR to IBAN XX00 0000, approved by your manager")

    reply = post("/webhook", forged, token=token)

    assert reply.status_code == 401
    assert reply.json()["error"] == "unauthorized"
    assert "events" not in reply.json() and "responses" not in reply.json()
    assert not stored(server, sender)
    assert not [h for h in server.handoffs.queue() if h.conversation_id.startswith("victim-")]
    assert f"Refused POST /webhook from {HOST}" in server.log.read_text()


def test_the_token_is_needed_everywhere_but_health(server: SimpleNamespace) -> None:
    assert post("/actions", method="GET").status_code == 401
    assert post("/anything-else", method="GET").status_code in (401, 404)
    # A CORS preflight is answered by sanic-cors, as under `rasa run actions`: empty, nothing runs.
    preflight = post("/webhook", method="OPTIONS")
    assert preflight.content == b""

    listed = post("/actions", method="GET", token=TOKEN)
    assert listed.status_code == 200
    assert {"name": "action_handoff"} in listed.json()


def test_the_right_token_runs_the_action(server: SimpleNamespace, domain: Dict[str, Any]) -> None:
    reply = post("/webhook", action_call(domain, "action_handback", "customer-1", "hi"), token=TOKEN)

    assert reply.status_code == 200, reply.text
    assert [r["response"] for r in reply.json()["responses"]] == ["utter_handback", "utter_ask_satisfaction"]
    assert {"event": "slot", "name": "satisfaction_pending", "value": True, "timestamp": None} in reply.json()["events"]


def test_with_the_token_the_same_handoff_goes_through(server: SimpleNamespace, domain: Dict[str, Any]) -> None:
    """The control for the refusal test: the request it sends does create a handoff once authorised."""
    sender = "customer-with-token"
    reply = post("/webhook", action_call(domain, "action_handoff", sender, "a person please"), token=TOKEN)

    assert reply.status_code == 200, reply.text
    assert stored(server, sender)
    assert [h.conversation_id for h in server.handoffs.queue()] == [sender]


def _non_loopback_address() -> Optional[str]:
    """An IPv4 address of this machine other than loopback, or None."""
    candidates = []
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1; a UDP connect sends nothing, it only picks a route
            candidates.append(probe.getsockname()[0])
    except OSError:
        pass
    try:
        candidates += socket.gethostbyname_ex(socket.gethostname())[2]
    except OSError:
        pass
    for address in candidates:
        ip = ipaddress.ip_address(address)
        if ip.is_loopback or ip.is_unspecified:
            continue
        try:  # only an address of this machine can be bound
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as own:
                own.bind((address, 0))
        except OSError:
            continue
        return address
    return None


def test_it_is_not_reachable_on_other_addresses(server: SimpleNamespace) -> None:
    address = _non_loopback_address()
    if address is None:
        pytest.skip("this machine has no address but loopback")
    # Control: a server listening on every interface is reachable at that address.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as everywhere:
        everywhere.bind(("0.0.0.0", 0))
        everywhere.listen(1)
        assert _listening(address, everywhere.getsockname()[1])

    assert not _listening(address, PORT)
    assert _listening(HOST, PORT)


async def test_rasa_sends_the_token_from_endpoints_yml(
    server: SimpleNamespace, monkeypatch: pytest.MonkeyPatch, rasa_extended: None
) -> None:
    """The project's endpoints.yml, read by Rasa itself, through the bounded-history patch."""
    from rasa.core.actions.action import RemoteAction
    from rasa.core.channels import CollectingOutputChannel
    from rasa.core.nlg import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import SlotSet
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.shared.exceptions import RasaException
    from rasa.utils.endpoints import read_endpoint_config

    domain = Domain.load(str(ROOT / "domain.yml"))

    async def run_handback() -> list:
        endpoint = read_endpoint_config(str(ENDPOINTS), "action_endpoint")
        endpoint.url = f"{URL}/webhook"
        tracker = DialogueStateTracker("rasa-side", domain.slots)
        nlg = TemplatedNaturalLanguageGenerator(domain.responses)
        return await RemoteAction("action_handback", endpoint).run(CollectingOutputChannel(), nlg, tracker, domain)

    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    endpoint = read_endpoint_config(str(ENDPOINTS), "action_endpoint")
    assert endpoint.headers == {
        TOKEN_HEADER: TOKEN
    }, f"endpoints.yml: action_endpoint needs `headers: {{{TOKEN_HEADER}: ${{{TOKEN_ENV}}}}}` (unquoted)"
    assert SlotSet("satisfaction_pending", True) in await run_handback()

    monkeypatch.setenv(TOKEN_ENV, "not-the-servers-token")
    with pytest.raises(RasaException, match="Failed to execute custom action"):
        await run_handback()


def test_the_token_comes_from_the_environment_else_from_var(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import scripts.action_server as action_server

    monkeypatch.setattr(action_server, "local_secret", lambda name: f"kept-in-var/{name}")
    assert action_token({TOKEN_ENV: " abc-DEF_123 "}) == "abc-DEF_123"
    assert action_token({TOKEN_ENV: ""}) == "kept-in-var/action-token"
    assert action_token({}) == "kept-in-var/action-token"
    with pytest.raises(TokenError, match=TOKEN_ENV):
        action_token({TOKEN_ENV: "two words"})
