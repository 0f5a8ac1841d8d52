"""The status document and its printed form, shared by `status`, `create`, `retry` and `collect`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from quizgen.cli.render import console

if TYPE_CHECKING:
    from quizgen.models import Batch, Quiz
    from quizgen.report.cost import CostEstimate
    from quizgen.store import Store


def full_status(store: Store, quiz: Quiz) -> tuple[dict[str, Any], list[Batch], CostEstimate]:
    """The `status --json` document (also printed by create and retry), with the batches and
    costs it was built from, for the tables."""
    from quizgen.pools import pool_document, quiz_pools
    from quizgen.report.status import (
        add_costs,
        add_question_counts,
        api_job_document,
        publication_document,
        status_document,
    )

    batches = store.batches(quiz.id)
    costs = quiz_costs(store, quiz.id)
    document = add_costs(status_document(quiz, batches, store.modules(quiz.id)), costs)
    add_question_counts(document, store.question_counts(quiz.id))
    pools = quiz_pools(quiz)
    for batch in document["batches"]:
        batch["pool"] = pool_document(pools.get(batch["key"]))
    document["publications"] = [publication_document(p) for p in store.publications(quiz.id)]
    jobs = store.api_jobs(quiz.id)
    if jobs:
        document["batch_api_jobs"] = [api_job_document(job) for job in jobs]
    return document, batches, costs


def quiz_costs(store: Store, quiz_id: str) -> CostEstimate:
    """Estimated cost of a quiz's recorded calls with the configured price table."""
    from quizgen.report.cost import ModelUsage, configured_price_table, estimate

    usages = [ModelUsage(**row) for row in store.usage_by_model(quiz_id)]
    return estimate(usages, configured_price_table())


def totals_line(document: dict[str, Any], costs: CostEstimate) -> str:
    """The run's last line, after `create`, `retry` and `collect`: batches, questions, cost."""
    totals = document["totals"]
    return (
        f"{totals['succeeded']}/{totals['batches']} batches succeeded, "
        f"{totals['questions']}/{totals['target']} questions; {cost_line(costs)}"
    )


def cost_line(costs: CostEstimate) -> str:
    from quizgen.report.cost import format_cost

    if costs.total is not None:
        return f"estimated cost: {format_cost(costs.total)}"
    models = ", ".join(costs.unpriced_models)
    return (
        f"estimated cost: unknown (no price for {models}; add [prices.<model>] with input, "
        "cached_input and output in USD per 1M tokens to the config file)"
    )


def print_batches(quiz: Quiz, batches: list[Batch], costs: CostEstimate | None = None) -> None:
    from quizgen.cli.render import Column, print_table
    from quizgen.pools import quiz_pools
    from quizgen.report.cost import format_cost

    pools = quiz_pools(quiz)

    columns = [
        Column("batch", role="key"),
        Column("status", role="key"),
        Column("questions", "right", drop_rank=9),
        Column("rejected", "right", drop_rank=5),
        Column("attempts", "right", drop_rank=3),
        Column("tokens in/out", "right", drop_rank=1),
        Column("seconds", "right", drop_rank=2),
        Column("cost", "right", drop_rank=4),
        Column("last error", role="wrap"),
    ]
    rows = [
        [
            batch.key,
            batch.status.value,
            f"{batch.generated_count}/{batch.target_count}"
            + (f", pool {pools[batch.key].label()}" if batch.key in pools else ""),
            str(batch.rejected_count),
            str(batch.attempts),
            f"{batch.input_tokens:,}/{batch.output_tokens:,}",
            f"{batch.llm_seconds:.1f}",
            "" if costs is None else format_cost(costs.per_batch.get(batch.key, 0.0)),
            batch.last_error or "",
        ]
        for batch in batches
    ]
    print_table(columns, rows)


def print_checks(document: dict[str, Any]) -> None:
    """One line per batch or import with rejections or flags: what the checks caught, by code."""
    from quizgen.report.status import reasons_line

    out = console()
    for entry in [*document["batches"], *document.get("imports", [])]:
        key = entry.get("key") or entry["batch_key"]
        parts = []
        if entry.get("rejections"):
            parts.append(f"rejected: {reasons_line(entry['rejections'])}")
        if entry.get("flags"):
            parts.append(f"flagged for review: {reasons_line(entry['flags'])}")
        if "key" not in entry:
            parts.insert(0, f"imported, {entry['kept']} kept")
        if parts:
            out.print(f"  {key}: {'; '.join(parts)}")
