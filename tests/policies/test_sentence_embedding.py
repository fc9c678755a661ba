"""The sentence-embedding featurizer, and the linear classifier reading its dense features beside TF-IDF."""

from __future__ import annotations

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from policies import embedding_model
from policies.linear_intent import LinearIntentClassifier, LinearIntentClassifierError, feature_rows
from policies.sentence_embedding import SentenceEmbeddingFeaturizer, SentenceEmbeddingModelError
from tests.policies.test_linear_intent import EXAMPLES, training_data

CONTEXT = ExecutionContext(GraphSchema({}), "test")


def featurizer(**config) -> SentenceEmbeddingFeaturizer:
    return SentenceEmbeddingFeaturizer.create(
        {**SentenceEmbeddingFeaturizer.get_default_config(), **config}, None, Resource("embedding"), CONTEXT
    )


@pytest.fixture(scope="module")
def embedder():
    return featurizer()


def sentence_feature(message: Message) -> np.ndarray:
    _, sentence = message.get_dense_features(TEXT)
    return sentence.features


def test_every_message_gets_one_unit_sentence_feature_for_its_text(embedder):
    messages = embedder.process([Message.build(text="where is my order"), Message.build(text="")])

    for message in messages:
        [feature] = message.features
        assert (feature.type, feature.attribute, feature.is_dense()) == (FEATURE_TYPE_SENTENCE, TEXT, True)
        assert feature.features.shape == (1, 384)
        assert np.linalg.norm(feature.features) == pytest.approx(1.0, abs=1e-5)
        assert message.get_dense_features(TEXT)[0] is None  # no sequence features


def test_training_data_is_featurized_in_batches_as_messages_are_one_by_one(embedder):
    data = embedder.process_training_data(training_data())
    texts = [m.get(TEXT) for m in data.training_examples]

    for text, message in zip(texts, data.training_examples, strict=True):
        [alone] = embedder.process([Message.build(text=text)])
        assert np.allclose(sentence_feature(message), sentence_feature(alone), atol=1e-5)


def test_the_model_is_loaded_once_per_process(embedder):
    assert featurizer()._encoder is embedder._encoder


@pytest.mark.parametrize(
    ("key", "value"),
    [("max_tokens", 0), ("max_tokens", 1000), ("max_tokens", "128"), ("batch_size", 0), ("batch_size", 2.5), ("model", "x")],
)
def test_bad_config_is_refused_naming_the_key(key, value):
    with pytest.raises(InvalidConfigException, match=key):
        featurizer(**{key: value})


def test_a_model_file_that_is_not_the_pinned_one_stops_the_component(tmp_path, monkeypatch):
    spec = tmp_path / "embedding_model.yml"
    pinned = embedding_model.ModelSpec.load().files["onnx"].sha256
    spec.write_text(embedding_model.SPEC_FILE.read_text().replace(pinned, "f" * 64))
    monkeypatch.setattr(embedding_model, "SPEC_FILE", spec)

    with pytest.raises(SentenceEmbeddingModelError, match="model.onnx.*" + "f" * 64):
        featurizer()


# -- the classifier with dense features --------------------------------------------------------------


@pytest.fixture
def storage(tmp_path):
    return LocalModelStorage(tmp_path)


def classifier(storage, load=False, **config):
    method = LinearIntentClassifier.load if load else LinearIntentClassifier.create
    return method({**LinearIntentClassifier.get_default_config(), **config}, storage, Resource("linear_intent"), CONTEXT)


def with_vector(text: str, vector, intent=None) -> Message:
    message = Message.build(text=text, intent=intent)
    message.add_features(Features(np.asarray(vector, dtype=np.float32)[np.newaxis, :], FEATURE_TYPE_SENTENCE, TEXT, "test"))
    return message


def test_the_classifier_reads_the_dense_features(storage):
    """Every text is the same, so only the dense vector can tell the intents apart."""
    rng = np.random.default_rng(7)
    centres = {"order_status": rng.normal(size=16), "return_policy": rng.normal(size=16)}
    examples = [
        with_vector("hello there", centre + rng.normal(scale=0.1, size=16), intent)
        for intent, centre in centres.items()
        for _ in range(8)
    ]
    model = classifier(storage, dense_scale=1.0)
    model.train(TrainingData(examples))

    for intent, centre in centres.items():
        [message] = model.process([with_vector("hello there", centre)])
        assert message.get("intent")["name"] == intent


def test_embeddings_read_a_paraphrase_that_tf_idf_alone_cannot(storage, embedder, tmp_path):
    """No example says "shipment" or "reached"; TF-IDF alone hears a grievance, the embedding a late order."""
    text = "the shipment has not reached me"
    (tmp_path / "sparse").mkdir()
    sparse = classifier(LocalModelStorage(tmp_path / "sparse"))
    sparse.train(training_data())
    both = classifier(storage, dense_scale=2.0)
    both.train(embedder.process_training_data(training_data()))

    [alone] = sparse.process([Message.build(text=text)])
    [combined] = both.process(embedder.process([Message.build(text=text)]))

    assert alone.get("intent")["name"] != "order_status"
    assert combined.get("intent")["name"] == "order_status"


def test_a_dense_scale_without_dense_features_is_refused_at_training(storage):
    with pytest.raises(LinearIntentClassifierError, match="dense_scale.*SentenceEmbeddingFeaturizer"):
        classifier(storage, dense_scale=1.0).train(training_data())


def test_a_message_without_the_dense_features_the_model_was_trained_with_is_refused(storage, embedder):
    model = classifier(storage, dense_scale=1.0)
    model.train(embedder.process_training_data(training_data()))

    with pytest.raises(LinearIntentClassifierError, match="retrain"):
        model.process([Message.build(text="where is my order")])


@pytest.mark.parametrize("value", [-1, "big", True, float("inf"), float("nan")])
def test_a_bad_dense_scale_is_refused_naming_the_key(storage, value):
    with pytest.raises(LinearIntentClassifierError, match="dense_scale"):
        classifier(storage, dense_scale=value)


def test_a_loaded_model_with_dense_features_predicts_exactly_like_the_trained_one(storage, embedder):
    model = classifier(storage, dense_scale=1.5)
    model.train(embedder.process_training_data(training_data()))
    texts = ["where is my order", "i want to send this back", "you lot are hopeless", "😀", ""]
    before = [m.get("intent_ranking") for m in model.process(embedder.process([Message.build(text=t) for t in texts]))]

    reloaded = classifier(storage, load=True, dense_scale=1.5)
    after = [m.get("intent_ranking") for m in reloaded.process(embedder.process([Message.build(text=t) for t in texts]))]

    assert after == before


@pytest.mark.parametrize("intents", [list(EXAMPLES), ["order_status", "return_policy"]])
@pytest.mark.parametrize("sentiment", [True, False])
def test_the_fast_scorer_computes_what_scikit_learn_computes_with_dense_features(storage, embedder, intents, sentiment):
    model = classifier(storage, dense_scale=2.0, sentiment_features=sentiment)
    model.train(embedder.process_training_data(training_data({intent: EXAMPLES[intent] for intent in intents})))
    texts = ["wheres my parcle", "the courier was great", "RETURN!!! now", "😀", "", "ok ok ok ok"]
    dense = np.vstack([sentence_feature(m) for m in embedder.process([Message.build(text=t) for t in texts])])

    expected = model._model["classifier"].predict_proba(feature_rows(texts, model._model, sentiment, dense))

    for text, vector, row in zip(texts, dense, expected, strict=True):
        assert np.allclose(model._scorer.probabilities(text, vector), row, atol=1e-9)
