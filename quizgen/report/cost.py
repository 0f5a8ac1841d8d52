"""Turning recorded tokens into an estimated cost, from a price table per model.

Why estimates and not bills: prices change and differ by account, so the built-in table is a
starting point (USD per 1M tokens, OpenAI's list prices when this table was written) and the
config file overrides or extends it:

    [prices."gpt-4o"]
    input = 2.50
    cached_input = 1.25
    output = 10.00

A model with no price gives an unknown cost (`None`), never 0: a wrong zero looks like a fact.
The offline mock costs 0. Calls made through the Batch API (provider `openai-batch`) cost half
of every price, as OpenAI bills them. OpenAI counts cached tokens inside the input tokens, so a
call costs (input − cached) × input price + cached × cached price + output × output price;
reasoning tokens are billed as output and are already inside the output count.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from quizgen.errors import ConfigError

FREE_PROVIDERS = frozenset({"mock"})
BATCH_PROVIDER = "openai-batch"
"""Calls answered through OpenAI's Batch API are recorded under this provider name."""
BATCH_DISCOUNT = 0.5
"""The Batch API bills every kind of token at half the synchronous price."""


@dataclass(frozen=True)
class Price:
    """USD per 1M tokens."""

    input: float
    cached_input: float
    output: float


BUILTIN_PRICES: dict[str, Price] = {
    "gpt-5": Price(1.25, 0.125, 10.00),
    "gpt-5-mini": Price(0.25, 0.025, 2.00),
    "gpt-5-nano": Price(0.05, 0.005, 0.40),
    "gpt-4.1": Price(2.00, 0.50, 8.00),
    "gpt-4.1-mini": Price(0.40, 0.10, 1.60),
    "gpt-4.1-nano": Price(0.10, 0.025, 0.40),
    "gpt-4o": Price(2.50, 1.25, 10.00),
    "gpt-4o-mini": Price(0.15, 0.075, 0.60),
    "o1": Price(15.00, 7.50, 60.00),
    "o3": Price(2.00, 0.50, 8.00),
    "o3-mini": Price(1.10, 0.55, 4.40),
    "o4-mini": Price(1.10, 0.275, 4.40),
}

_SNAPSHOT = re.compile(r"-\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class ModelUsage:
    """Tokens one batch spent on one model (summed over its calls)."""

    batch_key: str
    provider: str
    model: str
    input_tokens: int
    cached_tokens: int
    output_tokens: int


def price_table(
    overrides: Mapping[str, Any] | None = None, *, source: str = "config"
) -> dict[str, Price]:
    """The built-in table with `[prices.<model>]` entries of the config file laid over it."""
    table = dict(BUILTIN_PRICES)
    for model, entry in (overrides or {}).items():
        if not isinstance(entry, Mapping):
            raise ConfigError(f"{source}: [prices.{model}] must be a table of numbers")
        unknown = set(entry) - {"input", "cached_input", "output"}
        if unknown:
            raise ConfigError(
                f"{source}: [prices.{model}] has unknown key(s) {', '.join(sorted(unknown))}; "
                "use input, cached_input, output (USD per 1M tokens)"
            )
        values: dict[str, float] = {}
        for key in ("input", "cached_input", "output"):
            raw = entry.get(key)
            if raw is None:
                continue
            if isinstance(raw, bool) or not isinstance(raw, int | float) or raw < 0:
                raise ConfigError(
                    f"{source}: [prices.{model}] {key} must be a number ≥ 0 (got {raw!r})"
                )
            values[key] = float(raw)
        base = table.get(model)
        if base is None and not {"input", "output"} <= set(values):
            raise ConfigError(
                f"{source}: [prices.{model}] needs at least input and output "
                "(USD per 1M tokens) for a model without a built-in price"
            )
        input_price = values.get("input", base.input if base else 0.0)
        table[model] = Price(
            input=input_price,
            cached_input=values.get("cached_input", base.cached_input if base else input_price),
            output=values.get("output", base.output if base else 0.0),
        )
    return table


def configured_price_table() -> dict[str, Price]:
    """`price_table` with the user's config file; a malformed entry is a `ConfigError`."""
    from quizgen.settings import config_path, section

    return price_table(section("prices"), source=str(config_path()))


def price_for(model: str, table: Mapping[str, Price]) -> Price | None:
    """The model's price; a dated snapshot (`o3-2025-04-16`) falls back to its family."""
    if model in table:
        return table[model]
    family = _SNAPSHOT.sub("", model)
    return table.get(family)


def batch_price(price: Price) -> Price:
    """The Batch API's price for a model: `BATCH_DISCOUNT` of each synchronous price."""
    return Price(
        input=price.input * BATCH_DISCOUNT,
        cached_input=price.cached_input * BATCH_DISCOUNT,
        output=price.output * BATCH_DISCOUNT,
    )


def cost(price: Price, *, input_tokens: int, cached_tokens: int, output_tokens: int) -> float:
    cached = min(cached_tokens, input_tokens)
    return (
        (input_tokens - cached) * price.input
        + cached * price.cached_input
        + output_tokens * price.output
    ) / 1_000_000


def usage_cost(usage: ModelUsage, table: Mapping[str, Price]) -> float | None:
    if usage.provider in FREE_PROVIDERS:
        return 0.0
    if usage.input_tokens == 0 and usage.output_tokens == 0:
        return 0.0
    price = price_for(usage.model, table)
    if price is None:
        return None
    if usage.provider == BATCH_PROVIDER:
        price = batch_price(price)
    return cost(
        price,
        input_tokens=usage.input_tokens,
        cached_tokens=usage.cached_tokens,
        output_tokens=usage.output_tokens,
    )


@dataclass(frozen=True)
class CostEstimate:
    """Estimated USD per batch (None: some model had no price) and in total."""

    per_batch: dict[str, float | None]
    total: float | None
    unpriced_models: tuple[str, ...]


def estimate(usages: Iterable[ModelUsage], table: Mapping[str, Price]) -> CostEstimate:
    per_batch: dict[str, float | None] = {}
    unpriced: list[str] = []
    for usage in usages:
        amount = usage_cost(usage, table)
        if amount is None and usage.model not in unpriced:
            unpriced.append(usage.model)
        so_far = per_batch.get(usage.batch_key, 0.0)
        per_batch[usage.batch_key] = None if amount is None or so_far is None else so_far + amount
    known = list(per_batch.values())
    total = None if any(v is None for v in known) else sum(v for v in known if v is not None)
    return CostEstimate(per_batch, total, tuple(unpriced))


def format_cost(amount: float | None) -> str:
    if amount is None:
        return "unknown"
    if amount == 0:
        return "$0"
    return f"${amount:.4f}" if amount < 1 else f"${amount:,.2f}"
