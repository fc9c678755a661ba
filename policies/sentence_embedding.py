"""A dense featurizer: one all-MiniLM-L6-v2 sentence embedding per message text.

The intent classifier's TF-IDF n-grams learn this project's phrasings, so a
customer who says the same thing in other words shares few n-grams with the
training data. A sentence encoder trained on paraphrase pairs places both close
together; LinearIntentClassifier (``dense_scale``) puts this vector beside its
TF-IDF rows. On public intent benchmarks and on data/nlu the combination beats
either alone (`make nlu-bench`, `make eval`).

The model runs on onnxruntime (policies/embedding_model.py), from files pinned
by sha256 in policies/embedding_model.yml and installed by scripts/setup.sh; it
is loaded and verified once per process, when Rasa builds this component (at
training and at model load), never per message and never at import. A
message's vector depends on its text alone, so prediction is pure. About 5 ms
a message on one core; training data is embedded in batches.

Configuration (config.yml), with defaults::

    - name: policies.sentence_embedding.SentenceEmbeddingFeaturizer
      max_tokens: 128   # longer texts are cut to their first 128 word pieces
      batch_size: 32    # texts embedded together when featurizing training data
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.exceptions import InvalidConfigException, RasaException
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from policies.embedding_model import EmbeddingModelError, SentenceEncoder, load_encoder

logger = logging.getLogger(__name__)

# The model was trained on up to 256 word pieces and has positions for 512.
MAX_TOKENS_LIMIT = 512


class SentenceEmbeddingModelError(RasaException):
    """The embedding model's files are missing or are not the pinned ones; the message names the file."""


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEmbeddingFeaturizer(DenseFeaturizer, GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            # Texts are cut to this many word pieces (customer messages are far shorter;
            # the cut bounds the cost of a pasted essay).
            "max_tokens": 128,
            # How many training texts are embedded in one call (similar lengths together).
            "batch_size": 32,
        }

    @staticmethod
    def required_packages() -> List[Text]:
        return ["onnxruntime", "tokenizers"]

    @staticmethod
    def supported_languages() -> Optional[List[Text]]:
        return ["en"]

    def __init__(self, name: Text, config: Dict[Text, Any], encoder: Optional[SentenceEncoder] = None) -> None:
        config = {**self.get_default_config(), **config}
        super().__init__(name, config)  # validates the config
        if encoder is None:
            try:
                encoder = load_encoder(max_tokens=config["max_tokens"])
            except EmbeddingModelError as error:
                raise SentenceEmbeddingModelError(f"SentenceEmbeddingFeaturizer: {error}") from error
        self._encoder = encoder

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceEmbeddingFeaturizer:
        return cls(execution_context.node_name, config)

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        """Raises InvalidConfigException naming the key that is wrong (at training and at model load)."""
        unknown = set(config) - set(cls.get_default_config())
        if unknown:
            raise InvalidConfigException(
                f"SentenceEmbeddingFeaturizer: unknown key(s) {sorted(unknown)}; " f"it takes {sorted(cls.get_default_config())}"
            )
        max_tokens = config["max_tokens"]
        if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or not 8 <= max_tokens <= MAX_TOKENS_LIMIT:
            raise InvalidConfigException(
                f"SentenceEmbeddingFeaturizer: max_tokens must be a whole number from 8 to {MAX_TOKENS_LIMIT}, "
                f"not {max_tokens!r}"
            )
        batch_size = config["batch_size"]
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
            raise InvalidConfigException(
                f"SentenceEmbeddingFeaturizer: batch_size must be a whole number of at least 1, not {batch_size!r}"
            )

    @property
    def dimension(self) -> int:
        return self._encoder.dimension

    def process(self, messages: List[Message]) -> List[Message]:
        """Adds a (1, 384) sentence feature for TEXT to every message (an empty text has one too)."""
        self._featurize(messages)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._featurize([m for m in training_data.training_examples if m.get(TEXT) is not None])
        return training_data

    def _featurize(self, messages: List[Message]) -> None:
        if not messages:
            return
        vectors = self._encoder.embed([m.get(TEXT) or "" for m in messages], batch_size=self._config["batch_size"])
        for message, vector in zip(messages, vectors, strict=True):
            self.add_features_to_message(sequence=None, sentence=vector[np.newaxis, :], attribute=TEXT, message=message)
