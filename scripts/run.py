"""`make run`: train if needed, start everything on embedded defaults, print the URL.

Ctrl-C stops every process.
"""

from __future__ import annotations

import os
import signal
import sys
import time

from actions.config import settings
from core.packet.topics import TopicsError, topics
from scripts.stack import ROOT, Ports, StackError, start_stack, trained_model
from shop.errors import ShopConfigError
from shop.settings import DemoShopSettings, load_settings


def desk_login() -> str:
    if os.environ.get("TANDEM_DESK_TOKENS"):
        return "tokens from TANDEM_DESK_TOKENS"
    from core.handoff.settings import default_desk_token

    return f"token: {default_desk_token()}, kept in var/desk-token"


def api_line(stack) -> str:
    if stack.api_token is None:
        return "off (set TANDEM_API_TOKEN to turn it on, token required)"
    return f"{stack.rasa_url}/  (?token=... from TANDEM_API_TOKEN)"


def main() -> int:
    try:
        topics()  # a broken data/topics.yml stops `make run` here, not the first handoff
        shop = load_settings()  # and a broken `shop:` section of endpoints.yml, not the first order lookup
        model = trained_model()
        print("run: starting the action server, the Rasa server and the demo page ...", flush=True)
        # Rasa's HTTP API reads and writes any conversation: off unless an operator sets its token.
        api_token = os.environ.get("TANDEM_API_TOKEN") or None
        stack = start_stack(
            model,
            Ports(),
            ROOT / "var" / "run",
            ROOT / "var" / "tracker.db",
            kb_url=settings().kb_url,
            api_token=api_token,
            # The demo shop is seeded; a real shop (endpoints.yml `shop:`) is only read.
            shop_url=shop.url if isinstance(shop, DemoShopSettings) else None,
        )
    except (StackError, TopicsError, ShopConfigError) as error:
        print(f"run: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130

    # SIGTERM (e.g. from a supervisor) stops as cleanly as Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    print(
        f"\nTandem is running.\n"
        f"  Chat widget (demo shop page): {stack.web_url}/\n"
        f"  REST channel:                 {stack.rasa_url}/webhooks/rest/webhook\n"
        f"  Agent desk:                   {stack.rasa_url}/webhooks/desk/  ({desk_login()})\n"
        f"  Rasa HTTP API:                {api_line(stack)}\n"
        f"  Action server:                {stack.actions_url}/health\n"
        f"  Logs:                         {stack.workdir}\n"
        f"Press Ctrl-C to stop.",
        flush=True,
    )
    try:
        while all(p.poll() is None for p in stack.processes):
            time.sleep(0.5)
        print("run: a process exited unexpectedly; see the logs above. Stopping.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nrun: stopping ...", flush=True)
        return 0
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
