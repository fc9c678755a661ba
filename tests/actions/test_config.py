import pytest

from actions.config import ActionSettings, ConfigError


def test_defaults():
    assert ActionSettings.from_env({}).failed_attempt_limit == 2


def test_reads_the_environment():
    assert ActionSettings.from_env({"TANDEM_FAILED_ATTEMPT_LIMIT": "3"}).failed_attempt_limit == 3


@pytest.mark.parametrize("raw", ["two", "0", "-1", ""])
def test_rejects_unusable_limits(raw):
    with pytest.raises(ConfigError, match="TANDEM_FAILED_ATTEMPT_LIMIT"):
        ActionSettings.from_env({"TANDEM_FAILED_ATTEMPT_LIMIT": raw})
