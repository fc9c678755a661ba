"""``data/topics.yml``, the handoff summary's sentences per topic and reason, read by the loader the action server uses.

Beyond the loader's own checks (fields, placeholders, intents of the domain), every reason named must
be a reason of the escalation rules, and every intent of the domain must have a topic or be listed
under ``without_topic``: an intent without one gives the agent "the bot could not tell what the
customer needs" even when the bot was sure, and a designer should learn that here, not from an agent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Set

import yaml

from actions.knowledge.articles import known_intents
from scripts.validation.problems import Problem, locate, shown

TOPICS = Path("data/topics.yml")
ESCALATION = Path("data/escalation.yml")
DOMAIN = Path("domain.yml")


def _reasons(root: Path, intents: Set[str]) -> Optional[Set[str]]:
    """The reason codes of the escalation rules, or None when they do not load (check_escalation reports that)."""
    from core.escalation.loading import EscalationRulesError, load_rules

    try:
        return set(load_rules(root / ESCALATION, intents).reasons)
    except EscalationRulesError:
        return None


def check_topics(root: Path) -> list[Problem]:
    from core.packet.topics import TopicsError, load_topics

    path = root / TOPICS
    try:
        intents = known_intents(root / DOMAIN)
    except (OSError, yaml.YAMLError) as error:
        return [Problem(shown(root / DOMAIN, root), None, "", f"cannot be read, so the topics cannot be checked: {error}")]
    try:
        topics = load_topics(path, intents, _reasons(root, intents))
    except TopicsError as error:
        file = Path(error.path)
        keyed = not error.key.startswith("(")  # "(top level)", "(syntax)", "(file)" are no key of the file
        return [Problem(shown(file, root), locate(file, error.key) if keyed else None, error.key, error.reason)]
    problems = []
    for intent in topics.uncovered(intents):
        reason = (
            f"intent '{intent}' of domain.yml has no topic: at a handoff the agent would read 'the bot could not tell"
            " what the customer needs' however sure the bot was; add its goal, question and next_step under topics,"
            " or list it under without_topic if it is no customer need (docs/designers.md)"
        )
        problems.append(Problem(shown(path, root), locate(path, "topics"), f"topics.{intent}", reason))
    return problems
