"""``make validate`` (scripts/validate.py) on temporary copies of the project's data, never on the real files.

Rasa's validation loads the whole domain and training data (several seconds), so it runs twice per
module: once on a clean copy and once on a copy broken in three independent ways; the other parts
take a second and run per test.
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
from pathlib import Path
from typing import NamedTuple

import pytest

from scripts.kb import main as kb_main
from scripts.validate import ROOT, main

# What `make validate` reads: the designers' files, and the retrieval test sets approved articles need.
COPIED = ("domain.yml", "config.yml", "endpoints.yml", "data", "tests/kb")


class Run(NamedTuple):
    code: int
    out: str  # stdout and stderr, in order


def copy_project(destination: Path) -> Path:
    for entry in COPIED:
        source, target = ROOT / entry, destination / entry
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            shutil.copy2(source, target)
    return destination


def run(*argv: str) -> Run:
    """``main`` with its output captured, usable from module-scoped fixtures (capsys is per test)."""
    output = io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        code = main(list(argv))
    return Run(code, output.getvalue())


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, pattern: str) -> int:
    """1-based line of the first line matching ``pattern``: where a problem about it must point."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, start=1) if re.search(pattern, line))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "project")


# -- the whole run ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return run("--root", str(copy_project(tmp_path_factory.mktemp("clean"))))


def test_a_clean_tree_passes_at_zero_warnings(clean_run: Run) -> None:
    assert clean_run.code == 0, clean_run.out
    assert re.search(r"^kb: \d+ articles OK$", clean_run.out, re.M)
    assert "settings: escalation rules, risk catalogue, handoff and retrieval settings, topics OK" in clean_run.out
    assert re.search(r"^rasa: domain, NLU, rules and stories OK, 0 warnings", clean_run.out, re.M)
    assert "validate: OK" in clean_run.out


# The same turns as "payment methods, not it, then a person" up to a different next action.
CONFLICTING_STORY = """
- story: payment methods, not it, at once a person
  steps:
  - intent: payment_methods
  - action: action_answer_from_kb
  - intent: not_helpful
  - action: action_handoff
"""


class Broken(NamedTuple):
    root: Path
    run: Run


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Broken:
    """A misspelt response in a rule, an intent missing from the domain, a response nothing uses, a response the
    code sends renamed, conflicting stories."""
    root = copy_project(tmp_path_factory.mktemp("broken"))
    edit(root / "data/rules/clarification.yml", "- action: utter_ask_rephrase", "- action: utter_ask_rephrse")
    edit(root / "data/nlu/orders.yml", "- intent: order_status", "- intent: order_tracking")
    edit(root / "domain.yml", "\nresponses:\n", "\nresponses:\n  utter_never_used:\n    - text: Nobody sends this.\n")
    edit(root / "domain.yml", "\n  utter_slow_down:\n", "\n  utter_slow_dn:\n")
    with (root / "data/stories/payments.yml").open("a", encoding="utf-8") as stories:
        stories.write(CONFLICTING_STORY)
    return Broken(root, run("--root", str(root), "--only", "rasa"))


def test_a_misspelt_response_in_a_rule_fails_with_file_and_line(broken: Broken) -> None:
    path = broken.root / "data/rules/clarification.yml"
    line = line_of(path, "utter_ask_rephrse")
    assert broken.run.code == 1
    expected = f"data/rules/clarification.yml:{line}: action: 'utter_ask_rephrse' is not a response in domain.yml"
    assert expected in broken.run.out


def test_an_intent_in_the_nlu_data_but_not_in_the_domain_fails(broken: Broken) -> None:
    line = line_of(broken.root / "data/nlu/orders.yml", "intent: order_tracking")
    expected = f"data/nlu/orders.yml:{line}: intent: 'order_tracking' is not listed under intents in domain.yml"
    assert expected in broken.run.out


def test_a_response_that_neither_the_dialogue_nor_the_code_uses_fails(broken: Broken) -> None:
    line = line_of(broken.root / "domain.yml", "utter_never_used:")
    assert f"domain.yml:{line}: responses.utter_never_used: no rule or story uses it" in broken.run.out
    # Responses only code sends are Rasa's false positives, never reported.
    assert "utter_handoff_wait" not in broken.run.out and "utter_topic_" not in broken.run.out


def test_a_response_the_code_sends_renamed_in_the_domain_fails(broken: Broken) -> None:
    assert "domain.yml: responses.utter_slow_down: missing, but connectors/handoff/runtime.py:" in broken.run.out


def test_conflicting_stories_fail_at_the_first_story_involved(broken: Broken) -> None:
    line = line_of(broken.root / "data/stories/payments.yml", "story: payment methods, not it, then a person$")
    assert f"data/stories/payments.yml:{line}: story: Story structure conflict after intent 'not_helpful'" in broken.run.out


# -- knowledge-base versions and phrasings ----------------------------------------------------------------


def test_an_article_edited_without_a_version_bump_fails_naming_file_and_id(project: Path) -> None:
    path = project / "data/kb/track-your-order.md"
    edit(path, "short_answer: ", "short_answer: Good news! ")

    result = run("--root", str(project), "--only", "kb")

    assert result.code == 1
    assert f"{path}:{line_of(path, '^version:')}: version: article 'track-your-order' changed since version" in result.out


def test_a_bumped_and_approved_edit_passes(project: Path) -> None:
    path = project / "data/kb/track-your-order.md"
    edit(path, "short_answer: ", "short_answer: Good news! ")
    version = int(re.search(r"^version: (\d+)$", path.read_text(), re.M).group(1))
    edit(path, f"\nversion: {version}\n", f"\nversion: {version + 1}\n")

    unapproved = run("--root", str(project), "--only", "kb")
    assert unapproved.code == 1 and f"version {version + 1} is not approved yet: run `make kb-approve`" in unapproved.out

    assert kb_main(["approve", "--kb-dir", str(project / "data/kb"), "--domain", str(project / "domain.yml")]) == 0
    assert run("--root", str(project), "--only", "kb").code == 0
    assert f"  track-your-order:\n    {version}: " in (project / "data/kb/versions.lock").read_text()


def test_approve_refuses_an_edit_without_a_bump(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lock = project / "data/kb/versions.lock"
    before = lock.read_text()
    edit(project / "data/kb/track-your-order.md", "short_answer: ", "short_answer: Good news! ")

    assert kb_main(["approve", "--kb-dir", str(project / "data/kb"), "--domain", str(project / "domain.yml")]) == 1
    assert "changed since version" in capsys.readouterr().out
    assert lock.read_text() == before


def test_a_lower_version_than_the_approved_one_fails(project: Path) -> None:
    path = project / "data/kb/track-your-order.md"
    path.write_text(re.sub(r"^version: \d+$", "version: 1", path.read_text(), flags=re.M))

    result = run("--root", str(project), "--only", "kb")

    assert "version: article 'track-your-order' has version 1, lower than its approved version" in result.out


def test_a_damaged_manifest_is_a_problem_naming_it(project: Path) -> None:
    lock = project / "data/kb/versions.lock"
    lock.write_text(lock.read_text().replace("articles:\n", "articles:\n<<<<<<< HEAD\n", 1))

    result = run("--root", str(project), "--only", "kb")

    assert result.code == 1 and f"{lock}:" in result.out and "cannot be read" in result.out


def test_a_new_article_without_test_phrasings_says_so(project: Path) -> None:
    text = (project / "data/kb/track-your-order.md").read_text()
    path = project / "data/kb/gift-wrapping.md"
    path.write_text(text.replace("id: track-your-order", "id: gift-wrapping"))

    result = run("--root", str(project), "--only", "kb")

    status = line_of(path, "^status:")
    assert f"{path}:{status}: status: approved article 'gift-wrapping' has no test phrasings in " in result.out
    assert "'expected: gift-wrapping'" in result.out
    assert "article 'gift-wrapping' version" in result.out and "is not approved yet" in result.out


def test_validate_and_kb_sync_agree_on_versions(project: Path, tmp_path: Path) -> None:
    """What validate rejects, sync rejects (keeping the old text); what validate accepts, sync publishes."""
    from actions.knowledge.articles import known_intents
    from actions.knowledge.store import KnowledgeStore

    kb, store = project / "data/kb", KnowledgeStore(f"sqlite:///{tmp_path / 'kb.db'}")
    intents = known_intents(project / "domain.yml")
    store.sync(kb, intents)
    path = kb / "track-your-order.md"
    edit(path, "short_answer: ", "short_answer: Good news! ")

    assert run("--root", str(project), "--only", "kb").code == 1
    assert store.sync(kb, intents).rejected == ["track-your-order"]

    version = int(re.search(r"^version: (\d+)$", path.read_text(), re.M).group(1))
    edit(path, f"\nversion: {version}\n", f"\nversion: {version + 1}\n")
    assert kb_main(["approve", "--kb-dir", str(kb), "--domain", str(project / "domain.yml")]) == 0
    assert run("--root", str(project), "--only", "kb").code == 0
    assert store.sync(kb, intents).published == ["track-your-order"]
    store.close()


def test_phrasings_for_an_article_that_is_no_longer_approved_fail(project: Path) -> None:
    edit(project / "data/kb/track-your-order.md", "status: approved", "status: draft")

    result = run("--root", str(project), "--only", "kb")

    line = line_of(project / "tests/kb/retrieval_dev.yml", "expected: track-your-order$")
    expected = f"tests/kb/retrieval_dev.yml:{line}: expected: 'track-your-order' is not an approved article"
    assert expected in result.out


# -- settings files -------------------------------------------------------------------------------------


SETTINGS_BREAKAGES = [
    pytest.param(
        "data/escalation.yml",
        (
            "automation: assist, reason: policy_boundary, queue: billing",
            "automation: auto, reason: policy_boundary, queue: billing",
        ),
        "refund_request:",
        "intents.refund_request.automation: must be one of automate, assist, human (got 'auto')",
        id="escalation-rule",
    ),
    pytest.param(
        "data/escalation.yml",
        ("  order_status: {risk: low", "  order_tracking: {risk: low"),
        "order_tracking:",
        "intents.order_tracking: unknown intent: not in domain.yml",
        id="escalation-unknown-intent",
    ),
    pytest.param(
        "data/risks.yml",
        ("min_confidence: 0.8", "min_confidence: 1.8"),
        "min_confidence:",
        "matching.min_confidence: must be a number from 0.0 to 1.0 (got 1.8)",
        id="risk-catalogue",
    ),
    pytest.param(
        "data/handoff.yml",
        ('monday: "08:00-20:00"', 'monday: "20:00-08:00"'),
        "monday:",
        "business_hours.monday: '20:00-08:00' closes before it opens",
        id="handoff-hours",
    ),
    pytest.param(
        "data/handoff.yml",
        ("timezone: Europe/London", "timezone: Europe/Londres"),
        "^timezone:",
        "timezone: unknown time zone 'Europe/Londres'",
        id="handoff-timezone",
    ),
    pytest.param(
        "data/handoff.yml",
        ("handoffs_per_client_per_hour: 10", "handoffs_per_client_per_hour: 0"),
        "handoffs_per_client_per_hour:",
        "limits.handoffs_per_client_per_hour: must be a whole number of at least 1, got 0",
        id="handoff-limits",
    ),
    pytest.param(
        "data/knowledge.yml",
        ("max_choices: 3", "max_choices: 7"),
        "^max_choices:",
        "max_choices: must be an integer from 2 to 5 (got 7)",
        id="retrieval-thresholds",
    ),
    pytest.param(
        "data/shop/orders.yml",
        ("    state: shipped\n    placed_days_ago: 4", "    state: lost\n    placed_days_ago: 4"),
        '^  - number: "1234567"',
        "orders[0]: ValueError: 'lost' is not a valid OrderState",
        id="shop-seed-state",
    ),
    pytest.param(
        "endpoints.yml",
        ("# shop:\n#   type: shopify", "shop:\n  type: shopify\n  bogus: 1\n# shop:\n#   type: shopify"),
        "^  bogus:",
        "shop.bogus: unknown setting",
        id="shop-section",
    ),
    pytest.param(
        "data/topics.yml",
        ('goal: "Find out where {order} is"', 'goal: "Find out where {ordr} is"'),
        "Find out where",
        "topics.order_status.goal: unknown placeholder {ordr} (known: {order}, {about_order},",
        id="topic-placeholder",
    ),
    pytest.param(
        "data/topics.yml",
        ("  vip:\n    handed_over:", "  vipp:\n    handed_over:"),
        "^  vipp:",
        "reasons.vipp: unknown reason code (known: ",
        id="topic-reason",
    ),
]


@pytest.mark.parametrize("file, change, where, message", SETTINGS_BREAKAGES)
def test_a_broken_settings_file_fails_naming_file_line_and_key(
    project: Path, file: str, change: tuple[str, str], where: str, message: str
) -> None:
    edit(project / file, *change)

    result = run("--root", str(project), "--only", "settings")

    assert result.code == 1
    assert f"{file}:{line_of(project / file, where)}: {message}" in result.out


def test_an_intent_without_a_topic_fails_before_an_agent_reads_could_not_tell(project: Path) -> None:
    topics = project / "data/topics.yml"
    edit(topics, "without_topic: [greet, ", "without_topic: [")

    result = run("--root", str(project), "--only", "settings")

    assert result.code == 1
    where = f"data/topics.yml:{line_of(topics, '^topics:')}: topics.greet: intent 'greet' of domain.yml has no topic"
    assert where in result.out and "could not tell what the customer needs" in result.out


def test_a_risk_without_its_own_handoff_words_fails(project: Path) -> None:
    edit(project / "domain.yml", "  utter_handoff_harassment:\n", "  utter_handoff_harrassment:\n")

    result = run("--root", str(project), "--only", "settings")

    line = line_of(project / "data/risks.yml", r"name: harassment$")
    assert f"data/risks.yml:{line}: risks[" in result.out
    assert "no response utter_handoff_harassment in domain.yml" in result.out
