"""Slack for agents, inbound: connectors/slack/agents.py against the fake Slack Web API.

``SlackAgentsInput`` is mounted the way Rasa mounts channels, on a real Sanic server on
a loopback port, with a recording ``AgentActions``.

Slack behaviour relied on:

- chat.postMessage (``thread_ts``): https://docs.slack.dev/reference/methods/chat.postMessage
- users.info (``profile.display_name``): https://docs.slack.dev/reference/methods/users.info
- signing: https://api.slack.com/authentication/verifying-requests-from-slack
- Events API and retries: https://docs.slack.dev/apis/events-api/
- url_verification: https://api.slack.com/events/url_verification
- block_actions in the ``payload`` form field, ``response_url``:
  https://docs.slack.dev/reference/interaction-payloads/block_actions-payload ,
  https://docs.slack.dev/interactivity/handling-user-interaction
"""

from __future__ import annotations

import json
from typing import Any, AsyncIterator, Dict, Tuple

import aiohttp
import pytest

from connectors.handoff.livechat import AgentActions
from connectors.slack.agents import SlackAgentsInput
from connectors.slack.packet import ACTION_CLAIM, ACTION_HAND_BACK, ACTION_RESOLVE
from tests.fakes import RecordingActions, serve
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_requests import (
    SignedRequest,
    block_actions_payload,
    event_request,
    interactive_request,
    message_event,
    signed,
    url_verification_request,
)

SECRET = "agents-signing-secret-0123456789"
AGENTS_CHANNEL = "CAGENTS01"


@pytest.fixture
def fake() -> FakeSlackApi:
    with FakeSlackApi(token="xoxb-agents-token") as api:
        api.add_user("UAGENT1", display_name="Ana", real_name="Ana Lima")
        yield api


class Inbound:
    def __init__(self, fake: FakeSlackApi, channel: SlackAgentsInput, actions: RecordingActions, url: str) -> None:
        self.fake, self.channel, self.actions, self.url = fake, channel, actions, url

    async def post(self, request: SignedRequest, path: str) -> Tuple[int, str]:
        async with aiohttp.ClientSession() as session:
            async with session.post(
                f"{self.url}/webhooks/slack_agents/{path}", data=request.body, headers=request.headers
            ) as reply:
                text = await reply.text()
        await self.channel.idle()
        return reply.status, text

    async def event(self, event: Dict[str, Any], **signing: Any) -> Tuple[int, str]:
        return await self.post(event_request(SECRET, event, **signing), "events")

    async def click(self, payload: Dict[str, Any], **signing: Any) -> Tuple[int, str]:
        return await self.post(interactive_request(SECRET, payload, **signing), "interactive")


@pytest.fixture
async def inbound(fake: FakeSlackApi) -> AsyncIterator[Inbound]:
    actions = RecordingActions()
    actions.link("slack", "thread_ts", "1700000000.000100", "h-123")
    channel = SlackAgentsInput(SECRET, fake.token, fake.base_url, actions=actions, timeout=2)
    server, url = await serve(channel)
    try:
        yield Inbound(fake, channel, actions, url)
    finally:
        await channel.idle()
        server.close()
        await server.wait_closed()


def reply_event(text: str, user: str = "UAGENT1", thread_ts: str = "1700000000.000100", **extra: Any) -> Dict[str, Any]:
    return message_event(text, user=user, channel=AGENTS_CHANNEL, channel_type="channel", thread_ts=thread_ts, **extra)


def click(action_id: str, fake: FakeSlackApi, value: str = "h-123", user: str = "UAGENT1") -> Dict[str, Any]:
    return block_actions_payload(
        value,
        user=user,
        user_name="ana.l",
        channel=AGENTS_CHANNEL,
        message_ts="1700000000.000100",
        action_id=action_id,
        block_id="tandem_handoff_actions",
        response_url=fake.response_url(),
    )


async def test_url_verification(inbound: Inbound) -> None:
    status, body = await inbound.post(url_verification_request(SECRET, "challenge-abc"), "events")
    assert (status, body) == (200, "challenge-abc")


async def test_a_thread_reply_becomes_an_agent_message(inbound: Inbound) -> None:
    status, _ = await inbound.event(reply_event("Hi, I'm looking at <https://psp.example/p/1|the payment> now"))
    assert status == 200
    assert inbound.actions.calls == [
        ("agent_message", "h-123", "Hi, I'm looking at the payment (https://psp.example/p/1) now", "UAGENT1", "Ana")
    ]


async def test_agent_names_are_looked_up_once(inbound: Inbound) -> None:
    await inbound.event(reply_event("one"))
    await inbound.event(reply_event("two"))
    assert [c[-1] for c in inbound.actions.calls] == ["Ana", "Ana"]
    assert len(inbound.fake.calls("users.info")) == 1


async def test_the_events_user_profile_is_used_when_present(inbound: Inbound) -> None:
    await inbound.event(reply_event("hello", user="UAGENT2", user_profile={"display_name": "Bo", "real_name": "Bo Chen"}))
    assert inbound.actions.calls[0][-2:] == ("UAGENT2", "Bo")
    assert inbound.fake.calls("users.info") == []


async def test_an_unknown_agent_gets_a_generic_name(inbound: Inbound) -> None:
    await inbound.event(reply_event("hello", user="UNOBODY"))
    assert inbound.actions.calls[0][-1] == "Support agent"


@pytest.mark.parametrize(
    "event",
    [
        reply_event("You said: hi", bot_id="BBOT0001", subtype="bot_message"),
        reply_event("automated", bot_id="BOTHER"),
        reply_event("our own", user="UBOT0001"),
        reply_event("a new top-level message", thread_ts=None),
        message_event(
            "the packet itself",
            channel=AGENTS_CHANNEL,
            channel_type="channel",
            ts="1700000000.000100",
            thread_ts="1700000000.000100",
        ),
        reply_event("edited", subtype="message_changed"),
        reply_event("chatter in another thread", thread_ts="1600000000.000001"),
        {"type": "reaction_added", "user": "UAGENT1", "reaction": "eyes"},
    ],
    ids=["bot-message", "other-bot", "own-user", "no-thread", "thread-parent", "edit", "not-a-packet-thread", "not-a-message"],
)
async def test_what_is_not_an_agent_reply_is_acknowledged_and_ignored(inbound: Inbound, event: Dict[str, Any]) -> None:
    status, _ = await inbound.event(event)
    assert status == 200 and inbound.actions.calls == []


@pytest.mark.parametrize(
    "signing", [{"forged": True}, {"stale": True}, {"unsigned": True}], ids=["forged", "replayed", "unsigned"]
)
async def test_unverified_requests_get_401(inbound: Inbound, signing: Dict[str, Any]) -> None:
    status, body = await inbound.event(reply_event("hi"), **signing)
    assert status == 401 and json.loads(body)["error"] == "invalid_signature"
    status, _ = await inbound.click(click(ACTION_CLAIM, inbound.fake), **signing)
    assert status == 401
    assert inbound.actions.calls == []


async def test_a_retry_is_not_processed_again(inbound: Inbound) -> None:
    event = reply_event("hello")
    await inbound.event(event, event_id="EvA1")
    status, _ = await inbound.event(event, event_id="EvA1", retry=(1, "http_timeout"))
    assert status == 200
    await inbound.event(event, event_id="EvA1", retry=(2, "http_error"))  # first attempt did reach us: dedupe
    await inbound.event(reply_event("new"), event_id="EvA2", retry=(1, "http_timeout"))
    assert [c[2] for c in inbound.actions.calls] == ["hello"]


async def test_a_retry_after_a_failed_first_delivery_is_processed(inbound: Inbound) -> None:
    await inbound.event(reply_event("hello"), event_id="EvB1", retry=(1, "connection_failed"))
    assert [c[2] for c in inbound.actions.calls] == ["hello"]


@pytest.mark.parametrize(
    ("request_factory", "path"),
    [
        (lambda: signed(SECRET, b"{oops", "application/json"), "events"),
        (lambda: signed(SECRET, b'{"type": "url_verification"}', "application/json"), "events"),
        (lambda: signed(SECRET, b"nothing=here", "application/x-www-form-urlencoded"), "interactive"),
        (lambda: signed(SECRET, b"payload=%5B%5D", "application/x-www-form-urlencoded"), "interactive"),
    ],
    ids=["events-not-json", "events-no-challenge", "interactive-no-payload", "interactive-payload-not-object"],
)
async def test_malformed_requests_get_400(inbound: Inbound, request_factory: Any, path: str) -> None:
    status, _ = await inbound.post(request_factory(), path)
    assert status == 400


async def test_a_click_without_a_handoff_id_gets_400(inbound: Inbound) -> None:
    status, body = await inbound.click(click(ACTION_CLAIM, inbound.fake, value=""))
    assert status == 400 and json.loads(body)["error"] == "invalid_action"


async def test_claim_button(inbound: Inbound) -> None:
    status, body = await inbound.click(click(ACTION_CLAIM, inbound.fake))
    assert (status, body) == (200, "")
    assert inbound.actions.calls == [("claim", "h-123", "UAGENT1", "Ana")]
    (notice,) = inbound.fake.posted()
    assert notice["thread_ts"] == "1700000000.000100" and "Ana claimed" in notice["text"]


@pytest.mark.parametrize(("action_id", "status"), [(ACTION_RESOLVE, "resolved"), (ACTION_HAND_BACK, "returned_to_bot")])
async def test_resolve_and_hand_back_buttons(inbound: Inbound, action_id: str, status: str) -> None:
    code, _ = await inbound.click(click(action_id, inbound.fake))
    assert code == 200
    assert inbound.actions.calls == [("close", "h-123", status, "UAGENT1", "Ana")]


async def test_an_unknown_handoff_is_explained_to_the_agent_not_404(inbound: Inbound) -> None:
    status, _ = await inbound.click(click(ACTION_CLAIM, inbound.fake, value="h-gone"))
    assert status == 200
    (notice,) = inbound.fake.calls("response_url")
    assert notice.params["response_type"] == "ephemeral" and notice.params["replace_original"] is False
    assert "no longer exists" in notice.params["text"]


async def test_claiming_a_closed_handoff_is_explained_to_the_agent(inbound: Inbound) -> None:
    await inbound.click(click(ACTION_RESOLVE, inbound.fake))
    status, _ = await inbound.click(click(ACTION_CLAIM, inbound.fake))
    assert status == 200
    (notice,) = inbound.fake.calls("response_url")
    assert "Not possible now" in notice.params["text"] and "resolved" in notice.params["text"]


async def test_a_reply_to_a_closed_handoff_is_flagged_in_the_thread(inbound: Inbound) -> None:
    inbound.actions.closed.add("h-123")
    status, _ = await inbound.event(reply_event("are you still there?"))
    assert status == 200
    (notice,) = inbound.fake.posted()
    assert notice["thread_ts"] == "1700000000.000100" and "closed" in notice["text"]


async def test_a_failure_of_the_handoff_core_is_never_a_500(inbound: Inbound) -> None:
    inbound.actions.fail_with = RuntimeError("database is down")
    status, _ = await inbound.event(reply_event("hello"))
    assert status == 200
    assert "could not pass that message on" in inbound.fake.posted()[0]["text"]
    inbound.actions.fail_with = RuntimeError("database is down")  # the shared fake fails once per arming
    status, _ = await inbound.click(click(ACTION_CLAIM, inbound.fake))
    assert status == 200
    assert "could not record" in inbound.fake.calls("response_url")[0].params["text"]


async def test_response_urls_outside_slack_are_never_called(inbound: Inbound) -> None:
    payload = click(ACTION_CLAIM, inbound.fake, value="h-gone")
    payload["response_url"] = "http://169.254.169.254/latest/meta-data"
    status, _ = await inbound.click(payload)
    assert status == 200 and inbound.fake.calls("response_url") == []


async def test_without_a_signing_secret_every_request_gets_404(fake: FakeSlackApi) -> None:
    channel = SlackAgentsInput(None, fake.token, fake.base_url, actions=RecordingActions())
    server, url = await serve(channel)
    try:
        harness = Inbound(fake, channel, RecordingActions(), url)
        for request, path in (
            (event_request("x", reply_event("hi")), "events"),
            (interactive_request("x", click(ACTION_CLAIM, fake)), "interactive"),
        ):
            status, body = await harness.post(request, path)
            assert status == 404 and json.loads(body) == {"error": "not_configured", "message": "Slack is not configured"}
    finally:
        server.close()
        await server.wait_closed()


async def test_default_actions_come_from_the_handoff_runtime(fake: FakeSlackApi, monkeypatch: pytest.MonkeyPatch) -> None:
    from connectors.handoff import runtime

    actions = RecordingActions()
    actions.link("slack", "thread_ts", "1700000000.000100", "h-123")
    monkeypatch.setattr(runtime, "agent_actions", lambda: actions)
    channel = SlackAgentsInput(SECRET, fake.token, fake.base_url)
    server, url = await serve(channel)
    try:
        await Inbound(fake, channel, actions, url).event(reply_event("hello"))
    finally:
        server.close()
        await server.wait_closed()
    assert actions.calls == [("agent_message", "h-123", "hello", "UAGENT1", "Ana")]


async def test_an_unavailable_handoff_core_is_a_503(fake: FakeSlackApi, monkeypatch: pytest.MonkeyPatch) -> None:
    from connectors.handoff import runtime

    def broken() -> AgentActions:
        raise RuntimeError("endpoints.yml: livechat.type: must be one of ...")

    monkeypatch.setattr(runtime, "agent_actions", broken)
    channel = SlackAgentsInput(SECRET, fake.token, fake.base_url)
    server, url = await serve(channel)
    try:
        harness = Inbound(fake, channel, RecordingActions(), url)
        status, body = await harness.event(reply_event("hello"))
        assert status == 503 and json.loads(body)["error"] == "unavailable"
        status, _ = await harness.click(click(ACTION_CLAIM, fake))
        assert status == 503
    finally:
        server.close()
        await server.wait_closed()


def test_credentials_fall_back_to_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_AGENTS_SIGNING_SECRET", "env-secret")
    monkeypatch.setenv("SLACK_AGENTS_BOT_TOKEN", "xoxb-env")
    monkeypatch.delenv("SLACK_AGENTS_API_URL", raising=False)
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9/api/")
    channel = SlackAgentsInput.from_credentials(None)
    assert channel.slack_signing_secret == "env-secret"
    assert channel.api is not None and channel.api.token == "xoxb-env" and channel.api.api_url == "http://127.0.0.1:9/api/"
    assert "env-secret" not in repr(channel) and "xoxb-env" not in repr(channel)
