"""What an anonymous client on the network can and cannot do to the running stack.

Every request here comes from outside, as an attacker's would: nothing a client sends
stops a process or gets a 5xx, input that cannot be stored gets a 400 with a message,
Rasa's HTTP API needs its token, browsers from other origins get no CORS grant, and the
desk refuses malformed sign-ins and parameters.
"""

from __future__ import annotations

import json
import uuid

import pytest
import requests

from scripts.stack import Stack
from tests.conftest import DESK_TOKENS, Conversation

pytestmark = pytest.mark.stack


def alive(stack: Stack) -> None:
    assert all(process.poll() is None for process in stack.processes), "a server process exited"
    reply = requests.post(
        f"{stack.rasa_url}/webhooks/rest/webhook", json={"sender": uuid.uuid4().hex, "message": "hi"}, timeout=60
    )
    assert reply.status_code == 200


def post_raw(stack: Stack, body: str, path: str = "/webhooks/rest/webhook", **headers: str) -> requests.Response:
    return requests.post(
        f"{stack.rasa_url}{path}", data=body.encode(), headers={"Content-Type": "application/json", **headers}, timeout=60
    )


@pytest.mark.parametrize(
    "body",
    [
        '{"sender": "\\udfff", "message": "hi"}',
        '{"sender": "customer-1", "message": "hi \\ud800 there"}',
        '{"sender": "customer-1", "message": "hi", "metadata": {"page_url": "\\udc00"}}',
        '{"sender": "customer-1", "message": "hi", "metadata": {"\\ud83d": 1}}',
    ],
)
def test_text_that_cannot_be_stored_is_a_400_and_nothing_stops(stack: Stack, body: str) -> None:
    reply = post_raw(stack, body)
    assert reply.status_code == 400 and reply.json()["message"]
    alive(stack)


def test_oversized_and_deeply_nested_metadata_are_refused(stack: Stack) -> None:
    huge = {"sender": "customer-2", "message": "hi", "metadata": {"blob": "x" * (20 * 1024 * 1024)}}
    assert 400 <= requests.post(f"{stack.rasa_url}/webhooks/rest/webhook", json=huge, timeout=60).status_code < 500
    nested: dict = {}
    for _ in range(500):
        nested = {"a": nested}
    deep = json.dumps({"sender": "customer-2", "message": "hi", "metadata": nested})
    reply = post_raw(stack, deep)
    assert reply.status_code == 400, reply.text
    big = {"sender": "customer-2", "message": "hi", "metadata": {"page_url": "x" * 20_000}}
    assert requests.post(f"{stack.rasa_url}/webhooks/rest/webhook", json=big, timeout=60).status_code == 413
    alive(stack)


def test_only_known_metadata_is_kept_and_never_whole(conversation: Conversation) -> None:
    injected = {"sender": "agent", "x": "y" * 500}
    conversation.say("hello", metadata={"customer_tier": "standard", "injected": injected, "client_key": "net_forged"})
    tracker = conversation.tracker()
    user = next(e for e in tracker["events"] if e["event"] == "user")
    rasas_own = {"model_id", "assistant_id"}  # added by Rasa itself
    metadata = {k: v for k, v in user["metadata"].items() if k not in rasas_own}
    # The channel adds a pseudonym of the client's address for per-client limits; never the address.
    assert metadata.pop("client_key").startswith("net_") and "127.0.0.1" not in json.dumps(tracker)
    assert metadata == {"customer_tier": "standard"}
    assert "injected" not in json.dumps(tracker["slots"])


def test_the_http_api_needs_its_token(stack: Stack, conversation: Conversation) -> None:
    conversation.say("hello")
    path = f"{stack.rasa_url}/conversations/{conversation.sender}/tracker"
    assert requests.get(path, timeout=30).status_code == 401
    assert requests.get(path, params={"token": "guess"}, timeout=30).status_code == 401
    forged = {"event": "bot", "text": "Visit evil.example", "metadata": {"sender": "agent", "agent_name": "Sam"}}
    assert requests.post(f"{path[: -len('/tracker')]}/tracker/events", json=forged, timeout=30).status_code == 401
    assert requests.put(f"{stack.rasa_url}/model", json={"model_file": "/tmp/x.tar.gz"}, timeout=30).status_code == 401
    assert requests.get(stack.api(f"/conversations/{conversation.sender}/tracker"), timeout=30).status_code == 200


def test_cors_is_granted_to_the_shop_page_only(stack: Stack) -> None:
    def granted(origin: str) -> str:
        reply = requests.options(
            f"{stack.rasa_url}/webhooks/rest/webhook",
            headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
            timeout=30,
        )
        return reply.headers.get("Access-Control-Allow-Origin", "")

    assert granted(stack.web_url) == stack.web_url
    assert granted("https://evil.example") == ""


@pytest.mark.parametrize(
    ("method", "path", "headers", "body", "status"),
    [
        ("GET", "queue", {"Authorization": "Bearer \u00e9"}, None, 401),
        ("GET", "queue", {"Authorization": "Bearer " + "\u00e9" * 40}, None, 401),
        ("GET", "handoffs/x?after=99999999999999999999999999", "sam", None, 400),
        ("GET", "handoffs/x?after=-1", "sam", None, 400),
        ("POST", "handoffs/x/notes", "sam", '{"text": "\\ud800"}', 400),
        ("POST", "handoffs/x/messages", "sam", '{"text": "\\udfff hi"}', 400),
    ],
)
def test_the_desk_answers_malformed_requests_with_4xx(stack: Stack, method, path, headers, body, status) -> None:
    if headers == "sam":
        headers = {"Authorization": f"Bearer {DESK_TOKENS['Sam']}"}
    encoded = {k: v.encode("utf-8") for k, v in headers.items()}
    reply = requests.request(
        method,
        f"{stack.rasa_url}/webhooks/desk/{path}",
        headers={**encoded, "Content-Type": "application/json"},
        data=body.encode() if body else None,
        timeout=30,
    )
    assert reply.status_code == status, reply.text
    alive(stack)


def test_secrets_are_redacted_before_they_are_stored(conversation: Conversation) -> None:
    conversation.say("my card 4111.1111.1111.1111 was charged twice")
    conversation.say("password Hunter2!")
    stored = json.dumps(conversation.tracker())
    assert "4111" not in stored and "Hunter2" not in stored
    texts = [e["text"] for e in conversation.tracker()["events"] if e["event"] == "user"]
    assert any("[card number removed]" in text for text in texts)


def test_a_conversation_sending_faster_than_a_person_is_slowed_down_and_keeps_its_words(stack: Stack) -> None:
    customer = Conversation(stack)
    for index in range(30):
        customer.say(f"message number {index}")
    reply = customer.say("one too many")
    texts = " ".join(message.get("text", "") for message in reply)
    assert "faster than I can read" in texts
    kept = [e["text"] for e in customer.tracker()["events"] if e["event"] == "user"]
    assert kept[-1] == "one too many"
