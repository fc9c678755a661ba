"""Bad input through the real REST channel: a clear answer, never a 500, and the server keeps serving."""

import pytest
import requests

pytestmark = pytest.mark.stack


def post(stack, **kwargs):
    return requests.post(f"{stack.rasa_url}/webhooks/rest/webhook", timeout=60, **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "status", "error"),
    [
        ({"json": {"sender": "bad-1", "message": ""}}, 400, "empty_message"),
        ({"json": {"sender": "bad-2", "message": "   \n\t "}}, 400, "empty_message"),
        ({"json": {"sender": "bad-3", "message": "x" * 10_000}}, 413, "message_too_long"),
        ({"json": {"sender": "bad-4"}}, 400, "missing_message"),
        ({"json": {"message": "hello"}}, 400, "missing_sender"),
        ({"json": {"sender": "bad-5", "message": 42}}, 400, "missing_message"),
        ({"json": {"sender": "bad-6", "message": "hi", "metadata": "vip"}}, 400, "invalid_metadata"),
        ({"json": ["sender", "message"]}, 400, "invalid_json"),
        ({"data": "sender=a&message=hi", "headers": {"Content-Type": "application/json"}}, 400, "invalid_json"),
        ({"data": b"\xff\xfe not json"}, 400, "invalid_json"),
    ],
    ids=[
        "empty",
        "whitespace",
        "10k-chars",
        "no-message",
        "no-sender",
        "message-not-text",
        "metadata-not-object",
        "json-array",
        "form-body",
        "binary-body",
    ],
)
def test_bad_requests_get_a_clear_4xx(stack, kwargs, status, error):
    reply = post(stack, **kwargs)

    assert reply.status_code == status
    body = reply.json()
    assert body["error"] == error
    assert body["message"]


@pytest.mark.parametrize(
    "text",
    ["😀😀🎉", "¿Dónde está mi pedido? Necesito ayuda", "Wo ist meine Bestellung", "a" * 2000, "'; DROP TABLE events; --"],
    ids=["emoji-only", "spanish", "german", "at-the-limit", "sql-ish"],
)
def test_odd_but_valid_messages_get_a_polite_reply(conversation, text):
    replies = conversation.say(text)

    assert replies, "the bot must always answer something"
    assert all(r.get("text") for r in replies)


def test_server_keeps_serving_after_bad_input(stack, conversation):
    post(stack, data=b"{{{")
    post(stack, json={"sender": "x", "message": "y" * 50_000})

    assert conversation.say("hello")
    assert conversation.responses() == ["utter_greet"]


def test_metadata_is_kept_in_the_tracker(conversation):
    conversation.say("hi", metadata={"page_url": "https://shop.example/cart", "customer_tier": "vip"})

    user = [e for e in conversation.tracker()["events"] if e["event"] == "user"][-1]
    assert user["metadata"]["customer_tier"] == "vip"
