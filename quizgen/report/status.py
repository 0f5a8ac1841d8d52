"""Pure functions from records to the documents `--json` prints (and tables are built from).

Keeping these apart from the commands means the JSON contract scripts rely on is defined in
one place and tested without a terminal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from quizgen.models import (
    ApiJob,
    Batch,
    BatchStatus,
    ModuleRecord,
    Publication,
    QuestionRecord,
    Quiz,
)

if TYPE_CHECKING:
    from quizgen.report.cost import CostEstimate


def quiz_document(quiz: Quiz, batches: list[Batch]) -> dict[str, Any]:
    return {
        "id": quiz.id,
        "title": quiz.title,
        "status": quiz.status.value,
        "failure_reason": quiz.failure_reason,
        "language": quiz.language,
        "provider": quiz.provider,
        "model": quiz.model,
        "spec_path": quiz.spec_path,
        "created_at": quiz.created_at,
        "updated_at": quiz.updated_at,
        "question_count": sum(b.generated_count for b in batches),
        "target_count": sum(b.target_count for b in batches),
    }


def batch_document(batch: Batch) -> dict[str, Any]:
    return {
        "key": batch.key,
        "module_id": batch.module_id,
        "question_type": batch.question_type,
        "status": batch.status.value,
        "generated_count": batch.generated_count,
        "target_count": batch.target_count,
        "rejected_count": batch.rejected_count,
        "attempts": batch.attempts,
        "last_error": batch.last_error,
        "calls": batch.calls,
        "input_tokens": batch.input_tokens,
        "output_tokens": batch.output_tokens,
        "cached_tokens": batch.cached_tokens,
        "llm_seconds": round(batch.llm_seconds, 3),
        "started_at": batch.started_at,
        "finished_at": batch.finished_at,
    }


def generation_metadata(batches: list[Batch]) -> dict[str, Any]:
    """The original system's shape, derived from the batches table instead of kept beside it."""
    return {
        "successful_batches": [b.key for b in batches if b.status == BatchStatus.SUCCEEDED],
        "failed_batches": [b.key for b in batches if b.status != BatchStatus.SUCCEEDED],
        "batch_details": {
            b.key: {
                "generated_count": b.generated_count,
                "target_count": b.target_count,
                "status": b.status.value,
                "timestamp": b.finished_at or b.updated_at,
            }
            for b in batches
        },
    }


def totals(batches: list[Batch]) -> dict[str, Any]:
    return {
        "batches": len(batches),
        "succeeded": sum(b.status == BatchStatus.SUCCEEDED for b in batches),
        "partial": sum(b.status == BatchStatus.PARTIAL for b in batches),
        "failed": sum(b.status == BatchStatus.FAILED for b in batches),
        "pending": sum(b.status in (BatchStatus.PENDING, BatchStatus.RUNNING) for b in batches),
        "questions": sum(b.generated_count for b in batches),
        "target": sum(b.target_count for b in batches),
        "rejected": sum(b.rejected_count for b in batches),
        "calls": sum(b.calls for b in batches),
        "input_tokens": sum(b.input_tokens for b in batches),
        "output_tokens": sum(b.output_tokens for b in batches),
        "cached_tokens": sum(b.cached_tokens for b in batches),
        "llm_seconds": round(sum(b.llm_seconds for b in batches), 3),
    }


def module_document(module: ModuleRecord) -> dict[str, Any]:
    return {
        "module_id": module.module_id,
        "name": module.name,
        "chars": len(module.content),
        "sha256": module.sha256,
        "sources": [span["source"] for span in module.spans],
        "origin": module.origin,
        "warnings": module.warnings,
    }


def status_document(
    quiz: Quiz, batches: list[Batch], modules: list[ModuleRecord]
) -> dict[str, Any]:
    return {
        "quiz": quiz_document(quiz, batches),
        "modules": [module_document(m) for m in modules],
        "batches": [batch_document(b) for b in batches],
        "totals": totals(batches),
        "generation_metadata": generation_metadata(batches),
    }


def question_document(question: QuestionRecord) -> dict[str, Any]:
    return {
        "id": question.id,
        "module_id": question.module_id,
        "batch_key": question.batch_key,
        "question_type": question.question_type,
        "position": question.position,
        "review_status": question.review_status.value,
        "rejection_reasons": question.rejection_reasons,
        "rejection_note": question.rejection_note,
        "flags": question.flags,
        "citation": question.citation,
        "data": question.data,
    }


def add_costs(document: dict[str, Any], costs: CostEstimate) -> dict[str, Any]:
    """Put estimated USD costs into a `status_document`: per batch, and in total.

    `null` means unknown (a model without a price), never free; `unpriced_models` says which.
    """
    for batch in document["batches"]:
        amount = costs.per_batch.get(batch["key"], 0.0)
        batch["estimated_cost_usd"] = None if amount is None else round(amount, 6)
    totals_ = document["totals"]
    totals_["estimated_cost_usd"] = None if costs.total is None else round(costs.total, 6)
    totals_["unpriced_models"] = list(costs.unpriced_models)
    return document


def add_question_counts(document: dict[str, Any], counts: dict[str, dict[str, Any]]) -> None:
    """Add per-batch `kept`, `rejections` and `flags` (reason code → count) to a status document,
    and an `imports` list for question groups stored without a batch (`quizgen import`)."""
    empty: dict[str, Any] = {"kept": 0, "rejections": {}, "flags": {}}
    known = set()
    for batch in document["batches"]:
        known.add(batch["key"])
        batch.update(counts.get(batch["key"], empty))
    document["imports"] = [
        {"batch_key": key, **entry} for key, entry in sorted(counts.items()) if key not in known
    ]


def reasons_line(reasons: dict[str, int]) -> str:
    """ "near_duplicate 2, quote_not_found 1" — most frequent first."""
    ordered = sorted(reasons.items(), key=lambda item: (-item[1], item[0]))
    return ", ".join(f"{code} {count}" for code, count in ordered)


def publication_document(publication: Publication) -> dict[str, Any]:
    """One Canvas copy of a quiz: where it is and how many of its items exist there."""
    return {
        "id": publication.id,
        "engine": publication.engine,
        "base_url": publication.base_url,
        "course_id": publication.course_id,
        "title": publication.title,
        "status": publication.status.value,
        "remote_quiz_id": publication.remote_quiz_id,
        "remote_url": publication.remote_url,
        "items_done": publication.created_count,
        "items_total": len(publication.items),
        "items_failed": sum(item.status == "failed" for item in publication.items),
        "groups_done": sum(group.status == "created" for group in publication.groups),
        "groups_total": len(publication.groups),
        "settings": publication.settings,
        "last_error": publication.last_error,
        "created_at": publication.created_at,
        "finished_at": publication.finished_at,
    }


def api_job_document(job: ApiJob) -> dict[str, Any]:
    """One Batch API job as `status --json` shows it (`remote_status` as last seen)."""
    return {
        "id": job.id,
        "round": job.round,
        "state": job.state.value,
        "remote_id": job.remote_id,
        "remote_status": job.remote_status,
        "requests": job.request_count,
        "completed": job.completed_count,
        "failed": job.failed_count,
        "bytes": job.bytes,
        "model": job.model,
        "base_url": job.base_url,
        "input_file_id": job.input_file_id,
        "output_file_id": job.output_file_id,
        "error_file_id": job.error_file_id,
        "last_error": job.last_error,
        "created_at": job.created_at,
        "submitted_at": job.submitted_at,
        "finished_at": job.finished_at,
    }
