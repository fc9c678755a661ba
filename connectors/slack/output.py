"""Bot messages to a customer's Slack DM or thread (the customers' ``OutputChannel``).

A bot message (text, image, buttons together) is one chat.postMessage in Block Kit
(blocks.py). A reply that cannot be posted is retried by the client as its
``RetryPolicy`` says (network error, 5xx, rate limits honouring ``Retry-After``), then
logged with the conversation id; never the text.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional

from rasa.core.channels.channel import OutputChannel

from connectors.slack.blocks import escape, render_message, text_blocks, truncate
from connectors.slack.client import AsyncSlackClient, SlackError

logger = logging.getLogger(__name__)

ENV_TOKEN = "SLACK_BOT_TOKEN"


class SlackOutput(OutputChannel):
    """Posts a conversation's bot messages into its Slack DM or thread.

    Delivery never raises: a turn of the dialogue must not fail because Slack is
    unreachable. Failures are logged with the conversation id and counted in
    ``failed_deliveries`` for callers that want to know."""

    @classmethod
    def name(cls) -> str:
        return "slack"

    def __init__(
        self, client: Optional[AsyncSlackClient], conversation_id: str, channel: str, thread_ts: Optional[str] = None
    ) -> None:
        super().__init__()
        self.client = client
        self.conversation_id = conversation_id
        self.channel = channel
        self.thread_ts = thread_ts
        self.failed_deliveries = 0

    async def _post(self, **arguments: Any) -> bool:
        if self.client is None:
            logger.error(
                "slack: no bot token (slack_token / %s); reply to conversation %s not sent", ENV_TOKEN, self.conversation_id
            )
            self.failed_deliveries += 1
            return False
        if self.thread_ts:
            arguments["thread_ts"] = self.thread_ts
        try:
            await self.client.post_message(channel=self.channel, **arguments)
            return True
        except SlackError as error:  # after the client's retries
            problem = error.error
        except Exception as error:  # a bug or an SDK surprise; its message might quote the text
            problem = type(error).__name__
        self.failed_deliveries += 1
        logger.error("slack: reply to conversation %s not delivered: %s", self.conversation_id, problem)
        return False

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        """One Slack message per bot message (text, image and buttons together), custom JSON apart."""
        if isinstance(message.get("custom"), dict):
            await self.send_custom_json(recipient_id, message["custom"])
        metadata = message.get("metadata") or {}
        if metadata.get("sender") == "agent" and metadata.get("agent_name") and message.get("text"):
            # Everything is posted as the bot; the customer should see which person is writing.
            message = {**message, "text": f"**{metadata['agent_name']}:** {message['text']}"}
        payload = render_message(message)
        if payload:
            await self._post(**payload)
        elif message.get("elements"):
            await self.send_elements(recipient_id, message["elements"])

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        if text.strip():
            await self._post(text=truncate(escape(text), 4000), blocks=text_blocks(text))

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: List[Dict[str, Any]], **kwargs: Any) -> None:
        payload = render_message({"text": text, "buttons": buttons})
        if payload:
            await self._post(**payload)

    async def send_quick_replies(self, recipient_id: str, text: str, quick_replies: List[Dict[str, Any]], **kwargs: Any) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        payload = render_message({"image": image})
        if payload:
            await self._post(**payload)

    async def send_attachment(self, recipient_id: str, attachment: Any, **kwargs: Any) -> None:  # type: ignore[override]
        payload = render_message({"attachment": attachment})
        if payload:
            await self._post(**payload)

    async def send_custom_json(self, recipient_id: str, json_message: Dict[str, Any], **kwargs: Any) -> None:
        """A response's ``custom`` dict is passed to chat.postMessage as is (blocks, attachments...)."""
        arguments = {key: value for key, value in json_message.items() if key not in ("channel", "thread_ts")}
        if arguments:
            await self._post(**arguments)
