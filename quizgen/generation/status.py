"""A quiz's and a batch's status, derived from counts: the batches table is the truth."""

from __future__ import annotations

from quizgen.models import Batch, BatchStatus, QuizStatus


def quiz_status_for(batches: list[Batch]) -> QuizStatus:
    """Derive the quiz's status from its batches; the batches table is the truth.

    A batch still running (in another live process) makes the quiz "generating", whatever the
    others did: its questions are still coming."""
    if batches and all(b.status == BatchStatus.SUCCEEDED for b in batches):
        return QuizStatus.READY_FOR_REVIEW
    if any(b.status == BatchStatus.RUNNING for b in batches):
        return QuizStatus.GENERATING_QUESTIONS
    if any(b.generated_count > 0 for b in batches):
        return QuizStatus.READY_FOR_REVIEW_PARTIAL
    if all(b.status == BatchStatus.PENDING and b.attempts == 0 for b in batches):
        return QuizStatus.CREATED
    return QuizStatus.FAILED


def batch_status(generated: int, target: int) -> BatchStatus:
    if generated >= target:
        return BatchStatus.SUCCEEDED
    return BatchStatus.PARTIAL if generated > 0 else BatchStatus.FAILED
