"""An intent classifier for short support messages: TF-IDF n-grams, sentiment, a sentence embedding, logistic regression.

Customers write one or two sentences, with typos and no punctuation. On this
project's data a linear model over word uni/bigrams and character n-grams
classifies them better than DIET without a transformer (5-fold cross-validated
macro-F1 0.90 against 0.855, `make eval`), trains in seconds instead of minutes
and predicts in well under a millisecond. Four VADER sentiment features tell
praise from a grievance about the same thing ("your courier was great" is
feedback, "your courier was rude" a complaint), which the words alone often
cannot.

TF-IDF learns this project's phrasings, and a customer who says the same thing
in other words shares few n-grams with them. With ``dense_scale`` above 0 the
classifier also reads the dense sentence feature a featurizer put on the
message (policies/sentence_embedding.py: all-MiniLM-L6-v2, unit length),
multiplied by ``dense_scale``, beside the TF-IDF rows (each of unit length).
Both together beat either alone, on data/nlu and on public benchmarks
(config.yml, `make nlu-bench`). ``dense_scale`` 0 (the default) uses the text
alone and needs no featurizer.

It computes its TF-IDF from the message text itself; entities still come from
the RegexEntityExtractor. Confidences are the model's class probabilities, so
FallbackClassifier's thresholds apply as usual.

Configuration (config.yml), with defaults::

    - name: policies.linear_intent.LinearIntentClassifier
      word_ngram_range: [1, 2]
      char_ngram_range: [1, 4]
      sentiment_features: true
      dense_scale: 0    # weight of the featurizers' dense sentence features; 0: not used
      C: 100            # inverse regularisation strength of the logistic regression
      max_iter: 3000
      ranking_length: 10
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Text, Tuple

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import csr_matrix, hstack

from core.sentiment import polarity
from core.tfidf import SingleTextTfidf

logger = logging.getLogger(__name__)

MODEL_FILE = "linear_intent.skops"
# Types skops may load from our own model file besides the ones it trusts by default:
# TfidfVectorizer keeps its idf weights as a sparse diagonal matrix.
EXTRA_TRUSTED_TYPES = {"scipy.sparse._csr.csr_matrix"}


class LinearIntentClassifierError(InvalidConfigException):
    """The classifier's configuration or training data cannot produce a usable model."""


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentClassifier(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "word_ngram_range": [1, 2],
            "char_ngram_range": [1, 4],
            "sentiment_features": True,
            # Multiplies the dense sentence features (unit length) the featurizers before this
            # classifier put on each message; 0 leaves them out. Above 0 they must be there.
            "dense_scale": 0.0,
            "C": 100.0,
            "max_iter": 3000,
            "ranking_length": 10,
            "random_state": 7,
        }

    @staticmethod
    def required_packages() -> List[Text]:
        return ["sklearn", "skops", "vaderSentiment"]

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: Optional[Dict[str, Any]] = None,
    ) -> None:
        self.config = validate_config({**self.get_default_config(), **config})
        self._model_storage = model_storage
        self._resource = resource
        # {"words": TfidfVectorizer, "chars": TfidfVectorizer, "classifier": LogisticRegression,
        #  "dense_scale": float, "dense_dimension": int}; the dense keys are absent from models
        # trained before dense features existed, which used none.
        self._model = model
        self._sentiment = self.config["sentiment_features"]
        self._scorer = Scorer(model, self._sentiment) if model is not None else None

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LinearIntentClassifier:
        return cls(config, model_storage, resource)

    # -- training ---------------------------------------------------------------------------

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(TEXT) and m.get(INTENT)]
        labels = [m.get(INTENT) for m in examples]
        if len(set(labels)) < 2:
            raise LinearIntentClassifierError(
                f"LinearIntentClassifier needs examples of at least two intents to learn from; "
                f"the training data has {len(set(labels))}."
            )
        dense = self._training_dense_features(examples)
        model = fit_model([m.get(TEXT) for m in examples], labels, dense, self.config)
        self._model = model
        self._scorer = Scorer(model, self._sentiment)
        self._persist()
        return self._resource

    def _training_dense_features(self, examples: List[Message]) -> Optional[np.ndarray]:
        """The examples' dense sentence features stacked, or None when dense_scale is 0."""
        if not self.config["dense_scale"]:
            return None
        rows = [dense_sentence_features(m) for m in examples]
        missing = sum(row is None for row in rows)
        if missing:
            raise LinearIntentClassifierError(
                f"LinearIntentClassifier: dense_scale is {self.config['dense_scale']} but {missing} of "
                f"{len(rows)} training examples carry no dense sentence features: put a dense featurizer "
                f"(policies.sentence_embedding.SentenceEmbeddingFeaturizer) before it in the pipeline, "
                f"or set dense_scale to 0."
            )
        if len({row.shape[0] for row in rows}) > 1:
            raise LinearIntentClassifierError("LinearIntentClassifier: the dense sentence features differ in size")
        return np.vstack(rows)

    def _persist(self) -> None:
        import skops.io as sio

        with self._model_storage.write_to(self._resource) as directory:
            sio.dump(self._model, directory / MODEL_FILE)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LinearIntentClassifier:
        try:
            with model_storage.read_from(resource) as directory:
                path = directory / MODEL_FILE
                model, foreign = load_trusted_model(path)
        except ValueError:
            # Nothing was trained (Rasa skips training a component whose inputs are empty).
            logger.debug("LinearIntentClassifier: no trained model in %s; it will predict nothing", resource.name)
            return cls(config, model_storage, resource)
        if foreign:
            raise LinearIntentClassifierError(f"{path} holds types this classifier never writes: {foreign}")
        return cls(config, model_storage, resource, model)

    # -- prediction -------------------------------------------------------------------------

    def process(self, messages: List[Message]) -> List[Message]:
        if self._scorer is None:
            return messages
        for message in messages:
            dense = None
            if self._scorer.dense_weights is not None:
                dense = dense_sentence_features(message)
                if dense is None or dense.shape[0] != self._scorer.dense_weights.shape[0]:
                    raise LinearIntentClassifierError(
                        f"LinearIntentClassifier: the model was trained with dense sentence features of size "
                        f"{self._scorer.dense_weights.shape[0]}, the message has "
                        f"{'none' if dense is None else dense.shape[0]}: the pipeline before it changed; retrain"
                    )
            probabilities = self._scorer.probabilities(message.get(TEXT) or "", dense)
            order = np.argsort(-probabilities)
            ranking = [{"name": self._scorer.classes[i], "confidence": float(probabilities[i])} for i in order]
            message.set(INTENT, ranking[0], add_to_output=True)
            if self.config["ranking_length"] > 0:
                ranking = ranking[: self.config["ranking_length"]]
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages


def load_trusted_model(path: Path) -> Tuple[Optional[Dict[str, Any]], List[str]]:
    """The model skops saved at ``path`` (with ``fit_model``), or None and the types in the file that such a
    model never holds: a file that would make skops build anything else is refused, not loaded."""
    import skops.io as sio

    untrusted = set(sio.get_untrusted_types(file=path))
    foreign = sorted(untrusted - EXTRA_TRUSTED_TYPES)
    return (None, foreign) if foreign else (sio.load(path, trusted=sorted(untrusted)), [])


def fit_model(
    texts: Sequence[str], labels: Sequence[str], dense: Optional[np.ndarray], config: Dict[str, Any], class_weight: Any = None
) -> Dict[str, Any]:
    """TF-IDF vectorizers and the logistic regression over [words | chars | sentiment | dense_scale x dense].

    ``config`` holds the classifier's keys (validate_config); ``dense`` is None
    or one row per text. Also used by policies/risk_detector.py (with
    ``class_weight="balanced"``: a few examples per risk against thousands of
    ordinary messages).
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    words = TfidfVectorizer(ngram_range=tuple(config["word_ngram_range"]), sublinear_tf=True)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(config["char_ngram_range"]), sublinear_tf=True)
    words.fit(texts)
    chars.fit(texts)
    model: Dict[str, Any] = {"words": words, "chars": chars}
    if dense is not None:
        model["dense_scale"] = float(config["dense_scale"])
        model["dense_dimension"] = int(dense.shape[1])
    classifier = LogisticRegression(
        C=config["C"], max_iter=config["max_iter"], random_state=config["random_state"], class_weight=class_weight
    )
    classifier.fit(feature_rows(texts, model, config["sentiment_features"], dense), labels)
    model["classifier"] = classifier
    return model


def feature_rows(texts: Sequence[str], model: Dict[str, Any], sentiment: bool, dense: Optional[np.ndarray] = None) -> csr_matrix:
    """Rows of [word TF-IDF | char TF-IDF | sentiment | dense_scale x dense], as the model is trained."""
    blocks = [model["words"].transform(texts), model["chars"].transform(texts)]
    if sentiment:
        blocks.append(csr_matrix(np.array([sentiment_row(text) for text in texts])))
    if model.get("dense_dimension"):
        if dense is None or dense.shape != (len(texts), model["dense_dimension"]):
            raise LinearIntentClassifierError("LinearIntentClassifier: this model needs the texts' dense features")
        blocks.append(csr_matrix(model["dense_scale"] * np.asarray(dense, dtype=np.float64)))
    return hstack(blocks, format="csr")


class Scorer:
    """The trained model's class probabilities for one text, without scikit-learn's per-call overhead.

    ``predict_proba`` on a freshly transformed sparse row spends most of its time
    validating inputs and building matrices (about 1 ms a message here). This
    computes the same numbers directly: each vectorizer's TF-IDF row
    (core/tfidf.py) dotted with the matching rows of the coefficients, plus the
    sentiment features and the intercepts, then a softmax (multinomial logistic
    regression). With dense features, their block is a plain dot product. tests/policies/
    test_linear_intent.py checks it against scikit-learn.
    """

    def __init__(self, model: Dict[str, Any], sentiment: bool) -> None:
        classifier = model["classifier"]
        self.classes = [str(name) for name in classifier.classes_]
        weights = np.asarray(classifier.coef_, dtype=np.float64).T  # features x classes
        if weights.shape[1] == 1:  # two classes: scikit-learn keeps one column for the second
            weights = np.hstack([-weights / 2, weights / 2])
            self.intercept = np.array([-classifier.intercept_[0] / 2, classifier.intercept_[0] / 2])
        else:
            self.intercept = np.asarray(classifier.intercept_, dtype=np.float64)
        self.blocks = []
        start = 0
        for key in ("words", "chars"):
            vectorizer = model[key]
            size = len(vectorizer.vocabulary_)
            self.blocks.append((SingleTextTfidf(vectorizer), weights[start : start + size]))
            start += size
        self.sentiment_weights = None
        if sentiment:
            self.sentiment_weights = weights[start : start + SENTIMENT_SIZE]
            start += SENTIMENT_SIZE
        self.dense_weights = None
        if model.get("dense_dimension"):
            # Scaled once here rather than scaling every message's vector.
            self.dense_weights = model["dense_scale"] * weights[start : start + model["dense_dimension"]]
            start += model["dense_dimension"]
        if start != weights.shape[0]:
            raise LinearIntentClassifierError(
                f"LinearIntentClassifier: the model has {weights.shape[0]} features, its parts add up to {start}: "
                f"sentiment_features differs from training; retrain"
            )

    def probabilities(self, text: str, dense: Optional[np.ndarray] = None) -> np.ndarray:
        scores = self.intercept.copy()
        for tfidf, weights in self.blocks:
            columns, values = tfidf.transform(text)
            if len(columns):
                scores += values @ weights[columns]
        if self.sentiment_weights is not None:
            scores += np.asarray(sentiment_row(text)) @ self.sentiment_weights
        if self.dense_weights is not None:
            scores += np.asarray(dense, dtype=np.float64) @ self.dense_weights
        scores -= scores.max()
        exp = np.exp(scores)
        return exp / exp.sum()


def validate_config(config: Dict[str, Any]) -> Dict[str, Any]:
    """The config, or a LinearIntentClassifierError naming the key that is wrong (raised at train and load time)."""
    for key in ("word_ngram_range", "char_ngram_range"):
        value = config[key]
        if (
            not isinstance(value, (list, tuple))
            or len(value) != 2
            or not all(isinstance(n, int) and n >= 1 for n in value)
            or value[0] > value[1]
        ):
            raise LinearIntentClassifierError(
                f"LinearIntentClassifier: {key} must be [min, max] with 1 <= min <= max, not {value!r}"
            )
    if not isinstance(config["C"], (int, float)) or config["C"] <= 0:
        raise LinearIntentClassifierError(f"LinearIntentClassifier: C must be a positive number, not {config['C']!r}")
    for key in ("max_iter", "ranking_length"):
        if not isinstance(config[key], int) or config[key] < (1 if key == "max_iter" else 0):
            raise LinearIntentClassifierError(
                f"LinearIntentClassifier: {key} must be a whole number (max_iter at least 1), not {config[key]!r}"
            )
    scale = config["dense_scale"]
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not 0 <= scale < float("inf"):
        raise LinearIntentClassifierError(
            f"LinearIntentClassifier: dense_scale must be a number of 0 or more (0: no dense features), not {scale!r}"
        )
    if not isinstance(config["sentiment_features"], bool):
        raise LinearIntentClassifierError(
            f"LinearIntentClassifier: sentiment_features must be true or false, not {config['sentiment_features']!r}"
        )
    return config


def dense_sentence_features(message: Message) -> Optional[np.ndarray]:
    """The message's dense sentence features for TEXT (all dense featurizers' concatenated), as a vector."""
    _, sentence = message.get_dense_features(TEXT)
    if sentence is None:
        return None
    return np.asarray(sentence.features, dtype=np.float64).reshape(-1)


SENTIMENT_SIZE = 4


def sentiment_row(text: str) -> List[float]:
    """Positive and negative share of the words, and the compound score split by sign."""
    scores = polarity(text)
    compound = scores["compound"]
    return [scores["pos"], scores["neg"], max(compound, 0.0), max(-compound, 0.0)]
