"""`make eval`: how well Tandem understands customers and follows conversations.

Each section runs one Rasa evaluation, reads the report Rasa writes and returns
a Section: Markdown lines plus target checks. Targets print PASS or FAIL but
never fail the run; only an evaluation that could not run exits non-zero.
Everything is printed and written to results/eval.md.

To add a section (retrieval hit@k, escalation precision/recall, ...), write a
function ``() -> Section`` and append it to SECTIONS.
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

import yaml

from core import clock
from rasa_extensions.cli import command as rasa_command
from scripts.stack import ROOT, StackError, trained_model

RESULTS = ROOT / "results"
OUTPUT = RESULTS / "eval.md"
NLU_OUT = RESULTS / "nlu"
CORE_OUT = RESULTS / "core"
TEST_STORIES = "tests/conversations/test_stories.yml"
FOLDS = 5
TARGET_MACRO_F1 = 0.92
# Keys of a classification report that summarise rather than name a label.
SUMMARY_KEYS = {"accuracy", "macro avg", "weighted avg", "micro avg", "conversation_accuracy"}


class EvaluationError(RuntimeError):
    """An evaluation could not run; the message says why."""


@dataclass
class Section:
    title: str
    lines: List[str] = field(default_factory=list)
    checks: List[Tuple[str, bool]] = field(default_factory=list)

    def markdown(self) -> str:
        checks = [f"- {'PASS' if passed else 'FAIL'}: {description}" for description, passed in self.checks]
        return "\n".join([f"## {self.title}", "", *self.lines, *([""] + checks if checks else [])])


def log(message: str) -> None:
    print(f"eval: {message}", file=sys.stderr, flush=True)


def rasa(*args: str, out: Path) -> None:
    """Run a `rasa` command (through rasa_extensions/cli.py, as the server runs) into a fresh `out`
    (so no stale report is read); its output goes to stderr."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    result = subprocess.run(rasa_command(*args, "--out", str(out)), cwd=ROOT, stdout=sys.stderr)
    if result.returncode != 0:
        raise EvaluationError(f"`rasa {' '.join(args)}` exited with code {result.returncode}; see its output above")


def read_report(path: Path) -> Dict[str, Any]:
    if not path.exists():
        raise EvaluationError(f"Rasa wrote no {path.relative_to(ROOT)}")
    return json.loads(path.read_text())


def labels_by_f1(report: Dict[str, Any]) -> List[Tuple[str, Dict[str, Any]]]:
    """Per-label rows of a classification report, worst F1 first."""
    rows = [(label, row) for label, row in report.items() if label not in SUMMARY_KEYS and isinstance(row, dict)]
    return sorted(rows, key=lambda item: (item[1]["f1-score"], item[0]))


def accuracy_of(report: Dict[str, Any]) -> float:
    # Rasa completes sklearn's report with either "accuracy" or "micro avg".
    value = report.get("accuracy", report.get("micro avg", {}))
    return float(value["f1-score"] if isinstance(value, dict) else value)


def nlu_section() -> Section:
    log(f"NLU: {FOLDS}-fold cross-validation of config.yml on data/nlu (several minutes) ...")
    rasa("test", "nlu", "--config", "config.yml", "--nlu", "data/nlu", "--cross-validation", "--folds", str(FOLDS), out=NLU_OUT)
    report = read_report(NLU_OUT / "intent_report.json")
    macro_f1 = report["macro avg"]["f1-score"]
    section = Section(f"NLU: intent classification ({FOLDS}-fold cross-validation)")
    section.lines += [
        f"- macro avg F1: {macro_f1:.3f}",
        f"- weighted avg F1: {report['weighted avg']['f1-score']:.3f}",
        f"- accuracy: {accuracy_of(report):.3f}",
        "",
        "Worst 5 intents by F1:",
        "",
        "| intent | F1 | precision | recall | support | most confused with |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for intent, row in labels_by_f1(report)[:5]:
        confused = ", ".join(f"{name} ({count})" for name, count in (row.get("confused_with") or {}).items()) or "-"
        section.lines.append(
            f"| {intent} | {row['f1-score']:.3f} | {row['precision']:.3f} | {row['recall']:.3f} | {row['support']} | {confused} |"
        )
    section.checks.append((f"macro avg F1 {macro_f1:.3f} >= {TARGET_MACRO_F1}", macro_f1 >= TARGET_MACRO_F1))
    return section


DEV_TEST = ROOT / "tests" / "nlu" / "dev_test.yml"
NLU_DATA = ROOT / "data" / "nlu"
OUT_OF_SCOPE = "out_of_scope"
HUMAN = "request_human"
NEAR_DUPLICATE_COSINE = 0.95


def dev_test_scores(predictions: List[Any], labels: List[str], threshold: float, ambiguity: float) -> Dict[str, Any]:
    """The development test set's numbers from predictions (scripts.intent_pipeline.Prediction) and gold intents.

    - fallback rate: in-scope messages (gold not out_of_scope) that FallbackClassifier
      would turn into a clarifying question (confidence < threshold or top-2 margin < ambiguity);
    - wrong but confident: messages read as another intent with confidence >= threshold;
    - request_human recall: gold request_human read as request_human with confidence >= threshold.
    """
    from scripts.intent_pipeline import macro_f1

    predicted = [p.intent for p in predictions]
    right = [guess == gold for guess, gold in zip(predicted, labels, strict=True)]
    in_scope = [p for p, gold in zip(predictions, labels, strict=True) if gold != OUT_OF_SCOPE]
    human = [p for p, gold in zip(predictions, labels, strict=True) if gold == HUMAN]
    return {
        "messages": len(labels),
        "accuracy": sum(right) / len(labels) if labels else 0.0,
        "macro_f1": macro_f1(labels, predicted) if labels else 0.0,
        "in_scope": len(in_scope),
        "fallback_rate": sum(p.falls_back(threshold, ambiguity) for p in in_scope) / len(in_scope) if in_scope else 0.0,
        "wrong_confident_rate": sum(not ok and p.confidence >= threshold for p, ok in zip(predictions, right, strict=True))
        / max(len(labels), 1),
        "human": len(human),
        "human_recall": sum(p.intent == HUMAN and p.confidence >= threshold for p in human) / len(human) if human else None,
    }


def dev_test_section() -> Section:
    """config.yml's intent classification trained on data/nlu, tested on the frozen development test set."""
    from scripts.intent_pipeline import IntentModel, load_nlu, read_config

    section = Section("NLU: development test set (tests/nlu/dev_test.yml)")
    if not DEV_TEST.exists():
        section.lines.append(f"- skipped: {DEV_TEST} does not exist")
        return section
    log("NLU: training config.yml's featurizer and classifier on data/nlu, testing the development test set ...")
    config = read_config()
    texts, labels = load_nlu(NLU_DATA)
    test_texts, test_labels = load_nlu(DEV_TEST)
    predictions = IntentModel(config).train(texts, labels).predict(test_texts)
    scores = dev_test_scores(predictions, test_labels, config.threshold, config.ambiguity_threshold)
    unknown = sorted(set(test_labels) - set(labels))
    human = "n/a (no request_human message)" if scores["human_recall"] is None else f"{scores['human_recall']:.3f}"
    section.lines += [
        f"- {scores['messages']} messages, {len(set(test_labels))} intents; trained on {len(texts)} examples of data/nlu",
        f"- accuracy: {scores['accuracy']:.3f}",
        f"- macro avg F1: {scores['macro_f1']:.3f}",
        f"- asked to clarify (FallbackClassifier threshold {config.threshold}, ambiguity {config.ambiguity_threshold}),"
        f" in-scope messages: {scores['fallback_rate']:.1%} of {scores['in_scope']}",
        f"- wrong but confident (another intent, confidence >= {config.threshold}): {scores['wrong_confident_rate']:.1%}",
        f"- request_human recall (confidence >= {config.threshold}): {human} of {scores['human']}",
    ]
    if unknown:
        section.lines.append(f"- intents with no training example: {', '.join(unknown)}")
    misses = [(t, gold, p) for t, gold, p in zip(test_texts, test_labels, predictions, strict=True) if p.intent != gold]
    if misses:
        section.lines += ["", f"Misreadings ({len(misses)}; first 20: text, gold -> read as (confidence)):", ""]
        section.lines += [f"- {t!r}: {gold} -> {p.intent} ({p.confidence:.2f})" for t, gold, p in misses[:20]]
    return section


def normalised(text: str) -> str:
    return " ".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def near_duplicate_pairs(
    texts: List[str], labels: List[str], vectors: Any, cosine: float = NEAR_DUPLICATE_COSINE
) -> List[Tuple[int, int, float]]:
    """(i, j, cosine) of examples with the same normalised text or embeddings at least ``cosine`` apart, i < j."""
    import numpy as np

    pairs: Dict[Tuple[int, int], float] = {}
    first: Dict[str, int] = {}
    for j, text in enumerate(texts):
        key = normalised(text)
        if key in first:
            pairs[(first[key], j)] = 1.0
        else:
            first[key] = j
    vectors = np.asarray(vectors, dtype=np.float32)
    for start in range(0, len(texts), 512):
        block = vectors[start : start + 512] @ vectors.T
        for row, column in zip(*np.nonzero(block >= cosine), strict=True):
            i = start + int(row)
            if i < column:
                pairs.setdefault((i, int(column)), float(block[row, column]))
    # Pairs across two intents first: the same sentence teaching two answers.
    return sorted(((i, j, c) for (i, j), c in pairs.items()), key=lambda p: (labels[p[0]] == labels[p[1]], -p[2], p[0], p[1]))


def confused_pairs(labels: List[str], predicted: List[str], top: int = 10) -> List[Tuple[str, str, int]]:
    """(intent, intent, count) of the intents most often read as each other, either way round."""
    from collections import Counter

    counts = Counter(tuple(sorted((gold, guess))) for gold, guess in zip(labels, predicted, strict=True) if gold != guess)
    return [(a, b, n) for (a, b), n in counts.most_common(top)]


def nlu_data_section() -> Section:
    """data/nlu itself: examples per intent, near-duplicates, and what the cross-validation confuses."""
    from collections import Counter

    from scripts.fit_threshold import fit, score
    from scripts.intent_pipeline import caching_encoder, cross_validated_predictions, load_nlu, read_config

    log(f"NLU data: examples per intent, near-duplicates, in-process {FOLDS}-fold cross-validation ...")
    config = read_config()
    texts, labels = load_nlu(NLU_DATA)
    encoder = caching_encoder(config)
    predictions = cross_validated_predictions(config, texts, labels, folds=FOLDS, encoder=encoder)
    counts = Counter(labels)
    section = Section(f"NLU data (data/nlu: {len(texts)} examples, {len(counts)} intents)")
    section.lines += ["| intent | examples |", "|---|---:|"]
    section.lines += [f"| {intent} | {n} |" for intent, n in sorted(counts.items(), key=lambda item: (item[1], item[0]))]
    pairs = near_duplicate_pairs(texts, labels, encoder.embed(texts))
    across = sum(labels[i] != labels[j] for i, j, _ in pairs)
    section.lines += [
        "",
        f"Near-duplicate pairs (same normalised text, or embedding cosine >= {NEAR_DUPLICATE_COSINE}): {len(pairs)},"
        f" {across} of them across two intents:",
        "",
    ]
    section.lines += [f"- {texts[i]!r} ({labels[i]}) ~ {texts[j]!r} ({labels[j]}): {c:.3f}" for i, j, c in pairs] or ["- none"]
    predicted = [p.intent for p in predictions]
    section.lines += ["", f"Most confused intent pairs ({FOLDS}-fold cross-validation, either direction):", ""]
    section.lines += [f"- {a} / {b}: {n}" for a, b, n in confused_pairs(labels, predicted)] or ["- none"]
    current = score(predictions, labels, config.threshold, config.ambiguity_threshold)
    fitted = fit(predictions, labels)
    section.lines += [
        "",
        "FallbackClassifier on these cross-validated predictions (scripts/fit_threshold.py):",
        f"- config.yml: {current.describe()}",
        f"- refitted (at most 5% of right readings asked): {fitted.describe()}",
    ]
    return section


def failed_story_names(path: Path) -> List[str]:
    """Names of the stories in Rasa's failed_test_stories.yml (a lone comment when none failed)."""
    if not path.exists():
        return []
    data = yaml.safe_load(path.read_text()) or {}
    return [story.get("story", "?") for story in data.get("stories", [])]


def dialogue_section() -> Section:
    log("dialogue: training or reusing the model, then testing the test stories ...")
    try:
        model = trained_model()
    except StackError as error:
        raise EvaluationError(str(error)) from error
    rasa("test", "core", "--model", str(model), "--stories", TEST_STORIES, "--no-plot", out=CORE_OUT)
    report = read_report(CORE_OUT / "story_report.json")
    # Rasa adds "conversation_accuracy" (whole stories) next to the per-action report.
    stories = report.get("conversation_accuracy")
    if not stories:
        raise EvaluationError(f"{CORE_OUT.relative_to(ROOT)}/story_report.json has no conversation_accuracy")
    section = Section(f"Dialogue: test stories ({TEST_STORIES})")
    section.lines += [
        f"- story accuracy: {stories['accuracy']:.3f} ({stories['correct']} / {stories['total']} stories correct)",
        f"- action accuracy: {accuracy_of(report):.3f}",
    ]
    failed = failed_story_names(CORE_OUT / "failed_test_stories.yml")
    if failed:
        section.lines += ["", "Failed stories (details in results/core/failed_test_stories.yml):", ""]
        section.lines += [f"- {name}" for name in failed]
    return section


TARGET_HIT_AT_1 = 0.90
RETRIEVAL_CASES = ROOT / "tests" / "kb" / "retrieval_eval.yml"


def nlu_predictor():
    """(intent, confidence) from the trained model, so retrieval is scored as it runs in production."""
    import asyncio

    from rasa.core.agent import Agent

    agent = Agent.load(str(trained_model()))
    loop = asyncio.new_event_loop()

    def predict(text: str):
        intent = loop.run_until_complete(agent.parse_message(text))["intent"]
        return intent.get("name"), float(intent.get("confidence") or 0.0)

    return predict


def retrieval_section() -> Section:
    from actions.config import settings
    from actions.knowledge.articles import known_intents, validate_directory
    from actions.knowledge.evaluation import evaluate, load_cases
    from actions.knowledge.retrieval import KnowledgeIndex

    log("retrieval: ranking the evaluation phrasings with intents from the trained NLU model ...")
    articles, problems = validate_directory(ROOT / "data" / "kb", known_intents(ROOT / "domain.yml"))
    if problems:
        raise EvaluationError(f"data/kb has {len(problems)} problem(s); run `make validate`")
    cases = load_cases(RETRIEVAL_CASES)
    today = clock.today()  # TANDEM_CLOCK scores the knowledge base as it will serve on another day
    scores = evaluate(KnowledgeIndex(articles, settings().kb_thresholds), cases, predict=nlu_predictor(), today=today)
    servable = sum(article.is_servable(today) for article in articles)
    section = Section(f"Knowledge-base retrieval ({scores.cases} held-out phrasings, {len(articles)} articles)")
    section.lines += [
        f"- scored as served on {today.isoformat()}: {servable} of {len(articles)} articles servable"
        " (the others are drafts or past review_by; `make kb-report` lists them)",
        f"- hit@1: {scores.hit_at_1:.3f}",
        f"- hit@3: {scores.hit_at_3:.3f}",
        f"- MRR: {scores.mrr:.3f}",
        f"- outcomes: {', '.join(f'{k} {v}' for k, v in scores.outcomes.items())}",
        "",
        "First misses (query, expected, ranked):",
        "",
        *[f"- {case.query!r}: {case.expected} <- {', '.join(ranked) or '-'}" for case, ranked in scores.misses[:10]],
    ]
    section.checks.append((f"hit@1 {scores.hit_at_1:.3f} >= {TARGET_HIT_AT_1}", scores.hit_at_1 >= TARGET_HIT_AT_1))
    return section


TARGET_RECALL = 0.95
TARGET_FALSE_ESCALATIONS = 0.05
# Risks a person must see every time (issue: escalation coverage); customer_request as well.
MUST_NEVER_MISS = ("product_safety", "security_risk", "legal", "data_protection", "customer_request")


def escalation_section() -> Section:
    import tempfile

    from scripts.gold import FROZEN, GOLD, run_gold
    from scripts.stack import Ports, start_stack

    log("escalation: running the development and the frozen set through the REST channel (starts a stack) ...")
    with tempfile.TemporaryDirectory(prefix="tandem-eval-") as directory:
        workdir = Path(directory)
        kb_url = f"sqlite:///{workdir / 'kb.db'}"
        token = secrets.token_urlsafe(24)  # this run's own: the API is on for reading trackers only
        with start_stack(
            trained_model(),
            Ports(16005, 16055, 16080),
            workdir,
            workdir / "tracker.db",
            web=False,
            kb_url=kb_url,
            api_token=token,
            # Every gold conversation asks from 127.0.0.1, at any hour: the test settings' limits and hours.
            env={"TANDEM_HANDOFF_SETTINGS": str(ROOT / "tests" / "connectors" / "handoff" / "always_open.yml")},
        ) as stack:
            development = run_gold(stack.rasa_url, GOLD, api_token=token)
            frozen = run_gold(stack.rasa_url, FROZEN, api_token=token)
    section = Section(
        f"Escalation: development set ({len(development.must_escalate)} must-escalate, {len(development.must_not)}"
        f" must-not) and frozen set ({len(frozen.must_escalate)} / {len(frozen.must_not)}, written apart, never tuned on)"
    )
    for name, report in (
        ("Development set (tests/escalation/gold.yml)", development),
        ("Frozen set (tests/escalation/frozen.yml)", frozen),
    ):
        section.lines += [
            f"{name}:",
            "",
            f"- overall recall (escalated at all): {report.recall():.3f}",
            f"- must-not-escalate conversations escalated: {report.false_escalation_rate():.1%}"
            + (f" (by reason: {report.false_escalations_by_reason()})" if report.false_escalations_by_reason() else ""),
            "",
            *report.table(),
            "",
        ]
    # Only the development set's misses are listed: reading the frozen set's would be tuning to it.
    section.lines += [
        "Development set misses and wrong reasons:",
        "",
        *[
            f"- {o.id}: expected {o.expected or 'no escalation'}, got {o.predicted or 'no escalation'}"
            for o in development.outcomes
            if o.expected != o.predicted
        ],
    ]
    for name, report in (("frozen", frozen), ("development", development)):
        section.checks += [
            (f"{name}: overall recall {report.recall():.3f} >= {TARGET_RECALL}", report.recall() >= TARGET_RECALL),
            (
                f"{name}: false escalations {report.false_escalation_rate():.1%} <= {TARGET_FALSE_ESCALATIONS:.0%}",
                report.false_escalation_rate() <= TARGET_FALSE_ESCALATIONS,
            ),
            *[
                (f"{name}: {r} recall {report.recall(r):.2f} == 1.00", report.recall(r) == 1.0)
                for r in MUST_NEVER_MISS
                if any(o.expected == r for o in report.must_escalate)
            ],
        ]
    return section


REDACTION_CORPUS = ROOT / "tests" / "redaction" / "corpus.yml"
REDACTION_HELDOUT = ROOT / "tests" / "redaction" / "heldout.yml"
TARGET_HARMLESS_ALTERED = 0.01
MUST_CATCH_ALL = ("card", "password")


def _redaction_scores(path: Path) -> Dict[str, Any]:
    from core.redaction.evaluation import score_corpus

    try:
        return score_corpus(path)
    except (OSError, ValueError, yaml.YAMLError) as error:
        raise EvaluationError(f"cannot score {path.relative_to(ROOT)}: {error}") from error


def _redaction_table(scores: Dict[str, Any]) -> List[str]:
    return [
        f"- overall recall: {scores['overall_recall']:.3f}",
        f"- harmless messages altered: {scores['harmless_altered']} of {scores['harmless']}"
        f" ({scores['false_positive_rate']:.1%})",
        "",
        "| kind | messages | recall |",
        "|---|---:|---:|",
        *[f"| {kind} | {scores['counts'][kind]} | {recall:.3f} |" for kind, recall in scores["recall"].items()],
    ]


def redaction_section() -> Section:
    """core/redaction/ on its development corpus and on a held-out corpus: no model, no stack."""
    log("redaction: scoring the development and held-out corpora ...")
    dev, heldout = _redaction_scores(REDACTION_CORPUS), _redaction_scores(REDACTION_HELDOUT)
    section = Section(
        f"Redaction (development: {sum(dev['counts'].values())} secret-bearing, {dev['harmless']} harmless; "
        f"held out: {sum(heldout['counts'].values())} / {heldout['harmless']})"
    )
    section.lines += [f"Development corpus (`{REDACTION_CORPUS.relative_to(ROOT)}`, the rules were written against it):", ""]
    section.lines += _redaction_table(dev)
    if dev["misses"]:
        section.lines += ["", "Secrets left in (kind: text -> redacted):", ""]
        section.lines += [f"- {m['kind']}: {m['text']!r} -> {m['redacted']!r}" for m in dev["misses"]]
    if dev["altered"]:
        section.lines += ["", "Harmless messages altered:", ""]
        section.lines += [f"- {a['text']!r} -> {a['redacted']!r}" for a in dev["altered"]]
    # Held out: written by another author, never seen by the rules' author; only its totals are
    # printed, so that nobody tunes the rules to its misses.
    section.lines += ["", f"Held-out corpus (`{REDACTION_HELDOUT.relative_to(ROOT)}`, frozen):", ""]
    section.lines += _redaction_table(heldout)
    for name, scores in (("development", dev), ("held-out", heldout)):
        altered_rate = scores["false_positive_rate"]
        section.checks += [
            *[
                (
                    f"{name}: {kind} recall {scores['recall'].get(kind, 0.0):.3f} == 1.000",
                    scores["recall"].get(kind, 0.0) == 1.0,
                )
                for kind in MUST_CATCH_ALL
            ],
            (
                f"{name}: harmless altered {altered_rate:.1%} <= {TARGET_HARMLESS_ALTERED:.0%}",
                altered_rate <= TARGET_HARMLESS_ALTERED,
            ),
        ]
    return section


SECTIONS: List[Callable[[], Section]] = [
    nlu_section,
    nlu_data_section,
    dev_test_section,
    dialogue_section,
    retrieval_section,
    escalation_section,
    redaction_section,
]


def main() -> int:
    from rasa_extensions import patches

    try:  # the `rasa` commands run extended (rasa_extensions/cli.py); what runs in this process too
        patches.apply()
    except patches.UntestedRasaError as error:
        log(str(error))
        return 2
    sections: List[Section] = []
    failed = False
    for run in SECTIONS:
        try:
            sections.append(run())
        except EvaluationError as error:
            log(str(error))
            failed = True
            name = run.__name__.removesuffix("_section")
            sections.append(Section(f"{name}: not evaluated", [f"Error: {error}"]))
    body = "\n\n".join(section.markdown() for section in sections)
    print(body)
    RESULTS.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(f"# Evaluation\n\n{clock.now():%Y-%m-%d %H:%M}\n\n{body}\n")
    log(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
