"""Intent classification: Rasa's cross-validation of config.yml, and the development test set."""

from __future__ import annotations

from typing import Any, Dict, List

from scripts.evaluate.common import RESULTS, ROOT, Section, accuracy_of, labels_by_f1, log, rasa, read_report

NLU_OUT = RESULTS / "nlu"
FOLDS = 5
TARGET_MACRO_F1 = 0.92


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
