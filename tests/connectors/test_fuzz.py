"""Property-based fuzzing of every public route of the running stack (bounded for `make test`).

Hypothesis generates request bodies (valid and broken JSON, wrong types, lone surrogates,
deep nesting, long strings, control characters) for the REST channel, the desk API and
each inbound webhook. Whatever arrives: no 5xx, no server process exits, and the
assistant still answers a normal message afterwards. ``FUZZ_EXAMPLES`` cases per route
here; ``make fuzz`` runs the long campaign (scripts/fuzz.py).
"""

from __future__ import annotations

import json
import uuid

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scripts.stack import Stack
from tests.conftest import DESK_TOKENS

pytestmark = pytest.mark.stack

FUZZ_EXAMPLES = 60
ROUTES = [
    "/webhooks/rest/webhook",
    "/webhooks/desk/login",
    "/webhooks/desk/handoffs/x/messages",
    "/webhooks/desk/handoffs/x/notes",
    "/webhooks/slack/webhook",
    "/webhooks/slack_agents/events",
    "/webhooks/slack_agents/interactive",
    "/webhooks/chatwoot/webhook",
    "/webhooks/agent_webhook/webhook",
]

# Text including what breaks naive code: lone surrogates, NULs, right-to-left marks, very long words.
texts = st.one_of(
    st.text(max_size=50),
    st.text(alphabet=st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=3),
    st.sampled_from(["", " ", "\x00", "\u202e", "a" * 5000, "hi", "/restart", '{"x":']),
)
leaves = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70), st.floats(allow_nan=False), texts)
json_values = st.recursive(
    leaves, lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(texts, inner, max_size=4)), max_leaves=20
)
bodies = st.one_of(
    st.fixed_dictionaries({"sender": json_values, "message": json_values}, optional={"metadata": json_values}),
    st.fixed_dictionaries({"text": json_values}),
    json_values,
)


def encode(value: object) -> bytes:
    # ensure_ascii keeps lone surrogates as \\udXXX escapes, as an attacker's client would send them.
    return json.dumps(value, ensure_ascii=True).encode()


@pytest.mark.parametrize("route", ROUTES)
def test_no_body_makes_a_route_fail_or_a_process_exit(stack: Stack, route: str) -> None:
    statuses: dict = {}
    headers = {"Content-Type": "application/json"}
    if route.startswith("/webhooks/desk/") and not route.endswith("/login"):
        headers["Authorization"] = f"Bearer {DESK_TOKENS['Sam']}"

    @settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(body=bodies, raw=st.booleans())
    def post(body: object, raw: bool) -> None:
        data = encode(body) if not raw else encode(body)[: max(1, len(encode(body)) // 2)]
        reply = requests.post(f"{stack.rasa_url}{route}", data=data, headers=headers, timeout=60)
        statuses[reply.status_code] = statuses.get(reply.status_code, 0) + 1
        assert reply.status_code < 500, (reply.status_code, data[:200], reply.text[:200])

    post()
    assert all(process.poll() is None for process in stack.processes), "a server process exited"
    normal = requests.post(
        f"{stack.rasa_url}/webhooks/rest/webhook", json={"sender": uuid.uuid4().hex, "message": "hello"}, timeout=60
    )
    assert normal.status_code == 200 and normal.json()
