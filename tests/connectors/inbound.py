"""Agents' side of a live-chat tool in tests: an inbound channel on a real loopback server, and its client.

``serving(Harness, channel, actions)`` runs ``channel`` with ``tests.fakes.serve`` (mounted at
``/webhooks/<name>/`` as Rasa mounts channels) and yields a ``Harness(actions, url)``, an
``Inbound`` that posts to the channel's webhook and reads its health route; the
``RecordingActions`` behind the channel tell what agents' events did.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Callable, ClassVar, Dict, Mapping, Tuple, TypeVar

import aiohttp

from tests.fakes import RecordingActions, serve


class Inbound:
    """A client of one channel; subclasses name it (``channel``) and sign their events."""

    channel: ClassVar[str]  # the channel's name(): its routes are under /webhooks/<channel>/

    def __init__(self, actions: RecordingActions, url: str) -> None:
        self.actions, self.url = actions, url

    async def post(self, body: bytes, headers: Mapping[str, str]) -> Tuple[int, Dict[str, Any]]:
        """POST to the channel's webhook; the status and the JSON answer, whatever its content type."""
        async with aiohttp.ClientSession() as session:
            async with session.post(f"{self.url}/webhooks/{self.channel}/webhook", data=body, headers=headers) as reply:
                return reply.status, await reply.json(content_type=None)

    async def health(self) -> Tuple[int, Any]:
        """GET the channel's health route; its answer must be JSON."""
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{self.url}/webhooks/{self.channel}/") as reply:
                return reply.status, await reply.json()


Harness = TypeVar("Harness", bound=Inbound)


@asynccontextmanager
async def serving(
    harness: Callable[[RecordingActions, str], Harness], channel: Any, actions: RecordingActions
) -> AsyncIterator[Harness]:
    """``channel`` served on loopback for the ``with`` block; the server is closed after it."""
    server, url = await serve(channel)
    try:
        yield harness(actions, url)
    finally:
        server.close()
        await server.wait_closed()
