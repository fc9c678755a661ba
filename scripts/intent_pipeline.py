"""config.yml's intent classification, trained and run in-process through the pipeline's own classes.

`rasa test nlu --cross-validation` trains the whole bot pipeline per fold; the
threshold fitting (scripts/fit_threshold.py), the development test set
(scripts/evaluate/nlu.py) and the public benchmarks (scripts/nlu_bench/) need many
trainings and every prediction's ranking. This module builds the same
components Rasa builds from config.yml (SentenceEmbeddingFeaturizer, then
LinearIntentClassifier, with config.yml's settings over each class's defaults),
feeds them Rasa Messages, and reads the intent ranking they set, exactly as in
the served model. FallbackClassifier's rule is applied to the ranking here.

Embeddings depend on the text and the model files only, so ``CachingEncoder``
keeps them in memory (and, for the benchmarks, on disk, keyed by the model's
file hashes) to make repeated trainings on the same texts fast.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import yaml

from scripts.stack import ROOT

CONFIG = ROOT / "config.yml"
NLU_DATA_DIR = ROOT / "data" / "nlu"
FEATURIZER = "policies.sentence_embedding.SentenceEmbeddingFeaturizer"
CLASSIFIER = "policies.linear_intent.LinearIntentClassifier"
FALLBACK = "FallbackClassifier"
# FallbackClassifier's defaults (rasa/nlu/classifiers/fallback_classifier.py).
FALLBACK_DEFAULTS = {"threshold": 0.3, "ambiguity_threshold": 0.1}


@dataclass(frozen=True)
class PipelineConfig:
    """The parts of config.yml's pipeline that decide an intent, as Rasa would configure them."""

    featurizer: Optional[Dict[str, Any]]  # None: no SentenceEmbeddingFeaturizer in the pipeline
    classifier: Dict[str, Any]
    threshold: float
    ambiguity_threshold: float

    def with_classifier(self, **overrides: Any) -> PipelineConfig:
        return replace(self, classifier={**self.classifier, **overrides})

    def without_embeddings(self) -> PipelineConfig:
        return replace(self, featurizer=None, classifier={**self.classifier, "dense_scale": 0.0})


def pipeline_components(path: Path = CONFIG) -> Dict[str, Dict[str, Any]]:
    """config.yml's pipeline: each component's name and the settings written for it."""
    return {
        entry["name"]: {k: v for k, v in entry.items() if k != "name"} for entry in yaml.safe_load(path.read_text())["pipeline"]
    }


def read_config(path: Path = CONFIG) -> PipelineConfig:
    from policies.linear_intent import LinearIntentClassifier
    from policies.sentence_embedding import SentenceEmbeddingFeaturizer

    pipeline = pipeline_components(path)
    if CLASSIFIER not in pipeline:
        raise ValueError(f"{path} has no {CLASSIFIER} in its pipeline")
    fallback = {**FALLBACK_DEFAULTS, **pipeline.get(FALLBACK, {})}
    featurizer = None
    if FEATURIZER in pipeline:
        featurizer = {**SentenceEmbeddingFeaturizer.get_default_config(), **pipeline[FEATURIZER]}
    return PipelineConfig(
        featurizer=featurizer,
        classifier={**LinearIntentClassifier.get_default_config(), **pipeline[CLASSIFIER]},
        threshold=float(fallback["threshold"]),
        ambiguity_threshold=float(fallback["ambiguity_threshold"]),
    )


class CachingEncoder:
    """Wraps a SentenceEncoder: each distinct text is embedded once (per cache file, once ever)."""

    def __init__(self, encoder: Any, fingerprint: str, path: Optional[Path] = None) -> None:
        self.encoder, self.dimension, self.path = encoder, encoder.dimension, path
        self.fingerprint = fingerprint
        self._vectors: Dict[str, np.ndarray] = {}
        self.computed = 0  # texts embedded by the model (not found in the cache)
        self.seconds = 0.0  # time spent embedding them
        if path is not None and path.exists():
            try:
                with np.load(path, allow_pickle=False) as stored:
                    if str(stored["fingerprint"]) == fingerprint:
                        self._vectors = dict(zip((str(k) for k in stored["keys"]), stored["vectors"], strict=True))
            except (OSError, ValueError, KeyError) as error:  # a damaged cache is only a slower run
                print(f"intent_pipeline: ignoring the embedding cache {path}: {error}", file=sys.stderr)

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:24]

    def embed(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        import time

        keys = [self.key(text or "") for text in texts]
        missing = sorted({k: text or "" for k, text in zip(keys, texts, strict=True) if k not in self._vectors}.items())
        if missing:
            started = time.perf_counter()
            vectors = self.encoder.embed([text for _, text in missing], batch_size=batch_size)
            self.seconds += time.perf_counter() - started
            self.computed += len(missing)
            self._vectors.update({k: v for (k, _), v in zip(missing, vectors, strict=True)})
        return np.stack([self._vectors[k] for k in keys]) if keys else np.zeros((0, self.dimension), np.float32)

    def save(self) -> None:
        if self.path is None or not self._vectors:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = sorted(self._vectors)
        partial = self.path.with_suffix(f".partial-{os.getpid()}.npz")  # two runs at once never share one
        np.savez(partial, fingerprint=self.fingerprint, keys=np.array(keys), vectors=np.stack([self._vectors[k] for k in keys]))
        partial.rename(self.path)


def caching_encoder(config: PipelineConfig, path: Optional[Path] = None) -> CachingEncoder:
    from policies.embedding_model import ModelSpec, load_encoder

    max_tokens = (config.featurizer or {}).get("max_tokens", 128)
    fingerprint = f"{ModelSpec.load().fingerprint}-{max_tokens}"
    return CachingEncoder(load_encoder(max_tokens=max_tokens), fingerprint, path)


@dataclass
class Prediction:
    ranking: List[Tuple[str, float]]  # (intent, confidence), most confident first

    @property
    def intent(self) -> str:
        return self.ranking[0][0]

    @property
    def confidence(self) -> float:
        return self.ranking[0][1]

    @property
    def margin(self) -> float:
        """Top confidence minus the second's (FallbackClassifier's ambiguity)."""
        return self.ranking[0][1] - (self.ranking[1][1] if len(self.ranking) > 1 else 0.0)

    def falls_back(self, threshold: float, ambiguity_threshold: float) -> bool:
        """FallbackClassifier's rule: the bot asks to clarify instead of acting on this intent."""
        return self.confidence < threshold or self.margin < ambiguity_threshold


@dataclass
class IntentModel:
    """One training of the pipeline's featurizer and classifier; ``predict`` gives Rasa's rankings."""

    config: PipelineConfig
    encoder: Optional[CachingEncoder] = None
    _classifier: Any = field(default=None, init=False)
    _featurizer: Any = field(default=None, init=False)
    _storage_dir: Any = field(default=None, init=False)

    def __post_init__(self) -> None:
        from policies.sentence_embedding import SentenceEmbeddingFeaturizer

        if self.config.featurizer is not None:
            if self.encoder is None:
                self.encoder = caching_encoder(self.config)
            self._featurizer = SentenceEmbeddingFeaturizer("sentence_embedding", dict(self.config.featurizer), self.encoder)

    def train(self, texts: Sequence[str], labels: Sequence[str]) -> IntentModel:
        from rasa.engine.graph import ExecutionContext, GraphSchema
        from rasa.engine.storage.local_model_storage import LocalModelStorage
        from rasa.engine.storage.resource import Resource
        from rasa.shared.nlu.training_data.message import Message
        from rasa.shared.nlu.training_data.training_data import TrainingData

        from policies.linear_intent import LinearIntentClassifier

        data = TrainingData([Message.build(text=text, intent=label) for text, label in zip(texts, labels, strict=True)])
        if self._featurizer is not None:
            data = self._featurizer.process_training_data(data)
        self._storage_dir = tempfile.TemporaryDirectory(prefix="tandem-intent-")
        self._classifier = LinearIntentClassifier.create(
            dict(self.config.classifier),
            LocalModelStorage(Path(self._storage_dir.name)),
            Resource("linear_intent"),
            ExecutionContext(GraphSchema({}), "intent_pipeline"),
        )
        self._classifier.train(data)
        return self

    def predict(self, texts: Sequence[str]) -> List[Prediction]:
        from rasa.shared.nlu.training_data.message import Message

        if self._classifier is None:
            raise RuntimeError("train the model first")
        messages = [Message.build(text=text) for text in texts]
        if self._featurizer is not None:
            messages = self._featurizer.process(messages)
        messages = self._classifier.process(messages)
        return [Prediction([(r["name"], float(r["confidence"])) for r in m.get("intent_ranking")]) for m in messages]


def load_nlu(path: Path) -> Tuple[List[str], List[str]]:
    """(texts, intents) of the intent examples in a Rasa NLU YAML file or directory of them."""
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    examples = [m for m in data.intent_examples if m.get("text") and m.get("intent")]
    return [m.get("text") for m in examples], [m.get("intent") for m in examples]


def cross_validated_predictions(
    config: PipelineConfig,
    texts: Sequence[str],
    labels: Sequence[str],
    folds: int = 5,
    seed: int = 7,
    encoder: Optional[CachingEncoder] = None,
) -> List[Prediction]:
    """Each example predicted by a model trained on the other folds (stratified, fixed seed)."""
    from sklearn.model_selection import StratifiedKFold

    if encoder is None and config.featurizer is not None:
        encoder = caching_encoder(config)  # one cache for all folds
    predictions: List[Optional[Prediction]] = [None] * len(texts)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_index, test_index in splitter.split(np.zeros(len(labels)), labels):
        model = IntentModel(config, encoder).train([texts[i] for i in train_index], [labels[i] for i in train_index])
        for i, prediction in zip(test_index, model.predict([texts[i] for i in test_index]), strict=True):
            predictions[i] = prediction
    return [p for p in predictions if p is not None]


def macro_f1(labels: Sequence[str], predicted: Sequence[str]) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(labels, predicted, average="macro", labels=sorted(set(labels)), zero_division=0))
