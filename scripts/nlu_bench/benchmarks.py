"""Each benchmark trained and tested, as Results beside the published figures and the project's goals."""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Tuple

import numpy as np

from scripts.intent_pipeline import CachingEncoder, PipelineConfig
from scripts.nlu_bench import data
from scripts.nlu_bench.common import accuracy, log, train
from scripts.nlu_bench.data import SHOT_SEED, SHOTS, Examples, clinc, few_shot, read_csv
from scripts.nlu_bench.thresholds import choose_threshold, choose_threshold_within_a_point, in_scope_and_oos


@dataclass
class Result:
    benchmark: str
    setting: str
    measured: str
    published: str
    goal: str
    passed: Optional[bool]
    train_size: int
    train_s: float


def accuracy_result(
    config, encoder, benchmark: str, setting: str, train_set: Examples, test_set: Examples, published: str, goal: float | None
) -> Result:
    log(f"{benchmark} {setting}: training on {len(train_set[0])} examples ...")
    model, seconds = train(config, encoder, train_set)
    value = accuracy(model, test_set)
    log(f"{benchmark} {setting}: test accuracy {value:.2%} (trained in {seconds:.0f} s)")
    return Result(
        benchmark,
        setting,
        f"{value:.2%}",
        published,
        f">= {goal:.0%}" if goal is not None else "-",
        None if goal is None else value >= goal - 1e-12,
        len(train_set[0]),
        seconds,
    )


def clinc_results(config, encoder) -> List[Result]:
    data = clinc()
    log(f"CLINC150: training on {len(data['train'][0])} in-scope examples ...")
    model, seconds = train(config, encoder, data["train"])

    def confidences(split: str) -> Tuple[np.ndarray, np.ndarray]:
        predictions = model.predict(data[split][0])
        right = np.array([p.intent == label for p, label in zip(predictions, data[split][1], strict=True)])
        return np.array([p.confidence for p in predictions]), right

    val_conf, val_right = confidences("val")
    oos_val_conf, _ = confidences("oos_val")
    threshold = choose_threshold(val_conf, val_right, oos_val_conf)
    test_conf, test_right = confidences("test")
    oos_test_conf, _ = confidences("oos_test")
    in_scope, oos_recall = in_scope_and_oos(test_conf, test_right, oos_test_conf, threshold)
    no_threshold = float(test_right.mean())
    log(f"CLINC150: threshold {threshold:.3f} (val); test in-scope {in_scope:.2%}, out-of-scope recall {oos_recall:.2%}")
    threshold_b = choose_threshold_within_a_point(val_conf, val_right)
    in_scope_b, oos_recall_b = in_scope_and_oos(test_conf, test_right, oos_test_conf, threshold_b)
    log(f"CLINC150: rule B threshold {threshold_b:.3f} (val); test in-scope {in_scope_b:.2%}, oos recall {oos_recall_b:.2%}")
    size = len(data["train"][0])
    rule_b = [
        Result(
            "CLINC150",
            f"rule B: in-scope accuracy, threshold {threshold_b:.3f} from val",
            f"{in_scope_b:.2%}",
            "BERT 96.2 (threshold)",
            ">= 96%",
            in_scope_b >= 0.96,
            size,
            seconds,
        ),
        Result(
            "CLINC150",
            f"rule B: out-of-scope recall, threshold {threshold_b:.3f} from val",
            f"{oos_recall_b:.2%}",
            "BERT 52.3 (threshold)",
            ">= 75%",
            oos_recall_b >= 0.75,
            size,
            seconds,
        ),
    ]
    return [
        Result("CLINC150", "in-scope accuracy, no threshold", f"{no_threshold:.2%}", "-", "-", None, size, seconds),
        Result(
            "CLINC150",
            f"in-scope accuracy, threshold {threshold:.3f} from val",
            f"{in_scope:.2%}",
            "BERT 96.2 (threshold); 96.9 (oos class)",
            ">= 96%",
            in_scope >= 0.96,
            size,
            seconds,
        ),
        Result(
            "CLINC150",
            f"out-of-scope recall, threshold {threshold:.3f} from val",
            f"{oos_recall:.2%}",
            "BERT 52.3 (threshold); 40.3 (oos class)",
            ">= 75%",
            oos_recall >= 0.75,
            size,
            seconds,
        ),
        *rule_b,
    ]


def run_benchmarks(config: PipelineConfig, encoder: Optional[CachingEncoder]) -> List[Result]:
    banking_train = read_csv(data.BENCHMARKS / "banking77" / "train.csv")
    banking_test = read_csv(data.BENCHMARKS / "banking77" / "test.csv")
    hwu = data.BENCHMARKS / "hwu64"
    hwu_test = read_csv(hwu / "dialoglue_test.csv")
    results = [
        accuracy_result(
            config,
            encoder,
            "BANKING77",
            "full training set",
            banking_train,
            banking_test,
            "BERT-large 93.66; USE+ConveRT 93.36",
            0.94,
        ),
        accuracy_result(
            config,
            encoder,
            "BANKING77",
            f"{SHOTS} per intent (seed {SHOT_SEED})",
            few_shot(banking_train),
            banking_test,
            "USE+ConveRT 85.19",
            0.86,
        ),
        accuracy_result(
            config, encoder, "HWU64", "full training set", read_csv(hwu / "dialoglue_train.csv"), hwu_test, "-", 0.92
        ),
        accuracy_result(
            config,
            encoder,
            "HWU64",
            "10 per intent (dialoglue_train_10)",
            read_csv(hwu / "dialoglue_train_10.csv"),
            hwu_test,
            "USE+ConveRT 85.83",
            None,
        ),
    ]
    return results + clinc_results(config, encoder)
