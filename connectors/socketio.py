"""The website widget's channel: Rasa's socket.io channel, fixed and made handoff-aware.

Differences from ``rasa.core.channels.socketio.SocketIOInput`` (same name, ``socketio``,
so trackers and the widget do not change):

- ``enter_room`` is awaited when the installed python-socketio makes it a coroutine
  (RasaHQ/rasa#13027: without it replies never reach the browser), so the channel
  does not depend on one pinned release to work.
- Malformed events (not an object, no text, text too long, metadata not an object)
  are dropped with a warning naming the problem, never with a traceback; message
  text is never logged.
- Messages of a handed-off conversation go to the person helping (runtime.relay_incoming),
  and agents' replies, queue updates and the handoff state (``handoff_status`` event)
  reach the customer's room from any Rasa instance: with ``redis_url`` in
  credentials.yml the socket.io server shares rooms across instances through Redis.
- A reconnecting customer is told the current handoff state right after
  ``session_confirm``, so a reload shows "you're talking with Sam" again.

Subclasses only, no patching: the channel builds its own blueprint, and Rasa's and
python-socketio's classes stay as they are for everyone else (Rasa's internals are
patched only in rasa_extensions/). The private hooks it overrides,
``SocketIOOutput._send_message`` and ``AsyncServer._engineio_server_class``, are
checked against the pinned versions by tests/rasa_extensions/test_patches.py.
"""

from __future__ import annotations

import inspect
import json
import logging
import re
import uuid
from typing import Any, Awaitable, Callable, Dict, Mapping, Optional, Text

import engineio
import jwt
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOOutput
from rasa.core.channels.socketio import SocketIOInput as RasaSocketIOInput
from rasa.shared.core.events import BotUttered
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from connectors.handoff import runtime
from core.inputs import CLIENT_KEY, CUSTOMER_METADATA_KEYS, ClientInputError, check_metadata, check_text, known_metadata

logger = logging.getLogger(__name__)

# Session ids a client may bring back: random ids such as the widget's UUIDs (32+ hex digits).
SESSION_ID = re.compile(r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}")
# A reconnecting widget gets at most this many missed messages (the rest are in the tracker).
MAX_REPLAYED = 50
HANDOFF_STATUS_EVENT = "handoff_status"
# Responses that tell a customer they are waiting for a person (domain.yml).
WAITING_RESPONSES = (
    "utter_handoff_wait",
    "utter_handoff_open_no_agent",
    "utter_handoff_closed_",
    "utter_queue_update",
    "utter_handoff_delayed",
)


class HandoffAwareOutput(SocketIOOutput):
    """Rasa's socket.io output that also carries message metadata (who is speaking), the
    message's timestamp (the widget asks for what it missed by it) and handoff state."""

    def __init__(self, sio: AsyncServer, bot_message_evt: Text, replayed: bool = False) -> None:
        super().__init__(sio, bot_message_evt)
        self._stamp: Dict[Text, Any] = {}
        self.replayed = replayed

    async def _send_message(self, socket_id: Text, response: Any) -> None:
        if isinstance(response, dict) and self._stamp:
            response = {**response, **self._stamp}
        await super()._send_message(socket_id, response)

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        timestamp = message.get("timestamp")
        self._stamp = {"timestamp": timestamp} if isinstance(timestamp, (int, float)) else {}
        if self.replayed:
            self._stamp["replayed"] = True
        try:
            await self._send_response(recipient_id, message)
        finally:
            self._stamp = {}

    async def _send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        metadata = message.get("metadata") or {}
        if metadata.get("sender") == "agent" or message.get("sender") == "agent":
            agent = {**metadata, **{k: message[k] for k in ("sender", "agent_name") if k in message}}
            await self._send_message(recipient_id, {"text": message.get("text", ""), "metadata": agent})
            return
        response_name = message.get("utter_action") or metadata.get("utter_action") or ""
        message = {k: v for k, v in message.items() if k != "metadata"}
        text = str(message.get("text") or "")
        await super().send_response(recipient_id, message)
        # The widget's status line follows the handoff: the bot's own messages mark its turns.
        if response_name.startswith(WAITING_RESPONSES):
            await self.send_handoff_status(recipient_id, {"state": "waiting", "text": text, "agent_name": None})
        elif response_name == "utter_handback":
            await self.send_handoff_status(recipient_id, {"state": "ended", "text": "", "agent_name": None})

    async def send_handoff_status(self, recipient_id: Text, status: Mapping[str, Any]) -> None:
        await self.sio.emit(HANDOFF_STATUS_EVENT, dict(status), room=recipient_id)


class _EngineIOServer(engineio.AsyncServer):
    async def handle_request(self, *args: Any, **kwargs: Any) -> Any:
        # A websocket ends with no HTTP response, which Sanic logs as an ERROR traceback on
        # every closed tab; answer it with an empty one instead.
        result = await super().handle_request(*args, **kwargs)
        return response.empty() if result is None else result


class _SocketIOServer(AsyncServer):
    def _engineio_server_class(self) -> type:
        return _EngineIOServer


class SocketIOInput(RasaSocketIOInput):  # noqa: D101 - see the module docstring
    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        channel = super().from_credentials(credentials)
        channel.redis_url = (credentials or {}).get("redis_url")  # type: ignore[attr-defined]
        channel.redis_channel = (credentials or {}).get("redis_channel", "tandem-socketio")  # type: ignore[attr-defined]
        return channel

    def _server(self) -> AsyncServer:
        manager = None
        redis_url = getattr(self, "redis_url", None)
        if redis_url:
            import socketio

            manager = socketio.AsyncRedisManager(redis_url, channel=getattr(self, "redis_channel", "tandem-socketio"))
        # cors_allowed_origins=[]: Sanic's CORS (rasa run --cors) answers, not socket.io's own check.
        return _SocketIOServer(async_mode="sanic", cors_allowed_origins=[], client_manager=manager)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        sio = self._server()
        self.sio = sio
        blueprint = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        relayed = runtime.relay_incoming(on_new_message, self.name())
        runtime.register_output(self.name(), lambda conversation_id, metadata: HandoffAwareOutput(sio, self.bot_message_evt))

        runtime.start_with(blueprint)

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: Text, environ: Dict, auth: Optional[Dict]) -> bool:
            request = environ.get("sanic.request")
            address = (request.remote_addr or request.ip) if request is not None else environ.get("REMOTE_ADDR")
            await sio.save_session(sid, {"client_key": runtime.client_key(address)}, namespace=self.namespace)
            if not self.jwt_key:
                return True
            token = (auth or {}).get("token") if isinstance(auth, dict) else None
            if not isinstance(token, str) or not token:
                logger.warning("socketio: refused a connection from %s: no token (jwt_key is set)", sid)
                return False
            try:
                jwt.decode(token.removeprefix("Bearer "), self.jwt_key, algorithms=[self.jwt_algorithm])
            except jwt.PyJWTError as error:  # a client's bad token is a refusal, not a server error
                logger.warning("socketio: refused a connection from %s: %s", sid, type(error).__name__)
                return False
            return True

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Any) -> None:
            data = data if isinstance(data, dict) else {}
            session_id = data.get("session_id")
            if not isinstance(session_id, str) or not SESSION_ID.fullmatch(session_id):
                # Only random ids (the widget's UUIDs): a short or chosen id could be guessed and claimed.
                session_id = uuid.uuid4().hex
            # Messages of this socket belong to this session only: a client cannot write into
            # another session by naming it in a message.
            state = await sio.get_session(sid, namespace=self.namespace)
            await sio.save_session(sid, {**state, "session_id": session_id}, namespace=self.namespace)
            if self.session_persistence:
                entered = sio.enter_room(sid, session_id, namespace=self.namespace)
                if inspect.isawaitable(entered):
                    await entered
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)
            await self._send_current_status(sio, sid, session_id)
            await self._replay_missed(sio, sid, session_id, data.get("last_seen"))

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Any) -> None:
            state = await sio.get_session(sid, namespace=self.namespace)
            parsed = self._parse(sid, data, state.get("session_id"))
            if parsed is None:
                return
            sender_id, text, metadata = parsed
            if state.get("client_key"):
                metadata = {**metadata, CLIENT_KEY: state["client_key"]}
            output = HandoffAwareOutput(sio, self.bot_message_evt)
            await relayed(UserMessage(text, output, sender_id, input_channel=self.name(), metadata=metadata))

        return blueprint

    def _parse(self, sid: Text, data: Any, bound_session: Optional[str]) -> Optional[tuple]:
        """(sender id, text, known metadata) of a message event, or None (dropped, with the reason logged)."""
        if not isinstance(data, dict):
            logger.warning("socketio: dropped an event from %s: not a JSON object", sid)
            return None
        try:
            text = check_text(data.get("message"))
            metadata = data.get(self.metadata_key) or {}
            if isinstance(metadata, str):
                try:
                    metadata = json.loads(metadata)
                except ValueError:
                    metadata = {}
            metadata = check_metadata(metadata if isinstance(metadata, dict) else {})
        except ClientInputError as error:
            logger.warning("socketio: dropped an event from %s: %s", sid, error.code)
            return None
        if self.session_persistence:
            if bound_session is None:
                logger.warning("socketio: dropped an event from %s: no session (send session_request first)", sid)
                return None
            sender_id = bound_session
        else:
            sender_id = sid
        return sender_id, text, known_metadata(metadata, CUSTOMER_METADATA_KEYS)

    async def _replay_missed(self, sio: AsyncServer, sid: Text, session_id: Text, last_seen: Any) -> None:
        """Send this socket the bot and agent messages said after ``last_seen`` (a bot
        message timestamp the widget keeps): a reply is never lost to a closed tab or a
        dropped connection, because the tracker still has it."""
        if not isinstance(last_seen, (int, float)) or isinstance(last_seen, bool) or last_seen <= 0:
            return
        from connectors.handoff.relay import relay

        try:
            tracker = await relay().rasa_agent().processor.get_tracker(session_id)
        except Exception:
            logger.exception("socketio: could not read conversation %s to replay missed messages", session_id)
            return
        missed = [e for e in tracker.events if isinstance(e, BotUttered) and e.timestamp > last_seen]
        output = HandoffAwareOutput(sio, self.bot_message_evt, replayed=True)
        for event in missed[-MAX_REPLAYED:]:
            await output.send_response(sid, event.message())

    async def _send_current_status(self, sio: AsyncServer, sid: Text, session_id: Text) -> None:
        from connectors.handoff.relay import relay

        try:
            status = await relay().current_status(session_id)
        except Exception:  # the status line is a courtesy; the conversation works without it
            logger.exception("socketio: could not read the handoff state of %s", session_id)
            return
        if status is not None:
            await sio.emit(HANDOFF_STATUS_EVENT, status, room=sid, namespace=self.namespace)
