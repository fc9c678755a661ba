"""The linear intent classifier: training, prediction, persistence, and refusing bad config."""

import numpy as np
import pytest
import skops.io as sio
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from policies.linear_intent import MODEL_FILE, LinearIntentClassifier, LinearIntentClassifierError, feature_rows, sentiment_row

EXAMPLES = {
    "order_status": [
        "where is my order",
        "my parcel hasnt arrived yet",
        "track my package please",
        "when will my delivery come",
        "order still not here after a week",
    ],
    "return_policy": [
        "how do i return a jacket",
        "can i send back shoes that dont fit",
        "what is your returns window",
        "return something i bought last month",
        "do you accept returns on sale items",
    ],
    "feedback": [
        "your courier was lovely and very careful",
        "great service, thank you so much",
        "the delivery driver was brilliant",
        "really happy with how fast it came",
        "fantastic support team, well done",
    ],
    "complaint": [
        "your courier was rude and threw my box",
        "terrible service, i am furious",
        "the delivery driver was awful to me",
        "really unhappy with how slow it was",
        "your support team is useless and ignored me",
    ],
}


def training_data(examples=EXAMPLES):
    return TrainingData([Message.build(text=text, intent=intent) for intent, texts in examples.items() for text in texts])


@pytest.fixture
def storage(tmp_path):
    return LocalModelStorage(tmp_path)


def create(storage, **config):
    return LinearIntentClassifier.create(
        {**LinearIntentClassifier.get_default_config(), **config},
        storage,
        Resource("linear_intent"),
        ExecutionContext(GraphSchema({}), "test"),
    )


def load(storage, **config):
    return LinearIntentClassifier.load(
        {**LinearIntentClassifier.get_default_config(), **config},
        storage,
        Resource("linear_intent"),
        ExecutionContext(GraphSchema({}), "test"),
    )


def parse(classifier, text):
    [message] = classifier.process([Message.build(text=text)])
    return message


@pytest.fixture
def trained(storage):
    classifier = create(storage)
    classifier.train(training_data())
    return classifier


def test_predicts_the_intent_of_a_misspelt_message(trained):
    message = parse(trained, "wheres my parcle")

    assert message.get("intent")["name"] == "order_status"


def test_ranking_is_sorted_capped_and_a_probability_distribution(storage):
    classifier = create(storage, ranking_length=3)
    classifier.train(training_data())

    message = parse(classifier, "can i return these shoes")
    ranking = message.get("intent_ranking")

    assert [entry["name"] for entry in ranking][0] == message.get("intent")["name"] == "return_policy"
    assert len(ranking) == 3
    confidences = [entry["confidence"] for entry in ranking]
    assert confidences == sorted(confidences, reverse=True)
    assert 0 < sum(confidences) <= 1.0 + 1e-9


def test_sentiment_tells_praise_from_a_grievance_about_the_same_thing(trained):
    assert parse(trained, "the courier was wonderful").get("intent")["name"] == "feedback"
    assert parse(trained, "the courier was horrible").get("intent")["name"] == "complaint"


def test_sentiment_features_split_the_compound_score_by_sign():
    positive, negative = sentiment_row("this is great"), sentiment_row("this is awful")

    assert positive[2] > 0 and positive[3] == 0
    assert negative[3] > 0 and negative[2] == 0


def test_a_loaded_model_predicts_exactly_like_the_trained_one(trained, storage):
    texts = ["where is my order", "i want to send this back", "you lot are hopeless", "😀", ""]
    before = [parse(trained, text).get("intent_ranking") for text in texts]

    reloaded = load(storage)

    assert [parse(reloaded, text).get("intent_ranking") for text in texts] == before


def test_odd_text_still_gets_an_intent(trained):
    for text in ["", "   ", "😀😀😀", "x" * 10_000, "¿dónde está mi pedido?"]:
        assert parse(trained, text).get("intent")["name"] in EXAMPLES


def test_without_a_trained_model_messages_pass_through_untouched(storage):
    classifier = load(storage)

    assert parse(classifier, "where is my order").get("intent") is None


def test_training_needs_two_intents(storage):
    with pytest.raises(LinearIntentClassifierError, match="at least two intents"):
        create(storage).train(training_data({"greet": ["hi", "hello"]}))


class NotOurs:
    """A type the classifier never writes."""


def test_a_model_file_with_foreign_types_is_refused(trained, storage):
    with storage.write_to(Resource("linear_intent")) as directory:
        sio.dump({"classifier": NotOurs()}, directory / MODEL_FILE)

    with pytest.raises(LinearIntentClassifierError, match="never writes"):
        load(storage)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("word_ngram_range", [2, 1]),
        ("char_ngram_range", [0, 4]),
        ("char_ngram_range", "1-4"),
        ("C", 0),
        ("C", "strong"),
        ("max_iter", 0),
        ("ranking_length", -1),
        ("sentiment_features", "yes"),
    ],
)
def test_bad_config_is_refused_naming_the_key(storage, key, value):
    with pytest.raises(LinearIntentClassifierError, match=key):
        create(storage, **{key: value})


@pytest.mark.parametrize("intents", [list(EXAMPLES), ["order_status", "return_policy"]])
def test_the_fast_scorer_computes_what_scikit_learn_computes(storage, intents):
    classifier = create(storage)
    classifier.train(training_data({intent: EXAMPLES[intent] for intent in intents}))
    texts = ["wheres my parcle", "the courier was great", "RETURN!!! now", "😀", "", "ok ok ok ok"]
    model = classifier._model

    expected = model["classifier"].predict_proba(feature_rows(texts, model, sentiment=True))

    for text, row in zip(texts, expected, strict=True):
        assert np.allclose(classifier._scorer.probabilities(text), row, atol=1e-9)
