"""Property-based fuzzing of every public route of the running stack, bounded for `make test`.

The generators and the loop are scripts/fuzz.py's (`make fuzz` runs the long campaign):
whatever body arrives, no 5xx, no server process exits, and the assistant still answers
a normal message afterwards.
"""

from __future__ import annotations

import pytest

from scripts.fuzz import ROUTES, desk_headers, fuzz_route, still_answers
from scripts.stack import Stack
from tests.conftest import DESK_TOKENS, SLACK_SECRET

pytestmark = pytest.mark.stack

FUZZ_EXAMPLES = 60


@pytest.mark.parametrize("route", ROUTES)
def test_no_body_makes_a_route_fail_or_a_process_exit(stack: Stack, route: str) -> None:
    # The suite's stack signs Slack with SLACK_SECRET; Chatwoot and the generic webhook are closed there.
    secret = SLACK_SECRET if "slack" in route else None
    statuses = fuzz_route(stack.rasa_url, route, FUZZ_EXAMPLES, desk_headers(route, DESK_TOKENS["Sam"]), secret=secret)
    assert sum(statuses.values()) >= FUZZ_EXAMPLES // 2  # hypothesis ran the cases, not a few
    assert all(process.poll() is None for process in stack.processes), "a server process exited"
    assert still_answers(stack.rasa_url)
