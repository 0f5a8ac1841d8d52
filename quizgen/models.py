"""The records quizgen keeps: quizzes, their modules, batches and questions.

Plain frozen dataclasses: the store builds them from rows, the core passes them around, the CLI
renders them. Statuses are `StrEnum`s so they serialise as the strings scripts see in `--json`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class QuizStatus(StrEnum):
    CREATED = "created"
    EXTRACTING_CONTENT = "extracting_content"
    GENERATING_QUESTIONS = "generating_questions"
    READY_FOR_REVIEW = "ready_for_review"
    READY_FOR_REVIEW_PARTIAL = "ready_for_review_partial"
    FAILED = "failed"


class BatchStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PARTIAL = "partial"
    FAILED = "failed"


class ReviewStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


def batch_key(module_id: str, question_type: str, count: int) -> str:
    """The batch's public name. Stored beside structured columns; never parsed back."""
    return f"{module_id}_{question_type}_{count}"


@dataclass(frozen=True)
class PlannedBatch:
    key: str
    module_id: str
    question_type: str
    target_count: int
    difficulty: str | None


@dataclass(frozen=True)
class Quiz:
    id: str
    title: str
    status: QuizStatus
    language: str
    provider: str
    model: str
    spec_path: str
    spec: dict[str, Any]
    created_at: str
    updated_at: str
    failure_reason: str | None = None


@dataclass(frozen=True)
class ModuleRecord:
    quiz_id: str
    module_id: str
    name: str
    content: str
    sha256: str
    spans: list[dict[str, Any]]
    """[{source, start, end}] — which source each part of `content` came from."""
    warnings: list[str] = field(default_factory=list)
    origin: str = "local"
    """"local" (files) or "canvas" (pulled over the API)."""


@dataclass(frozen=True)
class Batch:
    quiz_id: str
    key: str
    module_id: str
    question_type: str
    target_count: int
    generated_count: int
    status: BatchStatus
    attempts: int
    last_error: str | None
    difficulty: str | None
    run_id: str | None
    runner_pid: int | None
    started_at: str | None
    finished_at: str | None
    updated_at: str
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    llm_seconds: float = 0.0
    calls: int = 0
    rejected_count: int = 0
    runner_host: str | None = None
    runner_boot: str | None = None
    lease_expires_at: str | None = None
    """While running: when the lease lapses unless its run renews it (`store.LEASE_SECONDS`)."""

    @property
    def missing(self) -> int:
        return max(0, self.target_count - self.generated_count)


@dataclass(frozen=True)
class QuestionRecord:
    id: str
    quiz_id: str
    module_id: str
    batch_key: str
    question_type: str
    position: int
    data: dict[str, Any]
    review_status: ReviewStatus
    rejection_reasons: list[str]
    """Reason codes; non-empty exactly when the question failed a check or a reviewer said no."""
    citation: dict[str, Any] | None
    """Where `data.source_quote` was found: {source, start, end}."""
    created_at: str
    updated_at: str
    flags: list[str] = field(default_factory=list)
    rejection_note: str | None = None


class PublicationStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    """Started and not finished: a run is going, was killed, or stopped with failures."""
    PUBLISHED = "published"
    """Every item is in Canvas (and the quiz published if that was asked for)."""


class ItemStatus(StrEnum):
    PENDING = "pending"
    CREATED = "created"
    FAILED = "failed"


@dataclass(frozen=True)
class PublicationItem:
    publication_id: str
    question_id: str
    position: int
    status: ItemStatus
    remote_item_id: str | None
    last_error: str | None
    updated_at: str


@dataclass(frozen=True)
class PlannedGroup:
    """A pool as one Classic question group: what publish stores before its first request."""

    batch_key: str
    pick_count: int
    question_points: float
    size: int
    """How many of the pool's questions this publication holds."""


@dataclass(frozen=True)
class PublicationGroup:
    """A pool's Canvas question group in one publication (Classic Quizzes; canvas/groups.py)."""

    publication_id: str
    batch_key: str
    pick_count: int
    question_points: float
    size: int
    status: ItemStatus
    remote_group_id: str | None
    last_error: str | None
    updated_at: str


@dataclass(frozen=True)
class Publication:
    """One copy of a quiz in one Canvas course; its items are the questions it holds."""

    id: str
    quiz_id: str
    engine: str
    base_url: str
    course_id: int
    title: str
    settings: dict[str, Any]
    status: PublicationStatus
    remote_quiz_id: str | None
    quiz_requested_at: str | None
    """Set just before the quiz POST: with no remote id, its outcome is unknown."""
    remote_url: str | None
    runner_pid: int | None
    last_error: str | None
    created_at: str
    updated_at: str
    finished_at: str | None
    items: list[PublicationItem] = field(default_factory=list)
    groups: list[PublicationGroup] = field(default_factory=list)
    """One per pool, in quiz order (Classic Quizzes only)."""

    @property
    def created_count(self) -> int:
        return sum(item.status == ItemStatus.CREATED for item in self.items)


class ApiJobState(StrEnum):
    """Where quizgen is with one OpenAI Batch API job (the remote status is stored beside it)."""

    PREPARED = "prepared"
    """Its requests are chosen and stored; the input file is not uploaded yet."""
    UPLOADED = "uploaded"
    """The input file is uploaded (`input_file_id`); the remote batch may not exist yet."""
    SUBMITTED = "submitted"
    """The remote batch exists (`remote_id`)."""
    COLLECTED = "collected"
    """Its results are read and recorded; nothing more to do with it."""


@dataclass(frozen=True)
class ApiJob:
    """One Batch API job: one input file, one remote batch, a share of a quiz's asks."""

    id: str
    quiz_id: str
    round: int
    state: ApiJobState
    model: str
    base_url: str | None
    request_count: int
    bytes: int
    remote_id: str | None
    input_file_id: str | None
    output_file_id: str | None
    error_file_id: str | None
    remote_status: str | None
    """The batch's status as last seen: validating, in_progress, …, completed, expired."""
    completed_count: int
    failed_count: int
    last_error: str | None
    created_at: str
    updated_at: str
    submitted_at: str | None
    finished_at: str | None


@dataclass(frozen=True)
class ApiRequest:
    """One ask of one batch sent (or to be sent) through the Batch API.

    `messages` is the conversation so far with the module content elided (restored when the
    input file is written); `progress` carries the batch's correction counters from ask to ask,
    so a killed process picks the conversation up where it was."""

    custom_id: str
    quiz_id: str
    batch_key: str
    job_id: str | None
    round: int
    open: bool
    messages: list[dict[str, str]]
    progress: dict[str, Any]
