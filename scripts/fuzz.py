"""`make fuzz`: a long property-based campaign against every public route of a running stack.

    python -m scripts.fuzz [--examples 10000] [--routes /webhooks/rest/webhook ...]

Starts its own stack on loopback (ports 16305/16355), sends ``--examples`` generated
bodies to each route (valid and broken JSON, wrong types, lone surrogates, deep
nesting, long strings, control characters), and prints the count of answers by
status code per route. Fails (exit 1) on any 5xx, on a server process exiting, or
when the assistant no longer answers a normal message afterwards. The same
generators run, bounded, in `make test` (tests/connectors/test_fuzz.py).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import uuid
from collections import Counter
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROUTES = (
    "/webhooks/rest/webhook",
    "/webhooks/desk/login",
    "/webhooks/desk/handoffs/x/messages",
    "/webhooks/desk/handoffs/x/notes",
    "/webhooks/slack/webhook",
    "/webhooks/slack_agents/events",
    "/webhooks/slack_agents/interactive",
    "/webhooks/chatwoot/webhook",
    "/webhooks/agent_webhook/webhook",
)

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
# Well-formed messages with hostile text reach NLU, redaction, the dialogue and the stores.
messages = st.fixed_dictionaries(
    {"sender": st.uuids().map(str), "message": st.text(min_size=1, max_size=300)},
    optional={"metadata": st.dictionaries(st.sampled_from(["customer_tier", "locale", "page_url", "client_key", "x"]), texts)},
)
bodies = st.one_of(
    messages,
    st.fixed_dictionaries({"sender": json_values, "message": json_values}, optional={"metadata": json_values}),
    st.fixed_dictionaries({"text": json_values}),
    json_values,
)


class ServerError(AssertionError):
    """A route answered 5xx; the message has the body that did it."""


def encode(value: object, truncate: bool) -> bytes:
    # ensure_ascii keeps lone surrogates as \\udXXX escapes, as an attacker's client would send them.
    data = json.dumps(value, ensure_ascii=True).encode()
    return data[: max(1, len(data) // 2)] if truncate else data


# The secret each signed route is configured with in the fuzzing stack: bodies are signed
# correctly half of the time, so the fuzzer gets past the signature check into the parsers.
WEBHOOK_SECRETS = {
    "/webhooks/slack/webhook": ("SLACK_SIGNING_SECRET", "slack"),
    "/webhooks/slack_agents/events": ("SLACK_AGENTS_SIGNING_SECRET", "slack"),
    "/webhooks/slack_agents/interactive": ("SLACK_AGENTS_SIGNING_SECRET", "slack"),
    "/webhooks/chatwoot/webhook": ("CHATWOOT_WEBHOOK_SECRET", "chatwoot"),
    "/webhooks/agent_webhook/webhook": ("TANDEM_WEBHOOK_SECRET", "tandem"),
}
FUZZ_SECRET = "fuzz-webhook-secret-0123456789abcdef"


def signature_headers(route: str, secret: Optional[str], body: bytes) -> Dict[str, str]:
    """Headers that pass the route's signature check with ``secret`` (none for unsigned routes)."""
    from slack_sdk.signature import SignatureVerifier

    from connectors.signing import timestamped_signature
    from core import clock

    if secret is None or route not in WEBHOOK_SECRETS:
        return {}
    timestamp = str(int(clock.timestamp()))
    scheme = WEBHOOK_SECRETS[route][1]
    if scheme == "slack":
        signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
        return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature}
    if scheme == "chatwoot":
        signature = timestamped_signature(secret, timestamp, body)
        return {"X-Chatwoot-Timestamp": timestamp, "X-Chatwoot-Signature": signature}
    return {"X-Tandem-Timestamp": timestamp, "X-Tandem-Signature": timestamped_signature(secret, timestamp, body)}


def fuzz_route(
    base_url: str,
    route: str,
    examples: int,
    headers: Optional[Mapping[str, str]] = None,
    seed: Optional[int] = 0,
    secret: Optional[str] = None,
) -> Counter:
    """Status codes of ``examples`` generated requests to ``route``; raises ``ServerError`` on a 5xx.

    With ``secret``, signed routes get a valid signature on every other request."""
    statuses: Counter = Counter()
    sent = {"Content-Type": "application/json", **(headers or {})}
    session = requests.Session()

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=seed is not None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(body=bodies, truncate=st.booleans(), signed=st.booleans())
    def post(body: object, truncate: bool, signed: bool) -> None:
        data = encode(body, truncate)
        signing = signature_headers(route, secret if signed else None, data)
        reply = session.post(f"{base_url}{route}", data=data, headers={**sent, **signing}, timeout=60)
        statuses[reply.status_code] += 1
        if reply.status_code >= 500:
            raise ServerError(f"{route} answered {reply.status_code} to {data[:200]!r}: {reply.text[:200]}")

    post()
    return statuses


def still_answers(base_url: str) -> bool:
    reply = requests.post(f"{base_url}/webhooks/rest/webhook", json={"sender": uuid.uuid4().hex, "message": "hello"}, timeout=60)
    return reply.status_code == 200 and bool(reply.json())


def desk_headers(route: str, token: str) -> Dict[str, str]:
    signed_in = route.startswith("/webhooks/desk/") and not route.endswith("/login")
    return {"Authorization": f"Bearer {token}"} if signed_in else {}


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.fuzz", description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=10_000, help="generated requests per route (default 10000)")
    parser.add_argument("--routes", nargs="*", default=list(ROUTES))
    args = parser.parse_args(argv)

    from scripts.stack import ROOT, Ports, StackError, start_stack, trained_model

    desk_token = "fuzz-desk-token-0123456789"
    env = {
        **{variable: FUZZ_SECRET for variable, _ in WEBHOOK_SECRETS.values()},
        "SLACK_BOT_TOKEN": "xoxb-fuzz",
        "SLACK_AGENTS_BOT_TOKEN": "xoxb-fuzz",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",  # nothing listens: Slack calls fail fast, on loopback
        "TANDEM_DESK_TOKENS": f"Fuzz:{desk_token}",
        "TANDEM_HANDOFF_SETTINGS": str(ROOT / "tests" / "connectors" / "handoff" / "always_open.yml"),
    }
    failures: List[str] = []
    with tempfile.TemporaryDirectory(prefix="tandem-fuzz-") as directory:
        workdir = Path(directory)
        try:
            stack = start_stack(
                trained_model(),
                Ports(16305, 16355, 16380),
                workdir,
                workdir / "tracker.db",
                web=False,
                kb_url=f"sqlite:///{workdir / 'kb.db'}",
                env=env,
            )
        except StackError as error:
            print(f"fuzz: {error}", file=sys.stderr)
            return 2
        with stack:
            print(f"| route | requests | {'by status' :<40} |\n|---|---:|---|")
            for route in args.routes:
                try:
                    statuses = fuzz_route(
                        stack.rasa_url, route, args.examples, desk_headers(route, desk_token), secret=FUZZ_SECRET
                    )
                except ServerError as error:
                    failures.append(str(error))
                    continue
                by_status = ", ".join(f"{code}: {count}" for code, count in sorted(statuses.items()))
                print(f"| `{route}` | {sum(statuses.values())} | {by_status} |", flush=True)
            if any(process.poll() is not None for process in stack.processes):
                failures.append("a server process exited")
            elif not still_answers(stack.rasa_url):
                failures.append("the assistant no longer answers a normal message")
    for failure in failures:
        print(f"fuzz: FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
