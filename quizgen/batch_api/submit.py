"""Sending a quiz's asks as Batch API jobs, in an order a killed process can always resume.

1. The asks (first asks of every unfinished batch, later the corrections and top-ups) are
   stored as `api_requests` rows — the conversation so far, with the module content elided.
2. Queued asks are grouped into jobs within the API's limits (requests and bytes per file) and
   the jobs stored (`prepared`), all in one transaction, before any upload.
3. Each prepared job's input file is written from its rows (byte for byte the same after a
   restart), uploaded, and the file id stored (`uploaded`).
4. The remote batch is created with the job's id in its metadata, and its id stored
   (`submitted`). A job found `uploaded` after a kill is first looked up by that metadata, so a
   batch created just before the kill is adopted rather than created and paid for twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from quizgen import prompts
from quizgen.batch_api.jsonl import MAX_BYTES, MAX_REQUESTS, request_line, split
from quizgen.batch_api.remote import BatchRemote
from quizgen.llm.base import GenerationTask, LLMRequest, Message
from quizgen.models import (
    ApiJob,
    ApiJobState,
    ApiRequest,
    Batch,
    BatchStatus,
    ModuleRecord,
    Quiz,
    QuizStatus,
)
from quizgen.questions import question_type
from quizgen.store import NewApiJob, NewApiRequest, Store, new_id, now

CONTENT_MARK = "{{quizgen:module-content}}"
"""Stands for the module content in stored messages; the content is stored once, with its
module, and put back when an input file is written."""
METADATA_JOB = "quizgen_job"
METADATA_QUIZ = "quizgen_quiz"


def lease_id(quiz_id: str) -> str:
    """The run id that holds a batch-mode quiz's batches from submit to the last collect."""
    return f"batch-api-{quiz_id}"


def fresh_progress() -> dict[str, Any]:
    """A batch's counters at its first ask (the same bounds as synchronous generation)."""
    return {
        "attempt": 1,
        "json_fixes": 0,
        "validation_fixes": 0,
        "top_ups": 0,
        "resends": 0,
        "refused": [],
    }


@dataclass
class Limits:
    max_requests: int = MAX_REQUESTS
    max_bytes: int = MAX_BYTES


@dataclass
class Session:
    """What submitting and collecting one quiz share."""

    store: Store
    quiz: Quiz
    adapter: Any
    """An `OpenAIAdapter`: it writes the request bodies and reads the answers, exactly as a
    synchronous run does."""
    remote: BatchRemote
    limits: Limits = field(default_factory=Limits)
    note: Callable[[str], None] = lambda text: None
    modules: dict[str, ModuleRecord] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.modules:
            self.modules = {m.module_id: m for m in self.store.modules(self.quiz.id)}

    def task(self, batch: Batch, count: int, avoid: tuple[str, ...] = ()) -> GenerationTask:
        module = self.modules[batch.module_id]
        spec = self.quiz.spec
        return GenerationTask(
            quiz_id=self.quiz.id,
            batch_key=batch.key,
            module_id=batch.module_id,
            module_name=module.name,
            question_type=batch.question_type,
            count=count,
            language=self.quiz.language,
            content=module.content,
            difficulty=batch.difficulty or spec.get("difficulty"),
            instructions=spec.get("instructions"),
            avoid=avoid,
        )

    def body(self, batch: Batch, request: ApiRequest) -> dict[str, Any]:
        """The Chat Completions body of a stored ask, as the synchronous adapter sends it."""
        content = self.modules[batch.module_id].content
        messages = tuple(
            Message(m["role"], m["content"].replace(CONTENT_MARK, content))  # type: ignore[arg-type]
            for m in request.messages
        )
        task = self.task(batch, batch.missing)
        qtype = question_type(batch.question_type)
        attempt = int(request.progress.get("attempt", 1))
        return self.adapter.request_body(
            LLMRequest(task, messages, qtype.batch_schema(), attempt=attempt)
        )


def elide(messages: list[Message], content: str) -> list[dict[str, str]]:
    return [
        {
            "role": m.role,
            "content": m.content.replace(content, CONTENT_MARK) if content else m.content,
        }
        for m in messages
    ]


def first_asks(session: Session, batches: list[Batch]) -> list[NewApiRequest]:
    """One first ask per batch that has none open, avoiding the questions already kept."""
    store, quiz = session.store, session.quiz
    waiting = {r.batch_key for r in store.api_requests(quiz.id, open_only=True)}
    module_of = {b.key: b.module_id for b in store.batches(quiz.id)}
    texts: dict[str, list[str]] = {}
    for key, _, data in store.kept_questions(quiz.id):
        texts.setdefault(module_of.get(key, ""), []).append(str(data.get("question_text", "")))
    asks = []
    for batch in batches:
        if batch.key in waiting or batch.missing == 0:
            continue
        task = session.task(batch, batch.missing, tuple(texts.get(batch.module_id, ())))
        messages = prompts.build_messages(task)
        asks.append(
            NewApiRequest(
                custom_id=new_id(),
                batch_key=batch.key,
                round=1,
                messages=elide(messages, task.content),
                progress=fresh_progress(),
            )
        )
    return asks


def submit(session: Session) -> list[ApiJob]:
    """Lease the quiz's unfinished batches, queue their first asks, and send them."""
    store, quiz = session.store, session.quiz
    claimed, _ = store.claim_batches(quiz.id, lease_id(quiz.id))
    store.queue_api_requests(quiz.id, first_asks(session, claimed))
    store.set_quiz_status(quiz.id, QuizStatus.GENERATING_QUESTIONS)
    return send_queued(session)


def send_queued(session: Session) -> list[ApiJob]:
    """Group queued asks into jobs, then push every job not yet submitted; return those jobs."""
    store, quiz = session.store, session.quiz
    batches = {b.key: b for b in store.batches(quiz.id)}
    queued = [r for r in store.api_requests(quiz.id, open_only=True) if r.job_id is None]
    lines = [
        (r.custom_id, request_line(r.custom_id, session.body(batches[r.batch_key], r)))
        for r in queued
    ]
    rounds = {r.custom_id: r.round for r in queued}
    groups = split(
        lines, max_requests=session.limits.max_requests, max_bytes=session.limits.max_bytes
    )
    jobs = [
        NewApiJob(
            id=new_id(),
            round=max(rounds[custom_id] for custom_id, _ in group),
            model=session.adapter.model,
            base_url=session.remote.base_url,
            custom_ids=[custom_id for custom_id, _ in group],
            bytes=sum(len(line) for _, line in group),
        )
        for group in groups
    ]
    if jobs:
        store.create_api_jobs(quiz.id, jobs)
    pushed = []
    for job in store.api_jobs(quiz.id):
        if job.state in (ApiJobState.PREPARED, ApiJobState.UPLOADED):
            pushed.append(push(session, job, batches))
    return pushed


def push(session: Session, job: ApiJob, batches: dict[str, Batch]) -> ApiJob:
    """Upload a prepared job's file and create its remote batch, storing each id at once."""
    store, quiz, remote = session.store, session.quiz, session.remote
    file_id = job.input_file_id
    found = None
    if job.state == ApiJobState.PREPARED or file_id is None:
        requests = store.api_requests(quiz.id, job_id=job.id)
        data = b"".join(
            request_line(r.custom_id, session.body(batches[r.batch_key], r)) for r in requests
        )
        file_id = remote.upload(data, f"quizgen-{quiz.id}-{job.id}.jsonl")
        store.update_api_job(job.id, state=ApiJobState.UPLOADED, input_file_id=file_id)
    else:
        found = remote.find(METADATA_JOB, job.id)
    remote_batch = found or remote.create(file_id, {METADATA_JOB: job.id, METADATA_QUIZ: quiz.id})
    store.update_api_job(
        job.id,
        state=ApiJobState.SUBMITTED,
        remote_id=remote_batch.id,
        remote_status=remote_batch.status,
        submitted_at=now(),
    )
    session.note(
        f"job {job.id}: {job.request_count} request(s), {job.bytes:,} bytes → batch "
        f"{remote_batch.id} ({remote_batch.status})"
    )
    return next(j for j in store.api_jobs(quiz.id) if j.id == job.id)


def unfinished(batches: list[Batch]) -> list[Batch]:
    return [b for b in batches if b.status != BatchStatus.SUCCEEDED]
