import pytest

from actions.config import ActionSettings, ConfigError


def test_the_action_server_never_reads_the_escalation_rules(tmp_path):
    """The escalation policy decides with the rules in its model and records what the actions need
    (core/escalation/record.py): a file the action server once read for its limits is not read at all."""
    rules = tmp_path / "escalation.yml"
    rules.write_text("version: 1\n")

    settings = ActionSettings.from_env({"TANDEM_ESCALATION_RULES": str(rules)})

    assert not hasattr(settings, "failed_attempt_limit")


def test_reads_retrieval_thresholds_from_the_file(tmp_path):
    settings_file = tmp_path / "knowledge.yml"
    settings_file.write_text("confident: 0.6\nambiguous: 0.2\n")

    settings = ActionSettings.from_env({"TANDEM_KB_SETTINGS": str(settings_file), "TANDEM_KB_URL": "sqlite://"})

    assert settings.kb_thresholds.confident == 0.6
    assert settings.kb_url == "sqlite://"
    assert "sqlite" not in repr(settings), "the store URL may hold a password"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("confidnt: 0.6\n", "unknown setting"),
        ("confident: high\n", "confident: must be a number from 0 to 2"),
        ("confident: 0.2\nambiguous: 0.4\n", "must not exceed"),
        ("max_choices: 9\n", "max_choices: must be an integer from 2 to 5"),
        ("- 1\n", "mapping"),
    ],
    ids=["typo", "not-a-number", "inverted", "too-many-choices", "not-a-mapping"],
)
def test_rejects_bad_retrieval_settings(tmp_path, content, message):
    settings_file = tmp_path / "knowledge.yml"
    settings_file.write_text(content)

    with pytest.raises(ConfigError, match=message):
        ActionSettings.from_env({"TANDEM_KB_SETTINGS": str(settings_file)})


def test_the_schema_knows_every_threshold_and_nothing_else():
    import json
    from dataclasses import fields

    from actions.config import THRESHOLDS_SCHEMA
    from actions.knowledge.retrieval import Thresholds

    schema = json.loads(THRESHOLDS_SCHEMA.read_text())
    assert set(schema["properties"]) == {f.name for f in fields(Thresholds)}
