"""The in-process NLU tools: the pipeline helper, threshold fitting, the benchmark runner and the eval's NLU sections.

Each runs config.yml's real featurizer and classifier, on a few made-up examples
so the suite stays fast; `make nlu-bench` and `make eval` run them on the real data.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from scripts import evaluate, fit_threshold, intent_pipeline, nlu_bench
from scripts.evaluate import nlu as nlu_evaluation
from scripts.evaluate import nlu_data as nlu_data_evaluation
from scripts.intent_pipeline import CachingEncoder, IntentModel, Prediction, read_config
from scripts.nlu_bench import data as benchmark_data
from scripts.nlu_bench import thresholds, tuning

INTENTS = {
    "order_status": ["where is my order", "my parcel has not arrived", "track my package", "when will my delivery come"],
    "return_policy": ["how do i return a jacket", "can i send back shoes", "what is your returns window", "return an item"],
    "request_human": ["i want to talk to a person", "get me a human", "speak to an agent please", "real person now"],
    "out_of_scope": ["what is the capital of peru", "write me a poem", "who won the football", "solve this equation"],
}


def flat(intents=INTENTS):
    texts = [text for examples in intents.values() for text in examples]
    return texts, [intent for intent, examples in intents.items() for _ in examples]


@pytest.fixture(scope="module")
def config():
    return read_config()


def test_config_yml_puts_the_embeddings_beside_tf_idf(config):
    assert config.featurizer is not None
    assert config.classifier["dense_scale"] > 0
    assert 0 < config.threshold < 1 and 0 <= config.ambiguity_threshold < 1
    assert config.without_embeddings().featurizer is None


def test_the_model_trains_and_ranks_like_the_bot(config):
    model = IntentModel(config).train(*flat())

    [prediction] = model.predict(["where is my parcel"])

    assert prediction.intent == "order_status"
    assert [name for name, _ in prediction.ranking][0] == prediction.intent
    assert sum(confidence for _, confidence in prediction.ranking) == pytest.approx(1.0, abs=1e-6)


def test_the_caching_encoder_embeds_a_text_once_and_keeps_it_on_disk(config, tmp_path):
    path = tmp_path / "cache.npz"
    cache = intent_pipeline.caching_encoder(config, path)
    first = cache.embed(["hello", "hello", "bye"])
    assert cache.computed == 2
    cache.save()

    again = intent_pipeline.caching_encoder(config, path)
    assert np.array_equal(again.embed(["bye", "hello"]), first[[2, 0]])
    assert again.computed == 0

    other = CachingEncoder(again.encoder, "another-model", path)
    other.embed(["hello"])
    assert other.computed == 1  # a cache of another model's vectors is not used


def test_the_fallback_rule_is_rasas():
    prediction = Prediction([("a", 0.5), ("b", 0.45), ("c", 0.05)])

    assert prediction.falls_back(0.6, 0.0)
    assert prediction.falls_back(0.4, 0.1)  # margin 0.05
    assert not prediction.falls_back(0.4, 0.02)


def test_the_threshold_fit_catches_the_most_misreadings_within_the_budget():
    right = [Prediction([("a", c), ("b", 1 - c)]) for c in np.linspace(0.6, 1.0, 100)]
    wrong = [Prediction([("b", c), ("a", 1 - c)]) for c in (0.5, 0.55, 0.61, 0.95)]

    fitted = fit_threshold.fit(right + wrong, ["a"] * 104, budget=0.05)

    assert fitted.right_asked <= 0.05
    assert fitted.wrong_caught == 0.75  # the 0.95 misreading cannot be caught without asking 5%+ of right readings
    assert fitted.right == 100 and fitted.wrong == 4


# -- nlu_bench on a tiny stand-in for /work/shared/nlu-benchmarks --------------------------------------


def write_csv(path: Path, header: str, texts, labels) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", header])
        writer.writerows(zip(texts, labels, strict=True))


@pytest.fixture
def benchmarks(tmp_path, monkeypatch):
    texts, labels = flat({k: v for k, v in INTENTS.items() if k != "out_of_scope"})
    write_csv(tmp_path / "banking77" / "train.csv", "category", texts, labels)
    write_csv(tmp_path / "banking77" / "test.csv", "category", texts[::2], labels[::2])
    for name in ("dialoglue_train.csv", "dialoglue_train_10.csv", "dialoglue_valid.csv", "dialoglue_test.csv"):
        write_csv(tmp_path / "hwu64" / name, "intent", texts, labels)
    rows = [[t, label] for t, label in zip(texts, labels, strict=True)]
    oos = [[t, "oos"] for t in INTENTS["out_of_scope"]]
    (tmp_path / "clinc150").mkdir()
    (tmp_path / "clinc150" / "data_full.json").write_text(
        json.dumps({"train": rows, "val": rows, "test": rows, "oos_train": oos, "oos_val": oos, "oos_test": oos})
    )
    monkeypatch.setattr(benchmark_data, "BENCHMARKS", tmp_path)
    monkeypatch.setattr(nlu_bench, "OUTPUT", tmp_path / "results" / "nlu_bench.md")
    monkeypatch.setattr(nlu_bench, "CACHE", tmp_path / "var" / "embeddings.npz")
    return tmp_path


def test_nlu_bench_reports_every_benchmark_beside_the_published_results(benchmarks, capsys):
    assert nlu_bench.main([]) == 0

    table = capsys.readouterr().out.strip()
    for row in ("| BANKING77 | full training set |", "| HWU64 | 10 per intent", "| CLINC150 | out-of-scope recall", "rule B"):
        assert row in table
    assert "USE+ConveRT 85.19" in table and "texts/s" in table
    assert (benchmarks / "results" / "nlu_bench.md").read_text().endswith(table + "\n")
    assert (benchmarks / "var" / "embeddings.npz").exists()


def test_a_missing_benchmark_file_is_named(benchmarks, capsys):
    (benchmarks / "banking77" / "test.csv").unlink()

    assert nlu_bench.main([]) == 1
    assert "banking77/test.csv is missing" in capsys.readouterr().err


def test_few_shot_sampling_is_fixed_by_its_seed():
    texts = [f"text {n}" for n in range(100)]
    labels = [f"intent {n % 4}" for n in range(100)]

    once, again = benchmark_data.few_shot((texts, labels), shots=3), benchmark_data.few_shot((texts, labels), shots=3)

    assert once == again
    assert sorted(set(once[1])) == sorted(set(labels)) and len(once[0]) == 12


def test_the_clinc_threshold_maximises_in_scope_accuracy_plus_oos_recall():
    confidences, right = np.array([0.9, 0.8, 0.7, 0.4]), np.array([True, True, True, False])
    oos = np.array([0.3, 0.5, 0.65])

    threshold = thresholds.choose_threshold(confidences, right, oos)

    assert 0.65 < threshold <= 0.7
    assert thresholds.in_scope_and_oos(confidences, right, oos, threshold) == (0.75, 1.0)


def test_rule_b_keeps_in_scope_accuracy_within_a_point_of_its_maximum():
    confidences = np.linspace(0.5, 1.0, 200)
    right = np.ones(200, dtype=bool)

    threshold = thresholds.choose_threshold_within_a_point(confidences, right)

    assert np.mean(confidences >= threshold) >= 0.99
    assert np.mean(confidences >= threshold + 0.005) < 0.99


# -- the eval's NLU sections ------------------------------------------------------------------------------


def test_dev_test_scores_count_clarifications_confident_misreadings_and_handoffs():
    predictions = [
        Prediction([("request_human", 0.9), ("order_status", 0.1)]),  # right
        Prediction([("request_human", 0.3), ("order_status", 0.2)]),  # right but asked to clarify
        Prediction([("order_status", 0.8), ("request_human", 0.2)]),  # wrong and confident
        Prediction([("order_status", 0.5), ("out_of_scope", 0.45)]),  # out of scope, ambiguous
    ]
    labels = ["request_human", "request_human", "request_human", "out_of_scope"]

    scores = nlu_evaluation.dev_test_scores(predictions, labels, threshold=0.4, ambiguity=0.1)

    assert scores["accuracy"] == 0.5
    assert scores["in_scope"] == 3 and scores["fallback_rate"] == pytest.approx(1 / 3)
    assert scores["wrong_confident_rate"] == 0.5
    assert scores["human"] == 3 and scores["human_recall"] == pytest.approx(1 / 3)


def test_near_duplicates_are_found_by_normalised_text_and_by_embedding(config):
    texts = ["Where is my order?", "where is my order", "where's my order", "I want a refund", "how do I reset my password"]
    labels = ["order_status", "order_status", "complaint", "refund_request", "login_problem"]
    vectors = intent_pipeline.caching_encoder(config).embed(texts)

    pairs = nlu_data_evaluation.near_duplicate_pairs(texts, labels, vectors)

    assert (0, 1) in [(i, j) for i, j, _ in pairs]
    assert all(labels[i] != labels[j] for i, j, _ in pairs[:1])  # across two intents first
    assert {3, 4}.isdisjoint({i for pair in pairs for i in pair[:2]})


def test_confused_pairs_count_both_directions():
    labels = ["a", "b", "a", "c", "c"]
    predicted = ["b", "a", "a", "a", "c"]

    assert nlu_data_evaluation.confused_pairs(labels, predicted) == [("a", "b", 2), ("a", "c", 1)]


def test_the_dev_test_section_trains_on_data_and_reports_the_test_set(tmp_path, monkeypatch):
    data = tmp_path / "nlu.yml"
    data.write_text(
        "version: '3.1'\nnlu:\n"
        + "".join(f"- intent: {i}\n  examples: |\n" + "".join(f"    - {t}\n" for t in ts) for i, ts in INTENTS.items())
    )
    dev = tmp_path / "dev_test.yml"
    dev.write_text(
        "version: '3.1'\nnlu:\n- intent: order_status\n  examples: |\n    - has my parcel shipped yet\n"
        "- intent: request_human\n  examples: |\n    - let me talk to someone real\n"
    )
    monkeypatch.setattr(nlu_evaluation, "NLU_DATA", data)
    monkeypatch.setattr(nlu_evaluation, "DEV_TEST", dev)

    markdown = nlu_evaluation.dev_test_section().markdown()

    assert "- 2 messages, 2 intents" in markdown
    assert "accuracy:" in markdown and "request_human recall" in markdown and "wrong but confident" in markdown


def test_the_dev_test_section_says_when_there_is_no_test_set(tmp_path, monkeypatch):
    monkeypatch.setattr(nlu_evaluation, "DEV_TEST", tmp_path / "missing.yml")

    assert "does not exist" in nlu_evaluation.dev_test_section().markdown()
    assert nlu_evaluation.dev_test_section in evaluate.SECTIONS and nlu_data_evaluation.nlu_data_section in evaluate.SECTIONS


def test_tuning_compares_settings_on_validation_data_and_writes_no_result(benchmarks, capsys, monkeypatch):
    monkeypatch.setattr(tuning, "TUNE_GRID", [{"C": 10, "dense_scale": 1.0}])

    assert nlu_bench.main(["--tune"]) == 0

    table = capsys.readouterr().out
    assert "| {'C': 10, 'dense_scale': 1.0} |" in table and "HWU64 valid" in table and "CLINC150 val" in table
    assert not (benchmarks / "results" / "nlu_bench.md").exists()
