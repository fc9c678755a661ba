"""The designers' settings files, read by the same loaders the product uses, with file, line and key on failure.

- ``data/escalation.yml`` and the risk catalogue it names (``data/risks.yml``): core/escalation/loading.py,
  which otherwise only runs when a model is trained; plus a response ``utter_handoff_<reason>`` for every
  reason, which the suite requires (tests/actions/test_handoff.py);
- ``data/handoff.yml`` (with the ``livechat`` section of ``endpoints.yml``): connectors/handoff/config.py;
- ``data/knowledge.yml``: actions/config.py's retrieval thresholds;
- the ``shop`` section of ``endpoints.yml`` (the order system) and the demo shop's orders: shop/settings.py;
- ``data/topics.yml``, the handoff summary's sentences: core/packet/topics.py (scripts/validation/topics_file.py).

Each loader stops at its first error, so each file reports at most one problem per run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import yaml

from actions.knowledge.articles import known_intents
from scripts.validation.problems import Problem, locate, shown

ESCALATION = Path("data/escalation.yml")
HANDOFF = Path("data/handoff.yml")
KNOWLEDGE = Path("data/knowledge.yml")
ENDPOINTS = Path("endpoints.yml")
DOMAIN = Path("domain.yml")
# Placeholders so the handoff loader neither reads this machine's secrets nor generates them into var/.
_NO_SECRETS = {"TANDEM_DESK_TOKENS": "validate:placeholder-token", "TANDEM_PSEUDONYM_KEY": "validate-placeholder"}
# The reason that is answered by utter_handoff itself (the customer asked for a person).
_PLAIN_HANDOFF_REASON = "customer_request"


def _problem(root: Path, path: Path, key: str, reason: str) -> Problem:
    return Problem(shown(path, root), locate(path, key) if key else None, key, reason)


def _responses(root: Path) -> Mapping[str, Any]:
    try:
        domain = yaml.safe_load((root / DOMAIN).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return {}  # the domain's own problems are Rasa's to report
    return (domain.get("responses") or {}) if isinstance(domain, dict) else {}


def check_escalation(root: Path) -> list[Problem]:
    """The escalation rules and their risk catalogue, validated against the domain as training does."""
    from core.escalation.loading import EscalationRulesError, load_rules

    path = root / ESCALATION
    try:
        intents = known_intents(root / DOMAIN)
    except (OSError, yaml.YAMLError) as error:
        return [
            Problem(shown(root / DOMAIN, root), None, "", f"cannot be read, so the escalation rules cannot be checked: {error}")
        ]
    try:
        rules = load_rules(path, intents)
    except EscalationRulesError as error:
        file = Path(error.path)
        keyed = not error.key.startswith("(")  # "(top level)", "(syntax)", "(file)" are no key of the file
        return [Problem(shown(file, root), locate(file, error.key) if keyed else None, error.key, error.reason)]
    responses = _responses(root)
    # The rules carry the catalogue itself; its file is named in escalation.yml (load_rules read it).
    catalogue = path.parent / str(yaml.safe_load(path.read_text(encoding="utf-8"))["risk_catalogue"])
    problems = []
    for reason in rules.reasons:
        response = f"utter_handoff_{reason}"
        if reason == _PLAIN_HANDOFF_REASON or response in responses:
            continue
        index = next((i for i, risk in enumerate(rules.catalogue.risks) if risk.reason == reason), None)
        file, key = (path, f"reasons.{reason}") if index is None else (catalogue, f"risks[{index}].name")
        words = f"no response {response} in domain.yml: every handoff reason tells the customer what happens in its own words"
        problems.append(_problem(root, file, key, words))
    return problems


def _split(message: str) -> tuple[str, str, str]:
    """``path: key: reason`` of a HandoffConfigError or ConfigError; the key is empty when the message has none."""
    path, _, rest = message.partition(": ")
    key, _, reason = rest.partition(": ")
    if not reason or " " in key:
        return path, "", rest
    return path, key, reason


def check_handoff(root: Path) -> list[Problem]:
    """Business hours, holidays, time zone, waiting and limits, as the Rasa and action servers load them."""
    from connectors.handoff.config import HandoffConfigError, load_settings

    env = {"TANDEM_ENDPOINTS": str(root / ENDPOINTS), "TANDEM_HANDOFF_SETTINGS": str(root / HANDOFF), **_NO_SECRETS}
    try:
        load_settings(env)
    except HandoffConfigError as error:
        file, key, reason = _split(str(error))
        return [_problem(root, Path(file), key, reason)]
    return []


def check_knowledge_settings(root: Path) -> list[Problem]:
    """The retrieval thresholds, as the action server loads them."""
    from actions.config import ConfigError, load_thresholds

    try:
        load_thresholds(root / KNOWLEDGE)
    except ConfigError as error:
        file, key, reason = _split(str(error))
        return [_problem(root, Path(file), key, reason)]
    return []


def check_shop(root: Path) -> list[Problem]:
    """The ``shop`` section of endpoints.yml (the order system), as the action server loads it; and the demo
    shop's orders (data/shop/orders.yml), as `make run` seeds them."""
    from datetime import date

    from shop.demo.seed import SeedError, seed_rows
    from shop.errors import ShopConfigError
    from shop.settings import load_settings

    # A token named by the section is the deployment's to set: a placeholder stands in for it here.
    env = {"TANDEM_ENDPOINTS": str(root / ENDPOINTS), "SHOPIFY_ACCESS_TOKEN": "validate-placeholder"}
    try:
        load_settings(env)
        seed_rows(root / "data" / "shop" / "orders.yml", date(2000, 1, 1))  # any day: only the shape counts
    except (ShopConfigError, SeedError) as error:
        file, key, reason = _split(str(error))
        return [_problem(root, Path(file), key, reason)]
    return []


def check_settings(root: Path) -> list[Problem]:
    """Every settings file's problems, escalation first."""
    problems: list[Problem] = []
    from scripts.validation.topics_file import check_topics

    for check in (check_escalation, check_handoff, check_knowledge_settings, check_shop, check_topics):
        problems += check(root)
    return problems
