"""Every custom action in the domain is implemented, and nothing else is."""

import importlib
import pkgutil

from rasa_sdk import Action

import actions


def implemented_actions():
    # As rasa-sdk finds them (--actions actions): every module of the package, subpackages too.
    for module in pkgutil.walk_packages(actions.__path__, "actions."):
        importlib.import_module(module.name)
    found = set()
    stack = list(Action.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.startswith("actions.") and "name" not in getattr(cls, "__abstractmethods__", ()):
            found.add(cls().name())
    return found


def test_domain_and_code_agree(domain):
    assert set(domain["actions"]) == implemented_actions()


def test_every_response_used_by_code_exists(domain):
    import re
    from pathlib import Path

    used = set()
    for path in Path(actions.__path__[0]).glob("*.py"):
        used |= set(re.findall(r'"(utter_[a-z_]+)"', path.read_text()))
    # "utter_action" is the key under which Rasa records a bot message's response.
    assert used - set(domain["responses"]) - {"utter_action"} == set()


def test_every_offerable_intent_has_a_label(domain):
    missing = [i for i in domain["intents"] if f"utter_topic_{i}" not in domain["responses"]]
    assert missing == []
