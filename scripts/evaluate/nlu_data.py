"""data/nlu itself: examples per intent, near-duplicates, what cross-validation confuses, the fallback thresholds."""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

from scripts.evaluate.common import Section, log
from scripts.evaluate.nlu import FOLDS, NLU_DATA

NEAR_DUPLICATE_COSINE = 0.95


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
