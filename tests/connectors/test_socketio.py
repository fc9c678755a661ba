"""The socket.io channel against the running stack, as a hostile client would use it."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any, List

import pytest
import requests
import socketio

from scripts.stack import Stack

pytestmark = pytest.mark.stack


class Client:
    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.sio = socketio.AsyncClient(reconnection=False)
        self.confirmed: asyncio.Queue = asyncio.Queue()
        self.bot: List[Any] = []
        self.sio.on("session_confirm", self.confirmed.put_nowait)
        self.sio.on("bot_uttered", self.bot.append)

    async def __aenter__(self) -> Client:
        await self.sio.connect(self.stack.rasa_url, socketio_path="socket.io", transports=["websocket"], wait_timeout=30)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.sio.disconnect()

    async def session(self, session_id: Any) -> str:
        await self.sio.emit("session_request", {"session_id": session_id})
        return await asyncio.wait_for(self.confirmed.get(), timeout=30)

    async def say(self, text: str, session_id: Any) -> None:
        before = len(self.bot)
        await self.sio.emit("user_uttered", {"message": text, "session_id": session_id})
        for _ in range(600):  # poll until the reply arrives (bounded): 30 s
            if len(self.bot) > before:
                return
            await asyncio.sleep(0.05)
        raise AssertionError("no reply")


def user_texts(stack: Stack, session_id: str) -> List[str]:
    tracker = requests.get(stack.api(f"/conversations/{session_id}/tracker"), timeout=30).json()
    return [e["text"] for e in tracker["events"] if e["event"] == "user"]


@pytest.mark.parametrize("asked", ["\udfff", "", "short", "a" * 500, 42, None, "../../etc"])
async def test_a_session_id_that_is_not_random_is_replaced_by_a_new_one(stack: Stack, asked: Any) -> None:
    async with Client(stack) as client:
        given = await client.session(asked)
        assert given != asked and uuid.UUID(given)
        await client.say("hello", given)
    assert all(process.poll() is None for process in stack.processes)


async def test_a_message_goes_to_the_sockets_own_session_not_the_one_it_names(stack: Stack) -> None:
    victim_id, attacker_id = str(uuid.uuid4()), str(uuid.uuid4())
    async with Client(stack) as victim, Client(stack) as attacker:
        assert await victim.session(victim_id) == victim_id
        await victim.say("where is my order", victim_id)
        assert await attacker.session(attacker_id) == attacker_id
        await attacker.say("I want my money back now", victim_id)
    assert "I want my money back now" not in user_texts(stack, victim_id)
    assert "I want my money back now" in user_texts(stack, attacker_id)


async def test_a_message_before_any_session_request_is_dropped(stack: Stack) -> None:
    named = str(uuid.uuid4())
    async with Client(stack) as client:
        await client.sio.emit("user_uttered", {"message": "hello", "session_id": named})
        # A later, proper session on the same socket proves the server kept going.
        own = await client.session(str(uuid.uuid4()))
        await client.say("hi", own)
    assert user_texts(stack, named) == []


JWT_KEY = "test-socketio-signing-key-0123456789"


@pytest.fixture(scope="module")
def signed_stack(model_path, tmp_path_factory):
    import yaml

    from scripts.stack import ROOT, Ports, start_stack
    from tests.conftest import API_TOKEN, STACK_ENV

    workdir = tmp_path_factory.mktemp("socketio-jwt")
    credentials = yaml.safe_load((ROOT / "credentials.yml").read_text())
    credentials["connectors.socketio.SocketIOInput"].update({"jwt_key": JWT_KEY, "jwt_method": "HS256"})
    path = workdir / "credentials.yml"
    path.write_text(yaml.safe_dump(credentials))
    with start_stack(
        model_path,
        Ports(rasa=15805, actions=15855, web=18880),
        workdir,
        workdir / "tracker.db",
        web=False,
        kb_url=f"sqlite:///{workdir / 'kb.db'}",
        env=STACK_ENV,
        api_token=API_TOKEN,
        credentials=path,
    ) as running:
        yield running


@pytest.mark.parametrize("token", [None, "not-a-jwt", "forged"])
async def test_with_a_jwt_key_only_signed_clients_connect(signed_stack: Stack, token) -> None:
    import jwt

    if token == "forged":
        token = jwt.encode({"user": "mallory"}, "another-key-of-enough-length-000", algorithm="HS256")
    client = socketio.AsyncClient(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.connect(
            signed_stack.rasa_url, socketio_path="socket.io", transports=["websocket"], auth={"token": token}, wait_timeout=30
        )
    assert all(process.poll() is None for process in signed_stack.processes)


async def test_with_a_jwt_key_a_signed_client_is_served(signed_stack: Stack) -> None:
    import jwt

    token = jwt.encode({"user": "customer-42"}, JWT_KEY, algorithm="HS256")
    client = Client(signed_stack)
    await client.sio.connect(
        signed_stack.rasa_url, socketio_path="socket.io", transports=["websocket"], auth={"token": token}, wait_timeout=30
    )
    try:
        session = await client.session(str(uuid.uuid4()))
        await client.say("hello", session)
    finally:
        await client.sio.disconnect()
