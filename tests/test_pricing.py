"""Prices per model turn recorded tokens into estimated costs; unknown stays unknown."""

from __future__ import annotations

from pathlib import Path

import pytest

from quizgen.errors import ConfigError
from quizgen.report.cost import (
    BUILTIN_PRICES,
    ModelUsage,
    Price,
    cost,
    estimate,
    format_cost,
    price_for,
    price_table,
)
from tests.conftest import invoke, invoke_json
from tests.fakes.openai_server import FakeOpenAI


def usage(key: str, model: str, provider: str = "openai", tokens: int = 1_000_000) -> ModelUsage:
    return ModelUsage(key, provider, model, tokens, tokens // 2, tokens // 4)


def test_cost_bills_cached_input_at_its_own_price() -> None:
    price = Price(input=2.0, cached_input=0.5, output=8.0)
    amount = cost(price, input_tokens=1_000_000, cached_tokens=400_000, output_tokens=250_000)
    assert amount == pytest.approx(0.6 * 2.0 + 0.4 * 0.5 + 0.25 * 8.0)


def test_dated_snapshots_use_their_family_price() -> None:
    assert price_for("o3-2025-04-16", BUILTIN_PRICES) == BUILTIN_PRICES["o3"]
    assert price_for("gpt-4o-2024-08-06", BUILTIN_PRICES) == BUILTIN_PRICES["gpt-4o"]
    assert price_for("llama3.1:8b", BUILTIN_PRICES) is None


def test_estimate_sums_per_batch_and_marks_unknown_models() -> None:
    costs = estimate(
        [
            usage("a", "o3"),
            usage("a", "o3-2025-04-16"),
            usage("b", "llama3"),
            usage("c", "mock-1", "mock"),
        ],
        BUILTIN_PRICES,
    )
    assert costs.per_batch["a"] == pytest.approx(2 * (0.5 * 2.0 + 0.5 * 0.5 + 0.25 * 8.0))
    assert costs.per_batch["b"] is None and costs.per_batch["c"] == 0.0
    assert costs.total is None and costs.unpriced_models == ("llama3",)
    assert format_cost(None) == "unknown" and format_cost(0.0) == "$0"


def test_config_overrides_and_extends_the_table() -> None:
    table = price_table(
        {"o3": {"input": 1.0}, "llama3": {"input": 0.1, "output": 0.2}}, source="config.toml"
    )
    assert table["o3"] == Price(1.0, BUILTIN_PRICES["o3"].cached_input, BUILTIN_PRICES["o3"].output)
    assert table["llama3"] == Price(0.1, 0.1, 0.2)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"input": -1, "output": 1}, "must be a number"),
        ({"input": "cheap", "output": 1}, "must be a number"),
        ({"inptu": 1}, "unknown key"),
        ({"input": 1}, "needs at least input and output"),
    ],
)
def test_bad_price_entries_name_the_file_model_and_key(entry: dict, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        price_table({"new-model": entry}, source="config.toml")
    assert "config.toml" in caught.value.message and "new-model" in caught.value.message
    assert message in caught.value.message


def test_status_shows_cost_unknown_then_priced_from_the_config_file(
    cli, example: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-SECRET-1234")
    with FakeOpenAI() as fake:
        code, doc = invoke_json(
            cli,
            "create",
            str(example),
            "--provider",
            "openai",
            "--model",
            "local-llama",
            "--base-url",
            fake.base_url,
        )
    assert code == 0
    quiz_id = doc["quiz"]["id"]
    assert doc["totals"]["estimated_cost_usd"] is None
    assert doc["totals"]["unpriced_models"] == ["local-llama"]
    code, out, _ = invoke(cli, "status", quiz_id)
    assert "estimated cost: unknown (no price for local-llama" in out

    config = tmp_path / "config.toml"
    config.write_text("[prices.local-llama]\ninput = 1.0\noutput = 2.0\n", encoding="utf-8")
    monkeypatch.setenv("QUIZGEN_CONFIG", str(config))
    code, status = invoke_json(cli, "status", quiz_id)
    totals = status["totals"]
    expected = (totals["input_tokens"] * 1.0 + totals["output_tokens"] * 2.0) / 1e6
    assert totals["estimated_cost_usd"] == pytest.approx(expected, abs=1e-5)
    assert all(b["estimated_cost_usd"] > 0 for b in status["batches"])
    code, out, _ = invoke(cli, "status", quiz_id)
    assert "estimated cost: $" in out


def test_mock_runs_cost_nothing(cli, example: Path) -> None:
    code, doc = invoke_json(cli, "create", str(example))
    assert code == 0 and doc["totals"]["estimated_cost_usd"] == 0
