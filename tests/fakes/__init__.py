"""Local stand-ins for what Tandem talks to, so connector tests need no network.

- ``tests.fakes.slack_api``: Slack's Web API; ``tests.fakes.slack_requests``: signed Slack requests;
- ``tests.fakes.chatwoot``: Chatwoot's Application API and signed Chatwoot webhooks;
- here: ``RecordingActions``, an in-memory ``AgentActions`` (the relay's side of an
  inbound webhook) that records what agents did, and ``serve``, which runs an input
  channel on a loopback Sanic server mounted the way Rasa mounts channels.
"""

from __future__ import annotations

import socket
import uuid
from typing import Any, Dict, List, Optional, Set, Tuple

from connectors.handoff.livechat import AgentActions, InvalidTransition, UnknownHandoff


class RecordingActions(AgentActions):
    """Remembers every call; knows the handoffs it was told about and their remote references.

    ``link(connector, key, value, handoff_id)`` makes ``find`` answer; a closed handoff
    refuses further agent actions with ``InvalidTransition`` like the store does;
    ``fail_with`` makes the next action raise that exception."""

    def __init__(self) -> None:
        self.remote: Dict[Tuple[str, str, Any], str] = {}
        self.handoffs: Set[str] = set()
        self.closed: Set[str] = set()
        self.statuses: Dict[str, str] = {}  # closing status by handoff, named in refusals as the store does
        self.calls: List[Tuple[Any, ...]] = []
        self.seen: Set[Tuple[str, str]] = set()
        self.fail_with: Optional[Exception] = None

    def link(self, connector: str, key: str, value: Any, handoff_id: str) -> None:
        self.remote[(connector, key, value)] = handoff_id
        self.handoffs.add(handoff_id)

    async def find(self, connector: str, key: str, value: Any) -> str:
        try:
            return self.remote[(connector, key, value)]
        except KeyError:
            raise UnknownHandoff(f"{connector}:{key}={value}") from None

    def _check(self, handoff_id: str) -> None:
        if self.fail_with is not None:
            error, self.fail_with = self.fail_with, None
            raise error
        if handoff_id not in self.handoffs:
            raise UnknownHandoff(handoff_id)
        if handoff_id in self.closed:
            raise InvalidTransition(f"handoff {handoff_id} is {self.statuses.get(handoff_id, 'closed')}")

    async def claim(self, handoff_id: str, agent_id: str, agent_name: str) -> None:
        self._check(handoff_id)
        self.calls.append(("claim", handoff_id, agent_id, agent_name))

    async def agent_message(self, handoff_id: str, text: str, agent_id: str, agent_name: str) -> None:
        self._check(handoff_id)
        self.calls.append(("agent_message", handoff_id, text, agent_id, agent_name))

    async def note(self, handoff_id: str, text: str, agent_id: str, agent_name: str) -> None:
        self._check(handoff_id)
        self.calls.append(("note", handoff_id, text, agent_id, agent_name))

    async def close(self, handoff_id: str, status: str, agent_id: str, agent_name: str) -> None:
        self._check(handoff_id)
        self.closed.add(handoff_id)
        self.statuses[handoff_id] = status
        self.calls.append(("close", handoff_id, status, agent_id, agent_name))

    async def already_processed(self, source: str, event_id: str) -> bool:
        if (source, event_id) in self.seen:
            return True
        self.seen.add((source, event_id))
        return False

    async def forget(self, source: str, event_id: str) -> None:
        self.seen.discard((source, event_id))


async def serve(channel: Any, agent: Any = None) -> Tuple[Any, str]:
    """Run ``channel`` on a free loopback port, mounted at ``/webhooks/<name>/`` as Rasa does.

    ``agent`` becomes ``app.ctx.agent``, where Rasa's channels find the agent that handles messages.
    Returns the asyncio server (``close()`` then ``await wait_closed()``) and its base URL.
    Tests running several apps in one process set ``Sanic.test_mode`` (see the test modules)."""
    from rasa.core.channels.channel import register
    from sanic import Sanic

    app = Sanic(f"tandem_test_{uuid.uuid4().hex}")
    if agent is not None:
        app.ctx.agent = agent
    register([channel], app, route="/webhooks/")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    server = await app.create_server(sock=sock, return_asyncio_server=True, access_log=False)
    await server.startup()
    await server.before_start()
    await server.after_start()
    return server, f"http://127.0.0.1:{sock.getsockname()[1]}"
