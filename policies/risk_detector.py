"""RiskDetector: which risks of the catalogue (data/risks.yml) a customer message shows, and in which sentence.

Keyword lists know the words their authors thought of; customers describe a
burn, a data request or a stolen gift card in their own. So besides each risk's
must-never-miss ``keywords``, every sentence of the message goes through a
classifier learnt from the risks' ``examples`` against the ordinary training
messages (data/nlu), with the intent classifier's features (word and character
n-grams and the all-MiniLM-L6-v2 sentence embedding; policies/linear_intent.py)
and balanced class weights, since each risk has a few dozen examples against
thousands of ordinary messages. A sentence means a risk when the classifier
gives it at least the catalogue's ``min_confidence``: "my parcel is late
again" resembles an urgent bulk order stuck before an event, but the ordinary
messages it was learnt against say "where is my parcel" too.

The detector also marks a message ``unintelligible`` when too few of its words
are words at all (keyboard mashing, a stray paste): fewer than ``min_known_words``
of them appear in the training data or in the embedding model's English
vocabulary. NLU's guess for such a message means nothing, so the detector makes
it ``nlu_fallback``; the escalation policy counts it as a failed attempt. Typos
pass ("wheres my pakage": two words of three are known).

Output on each message (``parse_data``; the escalation policy and the handoff
packet read it):

    "risks": [{"risk": "product_safety", "evidence": "it caught fire on the counter",
               "matched_by": "keyword" | "meaning", "confidence": 0.93, "keyword": "caught fire"}],
    "unintelligible": false

Training embeds the catalogue's examples once and fits the classifier; the model
keeps it and the training vocabulary. Prediction is a sparse dot product per
sentence (and one embedding call for messages of more than one sentence).

Configuration (config.yml), after the FallbackClassifier::

    - name: policies.risk_detector.RiskDetector
      catalogue: data/risks.yml
      min_known_words: 0.25        # a smaller share of known words: unintelligible
      max_tokens: 128               # as the featurizer's
      C: 30                         # the classifier's inverse regularisation
      dense_scale: 1.0              # weight of the sentence embedding beside the n-grams
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Text, Tuple

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from core.escalation.risk_catalogue import RISKS_KEY, UNINTELLIGIBLE_KEY, Catalogue, parse_catalogue, sentences_of
from core.escalation.rules import FALLBACK_INTENT
from core.yaml_schema import RulesFileError, read_yaml
from policies.embedding_model import EmbeddingModelError, SentenceEncoder, load_encoder
from policies.linear_intent import Scorer, dense_sentence_features, fit_model, load_trusted_model

logger = logging.getLogger(__name__)

CATALOGUE_FILE = "catalogue.json"
VOCABULARY_FILE = "vocabulary.json"
MODEL_FILE = "risks.skops"
ORDINARY = "ordinary"
# A sentence needs this many different words before its meaning can show a risk.
MIN_DISTINCT_WORDS = 3
WORD = re.compile(r"[^\W\d_]{2,}")
# The classifier's features as the intent classifier's (policies/linear_intent.py), without sentiment:
# anger is frustration's business, not a risk's.
FEATURES = {
    "word_ngram_range": [1, 1],
    "char_ngram_range": [1, 4],
    "sentiment_features": False,
    "max_iter": 3000,
    "random_state": 7,
}


class RiskDetectorError(InvalidConfigException):
    """The detector's configuration, catalogue or pipeline cannot work; the message says which."""


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class RiskDetector(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"catalogue": "data/risks.yml", "min_known_words": 0.25, "max_tokens": 128, "C": 30.0, "dense_scale": 1.0}

    @staticmethod
    def required_packages() -> List[Text]:
        return ["onnxruntime", "tokenizers", "sklearn", "skops"]

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        catalogue: Optional[Catalogue] = None,
        model: Optional[Dict[str, Any]] = None,
        vocabulary: Optional[Sequence[str]] = None,
        encoder: Optional[SentenceEncoder] = None,
    ) -> None:
        self.config = validate_config({**self.get_default_config(), **config})
        self._model_storage = model_storage
        self._resource = resource
        self._encoder = encoder
        self._match = None
        if catalogue is not None and vocabulary is not None:
            self._match = self._matcher(catalogue, model, vocabulary)

    @classmethod
    def create(
        cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource, execution_context: ExecutionContext
    ) -> RiskDetector:
        return cls(config, model_storage, resource)

    def _encoder_or_fail(self) -> SentenceEncoder:
        if self._encoder is None:
            try:
                self._encoder = load_encoder(max_tokens=self.config["max_tokens"])
            except EmbeddingModelError as error:
                raise RiskDetectorError(f"RiskDetector: {error}") from error
        return self._encoder

    # -- training ---------------------------------------------------------------------------

    def train(self, training_data: TrainingData) -> Resource:
        path = Path(self.config["catalogue"])
        try:
            catalogue = parse_catalogue(read_yaml(path), set(training_data.intents), str(path))
        except RulesFileError as error:
            raise RiskDetectorError(f"RiskDetector: {error}") from error
        encoder = self._encoder_or_fail()
        ordinary = [m for m in training_data.intent_examples if m.get(TEXT) and m.get(INTENT) not in catalogue.risk_intents]
        rows = [dense_sentence_features(m) for m in ordinary]
        if any(row is None for row in rows):
            raise RiskDetectorError(
                "RiskDetector: the training examples carry no sentence embedding: put "
                "policies.sentence_embedding.SentenceEmbeddingFeaturizer before it in the pipeline"
            )
        ordinary_vectors = np.vstack(rows).astype(np.float32) if rows else np.zeros((0, encoder.dimension), np.float32)
        texts = [m.get(TEXT) for m in ordinary]
        model = fit_risk_model(catalogue, texts, ordinary_vectors, encoder, self.config["C"], self.config["dense_scale"])
        written = [e for risk in catalogue.risks for e in (*risk.examples, *risk.not_examples)]
        every_text = [m.get(TEXT) for m in training_data.intent_examples if m.get(TEXT)] + written
        vocabulary = sorted({w for text in every_text for w in WORD.findall(text.lower())})
        self._persist(catalogue, model, vocabulary)
        self._match = self._matcher(catalogue, model, vocabulary)
        return self._resource

    def _matcher(self, catalogue: Catalogue, model: Optional[Dict[str, Any]], vocabulary: Sequence[str]) -> Matcher:
        known = set(vocabulary) | model_vocabulary(self._encoder_or_fail())
        return Matcher(catalogue, model, known, self.config["min_known_words"])

    def _persist(self, catalogue: Catalogue, model: Optional[Dict[str, Any]], vocabulary: List[str]) -> None:
        import skops.io as sio

        with self._model_storage.write_to(self._resource) as directory:
            (Path(directory) / CATALOGUE_FILE).write_text(json.dumps(catalogue.source))
            (Path(directory) / VOCABULARY_FILE).write_text(json.dumps(vocabulary))
            if model is not None:
                sio.dump(model, Path(directory) / MODEL_FILE)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> RiskDetector:
        try:
            with model_storage.read_from(resource) as directory:
                raw = json.loads((Path(directory) / CATALOGUE_FILE).read_text())
                vocabulary = json.loads((Path(directory) / VOCABULARY_FILE).read_text())
                path = Path(directory) / MODEL_FILE
                model, foreign = load_trusted_model(path) if path.exists() else (None, [])
        except (ValueError, FileNotFoundError):
            logger.debug("RiskDetector: nothing trained in %s; it will detect nothing", resource.name)
            return cls(config, model_storage, resource)
        # Raised outside the try: a refused file must fail the load, not pass as "nothing trained".
        if foreign:
            raise RiskDetectorError(f"{path} holds types this detector never writes: {foreign}")
        # Intents were checked at training time against the data this model was trained on.
        catalogue = parse_catalogue(raw, None, config.get("catalogue", "data/risks.yml"))
        return cls(config, model_storage, resource, catalogue, model, vocabulary)

    # -- prediction -------------------------------------------------------------------------

    def process(self, messages: List[Message]) -> List[Message]:
        if self._match is None:
            return messages
        for message in messages:
            text = message.get(TEXT) or ""
            whole = dense_sentence_features(message)
            sentences = sentences_of(text)
            if whole is not None and len(sentences) == 1:
                vectors = whole[np.newaxis, :].astype(np.float32)
            else:
                vectors = self._encoder_or_fail().embed(list(sentences))
            found, unintelligible = self._match.detect(text, sentences, vectors)
            message.set(RISKS_KEY, found, add_to_output=True)
            message.set(UNINTELLIGIBLE_KEY, unintelligible, add_to_output=True)
            if unintelligible:
                mark_unsure(message)
        return messages


def fit_risk_model(
    catalogue: Catalogue,
    ordinary: Sequence[str],
    ordinary_vectors: np.ndarray,
    encoder: SentenceEncoder,
    C: float,
    dense_scale: float,
) -> Optional[Dict[str, Any]]:
    """The classifier of every risk's examples against the ordinary messages, or None without examples."""
    examples = [(risk.name, example) for risk in catalogue.risks for example in risk.examples]
    if not examples or not len(ordinary):
        return None
    # The risks' near-misses are ordinary messages too, written where the risk's topic is.
    near_misses = [example for risk in catalogue.risks for example in risk.not_examples]
    written = [*near_misses, *(example for _, example in examples)]
    texts = [*ordinary, *written]
    labels = [ORDINARY] * (len(ordinary) + len(near_misses)) + [name for name, _ in examples]
    dense = np.vstack([ordinary_vectors, encoder.embed(written)])
    return fit_model(texts, labels, dense, {**FEATURES, "C": C, "dense_scale": dense_scale}, class_weight="balanced")


def model_vocabulary(encoder: SentenceEncoder) -> set:
    """The embedding model's whole English words (its WordPiece vocabulary without word pieces)."""
    return {token for token in encoder.tokenizer.get_vocab() if WORD.fullmatch(token)}


class Matcher:
    """The trained catalogue's keywords and classifier, and the known words, applied to one message."""

    def __init__(self, catalogue: Catalogue, model: Optional[Dict[str, Any]], known_words: set, min_known_words: float) -> None:
        self.catalogue = catalogue
        self.scorer = Scorer(model, sentiment=False) if model is not None else None
        self.known_words = known_words
        self.min_known_words = min_known_words

    def detect(self, text: str, sentences: Sequence[str], vectors: np.ndarray) -> Tuple[List[Dict[str, Any]], bool]:
        """The risks the message shows (keyword matches, then meaning, each in catalogue order), and whether
        it is unintelligible."""
        meaning = self._by_meaning(sentences, vectors)
        # Keywords first: a must-never-miss phrase is surer than any reading of meaning.
        found = self.catalogue.keyword_matches(text, sentences)
        keyworded = {m["risk"] for m in found}
        for risk in self.catalogue.risks:
            if risk.name in meaning and risk.name not in keyworded:
                confidence, sentence = meaning[risk.name]
                found.append({"risk": risk.name, "evidence": sentence, "matched_by": "meaning", "confidence": confidence})
        return found, not found and self.unintelligible(text)

    def unintelligible(self, text: str) -> bool:
        """Too few of the message's words are words (no words at all, an emoji or an order number, is not)."""
        words = WORD.findall(text.lower())
        return bool(words) and sum(w in self.known_words for w in words) < self.min_known_words * len(words)

    def _by_meaning(self, sentences: Sequence[str], vectors: np.ndarray) -> Dict[str, Tuple[float, str]]:
        """Each risk some sentence means, with the best sentence's probability."""
        best: Dict[str, Tuple[float, str]] = {}
        if self.scorer is None:
            return best
        threshold = self.catalogue.matching.min_confidence
        for sentence, vector in zip(sentences, vectors, strict=True):
            if len(set(WORD.findall(sentence.lower()))) < MIN_DISTINCT_WORDS:
                continue  # too little said to mean anything ("the the the", "ok"); keywords still apply
            probabilities = self.scorer.probabilities(sentence, vector)
            for index in np.nonzero(probabilities >= threshold)[0]:
                name = self.scorer.classes[index]
                confidence = round(float(probabilities[index]), 3)
                if name != ORDINARY and confidence > best.get(name, (-1.0, ""))[0]:
                    best[name] = (confidence, sentence)
        return best


def mark_unsure(message: Message) -> None:
    """Make the message nlu_fallback, as FallbackClassifier would, keeping NLU's ranking."""
    intent = message.get(INTENT) or {}
    if intent.get("name") == FALLBACK_INTENT:
        return
    ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != FALLBACK_INTENT]
    fallback = {"name": FALLBACK_INTENT, "confidence": 1.0}
    message.set(INTENT, fallback, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [fallback, *ranking], add_to_output=True)


def validate_config(config: Dict[str, Any]) -> Dict[str, Any]:
    unknown = set(config) - set(RiskDetector.get_default_config())
    if unknown:
        raise RiskDetectorError(f"RiskDetector: unknown key(s) {sorted(unknown)}")
    for key in ("C", "dense_scale"):
        value = config[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < float("inf"):
            raise RiskDetectorError(f"RiskDetector: {key} must be a positive number, not {value!r}")
    share = config["min_known_words"]
    if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0.0 <= share <= 1.0:
        raise RiskDetectorError(f"RiskDetector: min_known_words must be a share from 0 to 1, not {share!r}")
    if not isinstance(config["catalogue"], str) or not config["catalogue"]:
        raise RiskDetectorError(f"RiskDetector: catalogue must be the path of the risk catalogue, not {config['catalogue']!r}")
    return config
