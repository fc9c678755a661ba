"""The risk detector on the real embedding model: keywords, meaning, evidence, unintelligible messages, persistence."""

from __future__ import annotations

import pytest
import yaml
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from policies.risk_detector import RiskDetector, RiskDetectorError
from policies.sentence_embedding import SentenceEmbeddingFeaturizer
from tests.policies.test_linear_intent import EXAMPLES

CONTEXT = ExecutionContext(GraphSchema({}), "test")

CATALOGUE = {
    "version": 1,
    "matching": {"min_confidence": 0.6},
    "teams": {"general": "Everything else.", "safety": "Product safety."},
    "risks": [
        {
            "name": "product_safety",
            "priority": "P1",
            "team": "safety",
            "why": "Someone may have been hurt by a product.",
            "keywords": [r"\bcaught fire\b"],
            "examples": [
                "the toaster started smoking and burnt my fingers",
                "my son got an electric shock from the lamp switch",
                "the heater smelled of burning plastic and the plug was scorching hot",
                "the face cream gave me a rash and my eyes swelled up",
                "a small part came off the toy and my baby nearly choked on it",
                "sparks flew out of the charger when i plugged it in",
                "the blender blade came loose and cut my hand badly",
                "the phone battery swelled up and the case split open",
                "the kettle base melted and there are scorch marks on the counter",
                "my daughter had an allergic reaction after using the shampoo",
            ],
        }
    ],
}


def featurized(messages):
    featurizer = SentenceEmbeddingFeaturizer.create(
        SentenceEmbeddingFeaturizer.get_default_config(), None, Resource("e"), CONTEXT
    )
    return featurizer.process(messages)


def training_data():
    messages = [Message.build(text=text, intent=intent) for intent, texts in EXAMPLES.items() for text in texts]
    return TrainingData(featurized(messages))


@pytest.fixture(scope="module")
def catalogue_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("catalogue") / "risks.yml"
    path.write_text(yaml.safe_dump(CATALOGUE))
    return path


@pytest.fixture(scope="module")
def trained(tmp_path_factory, catalogue_file):
    storage = LocalModelStorage(tmp_path_factory.mktemp("model"))
    config = {**RiskDetector.get_default_config(), "catalogue": str(catalogue_file)}
    detector = RiskDetector.create(config, storage, Resource("risks"), CONTEXT)
    detector.train(training_data())
    return detector, config, storage


def parse(detector, text, intent="order_status"):
    message = Message.build(text=text)
    message.set(INTENT, {"name": intent, "confidence": 0.9}, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [{"name": intent, "confidence": 0.9}], add_to_output=True)
    [message] = detector.process(featurized([message]))
    return message


def test_a_keyword_is_found_in_its_sentence(trained):
    detector, *_ = trained
    message = parse(detector, "Hello there. My kettle caught fire this morning! Can you help?")

    [risk] = message.get("risks")
    assert risk == {
        "risk": "product_safety",
        "evidence": "My kettle caught fire this morning!",
        "matched_by": "keyword",
        "keyword": "caught fire",
    }
    assert message.as_dict(only_output_properties=True)["risks"] == [risk]  # it reaches the parse data


def test_a_risk_said_in_other_words_is_found_by_meaning(trained):
    detector, *_ = trained
    message = parse(detector, "hi, i need help with my order. the hair dryer got so hot it burned my daughter's scalp")

    [risk] = message.get("risks")
    assert (risk["risk"], risk["matched_by"]) == ("product_safety", "meaning")
    assert risk["evidence"] == "the hair dryer got so hot it burned my daughter's scalp"
    assert risk["confidence"] >= 0.6


@pytest.mark.parametrize("text", ["where is my parcel", "how do i return shoes that dont fit", "my order is late again"])
def test_ordinary_messages_show_no_risk(trained, text):
    detector, *_ = trained
    message = parse(detector, text)

    assert message.get("risks") == [] and message.get("unintelligible") is False
    assert message.get(INTENT)["name"] == "order_status"  # untouched


@pytest.mark.parametrize("text", ["the the the", "ok", "burning"])
def test_too_few_words_mean_no_risk_by_meaning(trained, text):
    detector, *_ = trained
    assert parse(detector, text).get("risks") == []


@pytest.mark.parametrize("text", ["wheres my pakage", "refnd please", "ordr AC-123456", "🙂", "12345678"])
def test_typos_emoji_and_numbers_are_not_unintelligible(trained, text):
    detector, *_ = trained
    assert parse(detector, text).get("unintelligible") is False


def test_keyboard_mashing_becomes_nlu_fallback(trained):
    detector, *_ = trained
    message = parse(detector, "sdkfj qwoeiru zxcmvn", intent="problem_solved")

    assert message.get("unintelligible") is True
    assert message.get(INTENT)["name"] == "nlu_fallback"
    assert [r["name"] for r in message.get(INTENT_RANKING_KEY)] == ["nlu_fallback", "problem_solved"]


def test_persist_then_load_detects_the_same(trained):
    detector, config, storage = trained
    loaded = RiskDetector.load(config, storage, Resource("risks"), CONTEXT)

    for text in ("the hair dryer burned my scalp", "where is my parcel", "it caught fire"):
        assert parse(loaded, text).get("risks") == parse(detector, text).get("risks")


def test_a_bad_catalogue_fails_training_naming_the_key(tmp_path):
    bad = {**CATALOGUE, "risks": [{**CATALOGUE["risks"][0], "team": "nobody"}]}
    path = tmp_path / "risks.yml"
    path.write_text(yaml.safe_dump(bad))
    detector = RiskDetector.create(
        {**RiskDetector.get_default_config(), "catalogue": str(path)}, LocalModelStorage(tmp_path), Resource("r"), CONTEXT
    )

    with pytest.raises(RiskDetectorError, match=r"risks\[0\]\.team: must be one of general, safety"):
        detector.train(training_data())


def test_without_the_featurizer_training_says_what_is_missing(tmp_path, catalogue_file):
    detector = RiskDetector.create(
        {**RiskDetector.get_default_config(), "catalogue": str(catalogue_file)},
        LocalModelStorage(tmp_path),
        Resource("r"),
        CONTEXT,
    )
    plain = TrainingData([Message.build(text=t, intent=i) for i, texts in EXAMPLES.items() for t in texts])

    with pytest.raises(RiskDetectorError, match="SentenceEmbeddingFeaturizer"):
        detector.train(plain)


@pytest.mark.parametrize(("key", "value"), [("C", 0), ("min_known_words", 2), ("catalogue", ""), ("colour", "red")])
def test_bad_config_is_refused_naming_the_key(key, value):
    with pytest.raises(RiskDetectorError, match=key):
        RiskDetector.create({**RiskDetector.get_default_config(), key: value}, None, Resource("r"), CONTEXT)


def test_a_model_file_with_foreign_types_is_refused_not_taken_for_nothing_trained(tmp_path, catalogue_file):
    import skops.io as sio

    from policies.risk_detector import MODEL_FILE
    from tests.policies.test_linear_intent import NotOurs

    storage = LocalModelStorage(tmp_path)
    config = {**RiskDetector.get_default_config(), "catalogue": str(catalogue_file)}
    RiskDetector.create(config, storage, Resource("risks"), CONTEXT).train(training_data())
    with storage.write_to(Resource("risks")) as directory:
        sio.dump({"classifier": NotOurs()}, directory / MODEL_FILE)

    with pytest.raises(RiskDetectorError, match="never writes"):
        RiskDetector.load(config, storage, Resource("risks"), CONTEXT)
