"""Start and stop Tandem's processes: action server, Rasa server, web page.

Shared by `make run`, the test suite and the benchmark, so all three run the
stack the same way. Every process listens on loopback only.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, List, Optional
from urllib.parse import urlencode

import requests

from core.secrets import SecretError
from rasa_extensions.cli import command as rasa_command
from scripts.action_server import TOKEN_ENV, TokenError, action_token

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


# Rasa's telemetry and its error reports to Rasa's servers are off; nothing leaves loopback.
# SANIC_REQUEST_MAX_SIZE: Sanic refuses bigger bodies (413) before reading them whole.
RASA_ENV = {"RASA_TELEMETRY_ENABLED": "false", "SANIC_REQUEST_MAX_SIZE": str(1024 * 1024)}


class StackError(RuntimeError):
    """A process of the stack did not start; the message says which and why."""


@dataclass
class Ports:
    rasa: int = 5005
    actions: int = 5055
    web: int = 8080


@dataclass
class Stack:
    ports: Ports
    workdir: Path
    kb_url: Optional[str] = None
    # Rasa's HTTP API is on only with a token (``--auth-token``); None: off.
    api_token: Optional[str] = None
    # The project checkout the processes run from (its code and data): another one in tests of the designers' guide.
    root: Path = ROOT
    processes: List[subprocess.Popen] = field(default_factory=list)
    logs: List[IO[bytes]] = field(default_factory=list)

    @property
    def rasa_url(self) -> str:
        return f"http://{HOST}:{self.ports.rasa}"

    @property
    def actions_url(self) -> str:
        return f"http://{HOST}:{self.ports.actions}"

    @property
    def web_url(self) -> str:
        return f"http://{HOST}:{self.ports.web}"

    def api(self, path: str) -> str:
        """URL of a Rasa HTTP API route with this stack's token, e.g. ``api("/conversations/x/tracker")``."""
        if self.api_token is None:
            raise StackError("this stack runs without Rasa's HTTP API (start it with api_token=...)")
        return f"{self.rasa_url}{path}?{urlencode({'token': self.api_token})}"

    @property
    def cors_origins(self) -> List[str]:
        """Origins allowed to call the Rasa server from a browser: the demo page, plus TANDEM_CORS_ORIGINS."""
        extra = [o.strip() for o in os.environ.get("TANDEM_CORS_ORIGINS", "").split(",") if o.strip()]
        return [self.web_url, *extra]

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in reversed(self.processes):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for log in self.logs:
            log.close()
        self.processes.clear()

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def write_endpoints(stack: Stack, tracker_db: Path, livechat: Optional[dict] = None) -> Path:
    """endpoints.yml for this stack: the project's file with its own ports and databases.

    The handoff store sits next to the tracker unless ``livechat`` (the endpoints
    section choosing the live-chat tool) names one."""
    import yaml

    endpoints = yaml.safe_load((stack.root / "endpoints.yml").read_text()) or {}
    endpoints["action_endpoint"] = {**endpoints.get("action_endpoint", {}), "url": f"{stack.actions_url}/webhook"}
    endpoints["tracker_store"] = {**endpoints.get("tracker_store", {}), "db": str(tracker_db)}
    handoff_db = f"sqlite:///{tracker_db.parent / 'handoff.db'}"
    endpoints["livechat"] = {"store_url": handoff_db, **(livechat or endpoints.get("livechat") or {"type": "desk"})}
    if livechat is None or "store_url" not in livechat:
        endpoints["livechat"]["store_url"] = handoff_db
    path = stack.workdir / "endpoints.yml"
    path.write_text(yaml.safe_dump(endpoints))
    return path


def _die_with_parent() -> None:
    """Runs in the child before exec: ask Linux to SIGTERM it when its parent dies.

    A plain Ctrl-C reaches the whole process group, but a parent killed any
    other way (a supervisor, `timeout`, a crashed test run) must not leave the
    servers holding their ports.
    """
    import ctypes

    PR_SET_PDEATHSIG = 1
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:  # not Linux: Stack.stop still stops everything on a normal exit
        pass


def _spawn(stack: Stack, name: str, argv: List[str], env: Optional[dict] = None) -> subprocess.Popen:
    log = open(stack.workdir / f"{name}.log", "wb")
    stack.logs.append(log)
    process = subprocess.Popen(
        argv,
        cwd=stack.root,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, **(env or {})},
        preexec_fn=_die_with_parent,
    )
    stack.processes.append(process)
    return process


def _wait_until(stack: Stack, name: str, process: subprocess.Popen, url: str, ready, timeout: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if process.poll() is not None:
            tail = (stack.workdir / f"{name}.log").read_text(errors="replace")[-3000:]
            raise StackError(f"{name} exited with code {process.returncode}:\n{tail}")
        try:
            reply = requests.get(url, timeout=2)
            if reply.ok and ready(reply):
                return time.monotonic() - started
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise StackError(f"{name} was not ready after {timeout:.0f} s (log: {stack.workdir / (name + '.log')})")


def with_action_token(env: Optional[dict] = None) -> dict:
    """``env`` plus ``TANDEM_ACTION_TOKEN``, the secret the Rasa server sends and the action server requires.

    From ``env``, else this process's environment, else the one generated once into
    var/action-token (scripts/action_server.py): every server started from here gets the same."""
    env = dict(env or {})
    try:
        env[TOKEN_ENV] = action_token({**os.environ, **env})
    except (TokenError, SecretError) as error:
        raise StackError(f"action token: {error}") from None
    return env


def start_actions(stack: Stack, kb_url: Optional[str] = None, timeout: float = 60, env: Optional[dict] = None) -> float:
    process = _spawn(
        stack,
        "actions",
        [sys.executable, "-m", "scripts.action_server", "--host", HOST, "--port", str(stack.ports.actions)],
        env={**with_action_token(env), **({"TANDEM_KB_URL": kb_url} if kb_url else {})},
    )
    return _wait_until(stack, "actions", process, f"{stack.actions_url}/health", lambda r: True, timeout)


def start_rasa(
    stack: Stack,
    model: Path,
    endpoints: Path,
    timeout: float = 180,
    env: Optional[dict] = None,
    credentials: Path = ROOT / "credentials.yml",
) -> float:
    """Start the Rasa server; returns the seconds from start to a loaded model."""
    process = _spawn(
        stack,
        "rasa",
        rasa_command(
            "run",
            "--model",
            str(model),
            "--endpoints",
            str(endpoints),
            "--credentials",
            str(credentials),
            "--interface",
            HOST,
            "--port",
            str(stack.ports.rasa),
            "--cors",
            *stack.cors_origins,
            *(["--enable-api", "--auth-token", stack.api_token] if stack.api_token else []),
        ),
        env={**RASA_ENV, **with_action_token(env)},
    )
    ready = f"{stack.rasa_url}/webhooks/rest/"
    return _wait_until(stack, "rasa", process, ready, lambda r: bool(r.json().get("model_loaded")), timeout)


def start_web(stack: Stack, timeout: float = 20) -> float:
    process = _spawn(
        stack,
        "web",
        [sys.executable, "-m", "scripts.webserver", "--host", HOST, "--port", str(stack.ports.web), "--rasa-url", stack.rasa_url],
    )
    return _wait_until(stack, "web", process, f"{stack.web_url}/health", lambda r: True, timeout)


def sync_knowledge_base(kb_url: str, root: Path = ROOT) -> None:
    """Publish data/kb/ into the store the action server reads; problems are printed, not fatal."""
    from actions.knowledge.articles import known_intents
    from actions.knowledge.store import KnowledgeStore

    report = KnowledgeStore(kb_url).sync(root / "data" / "kb", known_intents(root / "domain.yml"))
    for problem in report.problems:
        print(f"kb: {problem}", file=sys.stderr)


def seed_demo_shop(shop_url: str) -> None:
    """Create the demo shop (shop/demo) at ``shop_url`` and add the orders of data/shop/orders.yml it lacks."""
    from core.clock import from_environment
    from core.db import create_engine
    from shop.demo import DemoShop
    from shop.demo.seed import seed

    engine = create_engine(shop_url)
    try:
        seed(DemoShop(engine, from_environment()))
    finally:
        engine.dispose()


def start_stack(
    model: Path,
    ports: Ports,
    workdir: Path,
    tracker_db: Path,
    web: bool = True,
    kb_url: Optional[str] = None,
    env: Optional[dict] = None,
    livechat: Optional[dict] = None,
    api_token: Optional[str] = None,
    credentials: Path = ROOT / "credentials.yml",
    root: Path = ROOT,
    shop_url: Optional[str] = "",
) -> Stack:
    """Start actions, Rasa and (optionally) the demo page; ``kb_url`` is synced from data/kb/ first,
    the demo shop at ``shop_url`` seeded (default: a file in ``workdir``; None: no demo shop, the
    action server uses the shop endpoints.yml names).

    ``env`` adds environment variables for the action and Rasa servers (secrets of a
    channel, a fake tool's URL in tests). Both servers read the stack's endpoints file
    (``TANDEM_ENDPOINTS``), so they agree on the live-chat tool and the handoff store.
    ``root``: the project checkout to run, code and data (default: this one)."""
    workdir.mkdir(parents=True, exist_ok=True)
    stack = Stack(ports=ports, workdir=workdir, kb_url=kb_url, api_token=api_token, root=root)
    try:
        if kb_url:
            sync_knowledge_base(kb_url, root)
        shop_env = {}
        if shop_url is not None:
            shop_url = shop_url or f"sqlite:///{workdir / 'shop.db'}"
            seed_demo_shop(shop_url)
            shop_env = {"TANDEM_SHOP_URL": shop_url}
        endpoints = write_endpoints(stack, tracker_db, livechat)
        env = {"TANDEM_ENDPOINTS": str(endpoints), **shop_env, **(env or {})}
        start_actions(stack, kb_url, env=env)
        start_rasa(stack, model, endpoints, env=env, credentials=credentials)
        if web:
            start_web(stack)
    except BaseException:
        stack.stop()
        raise
    return stack


def trained_model(config: str = "config.yml", name: str = "tandem", root: Path = ROOT) -> Path:
    """Path of the model for the current inputs of the checkout ``root``, training it if needed."""
    result = subprocess.run(
        [sys.executable, "-m", "scripts.train", "--config", config, "--name", name],
        cwd=root,
        stdout=subprocess.PIPE,
        text=True,
    )
    if result.returncode != 0:
        raise StackError("training failed; see the output above")
    return Path(result.stdout.strip().splitlines()[-1])
