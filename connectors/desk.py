"""The built-in agent desk: the live-chat tool that ``make run`` starts with no setup.

An input channel only for its routes (mounted by Rasa under ``/webhooks/desk/``):
a web page where an agent signs in with a token, sees the queue ordered by
priority and age with each packet laid out for action, claims a conversation,
chats with the customer live, leaves internal notes, and resolves it or hands it
back to the bot. It reads handoffs straight from the handoff store, so any Rasa
instance serves the same desk; what agents do goes through the relay
(``AgentActions``), like every other live-chat tool.

Agents and their tokens: ``TANDEM_DESK_TOKENS`` (``Name:token,...``); without it one
agent, "Support agent", whose token ``make run`` prints (kept in ``var/desk-token``).

Errors are JSON ``{"error", "message"}``: 401 without a valid token, 404 for an
unknown handoff, 400 for a malformed body, 409 when the handoff's state does not
allow the action (claimed by someone else, already resolved).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Optional, Tuple

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors.handoff import runtime
from connectors.handoff.livechat import InvalidTransition, UnknownHandoff
from core import clock
from core.inputs import ClientInputError, check_text

logger = logging.getLogger(__name__)

PAGE_DIR = Path(__file__).resolve().parent.parent / "web" / "desk"
MAX_TEXT_CHARS = 4000
CLOSE_ACTIONS = {"resolve": "resolved", "handback": "returned_to_bot"}


class DeskError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def error_response(error: DeskError) -> HTTPResponse:
    return response.json({"error": error.code, "message": error.message}, status=error.status)


def agent_id_for(token: str) -> str:
    """A stable id for the agent that does not reveal the token."""
    return "desk-" + hashlib.sha256(token.encode()).hexdigest()[:12]


def iso(value: Optional[datetime]) -> Optional[str]:
    return value.replace(tzinfo=timezone.utc).isoformat() if value else None


class AgentDeskInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "desk"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        return cls()

    def __init__(self, actions: Optional[Callable[[], Any]] = None) -> None:
        self._actions = actions or runtime.agent_actions

    # --- helpers ---------------------------------------------------------------------

    @staticmethod
    def _settings() -> Any:
        from connectors.handoff.config import settings

        return settings()

    def _authenticate(self, request: Request) -> Tuple[str, str]:
        header = request.headers.get("Authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else ""
        # Compared as bytes: compare_digest refuses non-ASCII str, and a header is the client's to choose.
        given = token.encode("utf-8", "surrogateescape")
        for known, name in self._settings().desk_tokens.items():
            if token and hmac.compare_digest(known.encode("utf-8"), given):
                return agent_id_for(token), name
        raise DeskError(401, "unauthorized", "Sign in with a valid desk token (Authorization: Bearer <token>).")

    @staticmethod
    def _text(request: Request) -> str:
        try:
            body = request.json
        except Exception:
            body = None
        if not isinstance(body, dict):
            raise DeskError(400, "invalid_json", 'The body must be a JSON object like {"text": "..."}.')
        try:
            return check_text(body.get("text"), "text", MAX_TEXT_CHARS).strip()
        except ClientInputError as error:
            raise DeskError(400, error.code, error.message) from None

    @staticmethod
    def _store() -> Any:
        from connectors.handoff.relay import relay

        return relay().store

    async def _guard(self, request: Request, handler: Callable[[str, str], Awaitable[HTTPResponse]]) -> HTTPResponse:
        try:
            agent_id, agent_name = self._authenticate(request)
            await asyncio.to_thread(self._store().agent_seen, agent_id, agent_name)
            return await handler(agent_id, agent_name)
        except DeskError as error:
            return error_response(error)
        except UnknownHandoff:
            return error_response(DeskError(404, "unknown_handoff", "No handoff with that id."))
        except InvalidTransition as error:
            return error_response(DeskError(409, "invalid_transition", str(error)))

    # --- routes ----------------------------------------------------------------------------

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        desk = Blueprint("tandem_agent_desk", __name__)
        runtime.start_with(desk)

        @desk.route("/", methods=["GET"])
        async def page(request: Request) -> HTTPResponse:
            return await response.file(PAGE_DIR / "index.html", headers={"Cache-Control": "no-store"})

        @desk.route("/desk.js", methods=["GET"])
        async def script(request: Request) -> HTTPResponse:
            return await response.file(PAGE_DIR / "desk.js", headers={"Cache-Control": "no-store"})

        @desk.route("/login", methods=["POST"])
        async def login(request: Request) -> HTTPResponse:
            async def handle(agent_id: str, agent_name: str) -> HTTPResponse:
                return response.json({"agent_id": agent_id, "name": agent_name})

            return await self._guard(request, handle)

        @desk.route("/queue", methods=["GET"])
        async def queue(request: Request) -> HTTPResponse:
            async def handle(agent_id: str, agent_name: str) -> HTTPResponse:
                store = self._store()
                handoffs = await asyncio.to_thread(store.queue)
                now = clock.utcnow()
                position = 0
                rows = []
                for h in handoffs:
                    if h.status == "queued":
                        position += 1
                    rows.append(
                        {
                            "id": h.id,
                            "conversation_id": h.conversation_id,
                            "status": h.status,
                            "priority": h.priority,
                            "queue": h.queue,
                            "reason": h.reason,
                            "explanation": (h.packet.get("reason") or {}).get("explanation"),
                            "summary": h.packet.get("summary") or {},
                            "tier": (h.packet.get("customer") or {}).get("tier"),
                            "channel": h.channel,
                            "agent_name": h.agent_name,
                            "mine": h.agent_id == agent_id,
                            "position": position if h.status == "queued" else None,
                            "created_at": iso(h.created_at),
                            "waiting_seconds": int((now - h.created_at).total_seconds()),
                            "after_hours": h.after_hours,
                        }
                    )
                return response.json({"agent": {"id": agent_id, "name": agent_name}, "handoffs": rows})

            return await self._guard(request, handle)

        @desk.route("/handoffs/<handoff_id>", methods=["GET"])
        async def detail(request: Request, handoff_id: str) -> HTTPResponse:
            async def handle(agent_id: str, agent_name: str) -> HTTPResponse:
                try:
                    after = int(request.args.get("after", "0"))
                    if not 0 <= after < 2**63:  # beyond any row id, and beyond what a database integer holds
                        raise ValueError(after)
                except ValueError:
                    raise DeskError(400, "invalid_after", "'after' must be a message id (an integer).") from None
                store = self._store()
                h = await asyncio.to_thread(store.get, handoff_id)
                messages = await asyncio.to_thread(store.messages, handoff_id, after)
                return response.json(
                    {
                        "handoff": {
                            "id": h.id,
                            "status": h.status,
                            "priority": h.priority,
                            "queue": h.queue,
                            "reason": h.reason,
                            "agent_name": h.agent_name,
                            "mine": h.agent_id == agent_id,
                            "follow_up_email": h.follow_up_email,
                            "satisfaction": h.satisfaction,
                            "packet": h.packet,
                        },
                        "messages": [
                            {"id": m.id, "kind": m.kind, "author": m.author, "text": m.text, "at": iso(m.created_at)}
                            for m in messages
                        ],
                    }
                )

            return await self._guard(request, handle)

        @desk.route("/handoffs/<handoff_id>/claim", methods=["POST"])
        async def claim(request: Request, handoff_id: str) -> HTTPResponse:
            async def handle(agent_id: str, agent_name: str) -> HTTPResponse:
                await self._actions().claim(handoff_id, agent_id, agent_name)
                return response.json({"status": "assigned"})

            return await self._guard(request, handle)

        @desk.route("/handoffs/<handoff_id>/messages", methods=["POST"])
        async def reply(request: Request, handoff_id: str) -> HTTPResponse:
            async def handle(agent_id: str, agent_name: str) -> HTTPResponse:
                text = self._text(request)
                await self._mine_or_free(handoff_id, agent_id)
                await self._actions().agent_message(handoff_id, text, agent_id, agent_name)
                return response.json({"status": "sent"}, status=201)

            return await self._guard(request, handle)

        @desk.route("/handoffs/<handoff_id>/notes", methods=["POST"])
        async def note(request: Request, handoff_id: str) -> HTTPResponse:
            async def handle(agent_id: str, agent_name: str) -> HTTPResponse:
                text = self._text(request)
                await asyncio.to_thread(self._store().get, handoff_id)
                await self._actions().note(handoff_id, text, agent_id, agent_name)
                return response.json({"status": "noted"}, status=201)

            return await self._guard(request, handle)

        @desk.route("/handoffs/<handoff_id>/<action>", methods=["POST"])
        async def close(request: Request, handoff_id: str, action: str) -> HTTPResponse:
            async def handle(agent_id: str, agent_name: str) -> HTTPResponse:
                if action not in CLOSE_ACTIONS:
                    raise DeskError(404, "unknown_action", f"Use one of: claim, messages, notes, {', '.join(CLOSE_ACTIONS)}.")
                await self._mine_or_free(handoff_id, agent_id)
                await self._actions().close(handoff_id, CLOSE_ACTIONS[action], agent_id, agent_name)
                return response.json({"status": CLOSE_ACTIONS[action]})

            return await self._guard(request, handle)

        return desk

    async def _mine_or_free(self, handoff_id: str, agent_id: str) -> None:
        """Only the agent who claimed a conversation speaks in it or closes it."""
        h = await asyncio.to_thread(self._store().get, handoff_id)
        if h.status == "assigned" and h.agent_id != agent_id:
            raise InvalidTransition(f"handoff {handoff_id} is assigned to {h.agent_name}")
