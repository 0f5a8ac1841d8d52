"""One typed settings model for the config file, the environment and flags (issue 12.11)."""

from __future__ import annotations

from pathlib import Path

import pytest

from quizgen.canvas.client import CanvasClient
from quizgen.errors import ConfigError
from quizgen.llm.openai import DEFAULT_BACKOFF, OpenAIAdapter
from quizgen.settings import load_settings


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Write the config file the settings read; returns a writer."""
    path = tmp_path / "config.toml"
    monkeypatch.setenv("QUIZGEN_CONFIG", str(path))

    def write(text: str) -> Path:
        path.write_text(text, encoding="utf-8")
        return path

    return write


def adapter() -> OpenAIAdapter:
    return OpenAIAdapter.from_settings(api_key="sk-test", model="o3")


def test_a_zero_in_the_config_file_is_honoured(config) -> None:
    config("[openai]\nbackoff = 0\ntimeout = 0\n")
    assert adapter().backoff == 0
    assert DEFAULT_BACKOFF != 0  # so the zero came from the file
    assert load_settings().openai.timeout == 0


def test_a_zero_in_the_config_file_is_honoured_for_canvas(config) -> None:
    config('[canvas]\nbase_url = "https://lms.test"\ntoken = "t"\nbackoff_base = 0\n')
    assert CanvasClient.from_settings().backoff_base == 0


def test_file_then_environment_then_flags(config, monkeypatch: pytest.MonkeyPatch) -> None:
    config('[openai]\nbase_url = "http://file.test/v1"\nbackoff = 3\nmax_attempts = 2\n')
    assert adapter().base_url == "http://file.test/v1"
    monkeypatch.setenv("OPENAI_BASE_URL", "http://env.test/v1")
    monkeypatch.setenv("QUIZGEN_OPENAI_BACKOFF", "0")
    made = adapter()
    assert made.base_url == "http://env.test/v1" and made.backoff == 0 and made.max_attempts == 2
    flagged = OpenAIAdapter.from_settings(
        api_key="sk-test", model="o3", base_url="http://flag.test/v1"
    )
    assert flagged.base_url == "http://flag.test/v1"
    assert load_settings({"openai": {"base_url": None}}).openai.base_url == "http://env.test/v1"


def test_an_empty_environment_variable_counts_as_unset(
    config, monkeypatch: pytest.MonkeyPatch
) -> None:
    config("[openai]\nbackoff = 0.5\n")
    monkeypatch.setenv("QUIZGEN_OPENAI_BACKOFF", "")
    assert adapter().backoff == 0.5


def test_defaults_without_any_setting(config) -> None:
    made = adapter()
    assert made.backoff == DEFAULT_BACKOFF and made.base_url is None
    assert load_settings().openai.timeout is None  # the adapter's DEFAULT_TIMEOUT applies


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[openai]\nbackoff = -1\n", "[openai] backoff in"),
        ('[openai]\ntimeout = "soon"\n', "[openai] timeout in"),
        ("[openai]\nmax_attempts = 0\n", "[openai] max_attempts in"),
        ("[openai]\nbackof = 0\n", "not a setting quizgen knows"),
        ("[canvas]\nmax_in_flight = 0\n", "[canvas] max_in_flight in"),
        ("openai = 3\n", "[openai] must be a table"),
    ],
)
def test_a_bad_file_value_names_the_file_and_key(config, text: str, words: str) -> None:
    path = config(text)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert words in caught.value.message and str(path) in caught.value.message
    assert caught.value.exit_code == 2


def test_a_bad_environment_value_names_the_variable(
    config, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUIZGEN_OPENAI_BACKOFF", "soon")
    with pytest.raises(ConfigError) as caught:
        adapter()
    assert "QUIZGEN_OPENAI_BACKOFF" in caught.value.message and "'soon'" in caught.value.message


def test_secrets_are_never_quoted(config) -> None:
    config("[openai]\napi_key = 12345678\n[canvas]\ntoken = 87654321\n")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert "[openai] api_key" in caught.value.message and "[canvas] token" in caught.value.message
    assert "12345678" not in caught.value.message and "87654321" not in caught.value.message
    config('[openai]\napi_key = "sk-secret-value"\n')
    assert "sk-secret-value" not in repr(load_settings())


def test_the_cli_reports_a_bad_setting_as_exit_2(
    cli, config, example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.conftest import invoke

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    config("[openai]\nbackoff = -2\n")
    code, out, err = invoke(cli, "create", str(example), "--provider", "openai")
    assert code == 2 and "[openai] backoff in" in err and "Traceback" not in out + err
