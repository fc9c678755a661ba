"""What the escalation adds per message: the risk detector's matching and the escalation policy's prediction."""

from __future__ import annotations

import time
from pathlib import Path

from scripts.bench.common import Results, percentile
from scripts.stack import ROOT

TARGET_ESCALATION_MS = 2.0


def escalation_cost() -> Results:
    """Time the escalation adds per message: the risk detector's matching and the policy's whole prediction.

    The detector runs on messages the featurizer already embedded, as in the pipeline; a message of
    several sentences costs it one more embedding call, timed apart ("extra embedding").
    The policy predicts on 60-turn trackers.
    """
    import tempfile as tmp

    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.shared.nlu.training_data.message import Message

    from core.escalation.risk_catalogue import sentences_of
    from policies.embedding_model import load_encoder
    from policies.escalation import EscalationPolicy
    from policies.risk_detector import RiskDetector
    from policies.sentence_embedding import SentenceEmbeddingFeaturizer
    from scripts.gold import load_gold
    from scripts.intent_pipeline import pipeline_components

    domain = Domain.load(str(ROOT / "domain.yml"))
    context = ExecutionContext(GraphSchema({}), "b")
    texts = [turn for case in load_gold() for turn in case["turns"] if not turn.startswith("/")]
    with tmp.TemporaryDirectory() as directory:
        storage = LocalModelStorage(Path(directory))
        featurizer = SentenceEmbeddingFeaturizer.create(
            SentenceEmbeddingFeaturizer.get_default_config(), storage, Resource("f"), context
        )
        settings = pipeline_components().get("policies.risk_detector.RiskDetector", {})  # as config.yml sets it
        detector = RiskDetector.create({**RiskDetector.get_default_config(), **settings}, storage, Resource("d"), context)
        detector.train(featurizer.process_training_data(load_data(str(ROOT / "data" / "nlu"))))
        single, several, embedding = [], [], []
        for text in texts * 3:
            message = featurizer.process([Message.build(text=text)])[0]
            started = time.perf_counter()
            detector.process([message])
            elapsed = (time.perf_counter() - started) * 1000
            if len(sentences_of(text)) == 1:
                single.append(elapsed)
            else:
                several.append(elapsed)
                started = time.perf_counter()
                load_encoder().embed(list(sentences_of(text)))  # the process's one encoder, as the detector's
                embedding.append((time.perf_counter() - started) * 1000)

        config = EscalationPolicy.get_default_config()
        policy = EscalationPolicy.create(config, storage, Resource("e"), context)
        policy.train([], domain)
        history = [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]
        for n in range(59):
            history += [
                UserUttered(texts[n % len(texts)], {"name": "order_status", "confidence": 0.9}),
                ActionExecuted("action_listen"),
            ]
        timings = []
        for text in texts * 3:
            tracker = DialogueStateTracker.from_events(
                "b", history + [UserUttered(text, {"name": "order_status", "confidence": 0.9})], domain.slots
            )
            started = time.perf_counter()
            policy.predict_action_probabilities(tracker, domain)
            timings.append((time.perf_counter() - started) * 1000)
    matching = single + [total - extra for total, extra in zip(several, embedding, strict=True)]
    return {
        "p50_ms": percentile(timings, 50),
        "p95_ms": percentile(timings, 95),
        "messages": len(timings),
        "match_p50_ms": percentile(matching, 50),
        "match_p95_ms": percentile(matching, 95),
        "several_share": len(several) / max(1, len(single) + len(several)),
        "embedding_p50_ms": percentile(embedding, 50) if embedding else 0.0,
    }


def render_escalation(r: Results) -> str:
    decision_p95 = r["p95_ms"] + r["match_p95_ms"]
    verdict = "PASS" if decision_p95 <= TARGET_ESCALATION_MS else "FAIL"
    return "\n".join(
        [
            "| part | p50 per message (ms) | p95 per message (ms) |",
            "|---|---:|---:|",
            f"| risk detector: keywords and classifier, every sentence ({r['messages']:.0f} messages) |"
            f" {r['match_p50_ms']:.2f} | {r['match_p95_ms']:.2f} |",
            f"| escalation policy on 60-turn trackers | {r['p50_ms']:.2f} | {r['p95_ms']:.2f} |",
            f"| extra embedding call, messages of several sentences ({r['several_share']:.0%} of them) |"
            f" {r['embedding_p50_ms']:.2f} | |",
            "",
            f"- {verdict}: escalation decision (detector matching + policy) p95 {decision_p95:.2f} <= {TARGET_ESCALATION_MS} ms"
            " per message",
        ]
    )
