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
