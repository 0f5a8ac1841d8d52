"""Sending a quiz's asks as Batch API jobs, in an order a killed process can always resume.

1. The asks (first asks of every unfinished batch, later the corrections and top-ups) are
   stored as `api_requests` rows — the conversation so far, with the module content elided.
2. Queued asks are grouped into jobs within the API's limits (requests and bytes per file, and
   the account's queue of enqueued tokens when it is configured: a job that does not fit
   beside those in flight waits) and the jobs stored (`prepared`), all in one transaction,
   before any upload.
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

from quizgen.batch_api.jsonl import (
    MAX_BYTES,
    MAX_REQUESTS,
    OversizeRequestError,
    estimated_tokens,
    request_line,
    split,
)
from quizgen.batch_api.remote import BatchRemote
from quizgen.errors import ConfigError
from quizgen.generation.batch import BatchRun
from quizgen.generation.context import RunContext
from quizgen.llm.base import LLMRequest, Message
from quizgen.models import (
    ApiJob,
    ApiJobState,
    ApiRequest,
    Batch,
    Quiz,
    QuizStatus,
)
from quizgen.report.cost import BATCH_PROVIDER
from quizgen.store import (
    NewApiJob,
    NewApiRequest,
    Store,
    api_lease_id,
    new_id,
    now,
    savepoint,
)

CONTENT_MARK = "{{quizgen:module-content}}"
"""Stands for the module content in stored messages; the content is stored once, with its
module, and put back when an input file is written."""
METADATA_JOB = "quizgen_job"
METADATA_QUIZ = "quizgen_quiz"


def lease_id(quiz_id: str) -> str:
    """The run id that holds a batch-mode quiz's batches from submit to the last collect; the
    store leaves a batch an unfinished job answers for to it alone (`owned_by_jobs_tx`)."""
    return api_lease_id(quiz_id)


@dataclass
class Limits:
    """How much one job holds, and how much may be queued at once."""

    max_requests: int = MAX_REQUESTS
    max_bytes: int = MAX_BYTES
    max_tokens: int | None = None
    """The account's Batch API queue for the model (input tokens enqueued at once); None: no
    limit. Jobs are sized to it, and a job waits until the quiz's jobs in flight leave room."""

    @classmethod
    def from_settings(cls) -> Limits:
        """With `QUIZGEN_BATCH_QUEUE_TOKENS` / `[openai] batch_queue_tokens` as `max_tokens`."""
        from quizgen.settings import load_settings

        return cls(max_tokens=load_settings().openai.batch_queue_tokens)


@dataclass(frozen=True)
class BatchPriced:
    """The adapter as call records name it: `openai-batch`, priced at the Batch API's rate."""

    provider: str
    model: str


class TxWriter:
    """Stands in for generation's `StoreWriter`: runs each write at once inside the caller's
    open transaction (in a savepoint, as the writer does), so one answer, its follow-up and the
    closing of its ask commit together."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    async def run(self, job: Any) -> Any:
        with savepoint(self.conn, "answer"):
            return job(self.conn)


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

    def context(self) -> RunContext:
        """Generation's context for this quiz, read from the store now: the modules, the kept
        questions (avoid lists, repeat checks). Its writer is set per answer (`TxWriter`)."""
        return RunContext.load(
            self.store,
            TxWriter(None),  # type: ignore[arg-type]  # duck-typed writer, one per answer
            self.quiz,
            BatchPriced(BATCH_PROVIDER, self.adapter.model),  # type: ignore[arg-type]
            lease_id(self.quiz.id),
        )


def restore(ctx: RunContext, batch: Batch, request: ApiRequest) -> tuple[BatchRun, LLMRequest]:
    """A batch's run as it stood when `request` was asked, and that ask, rebuilt by
    generation's own `BatchRun.request` (the module content put back into the messages)."""
    content = ctx.modules[batch.module_id].content
    progress = request.progress
    run = BatchRun(
        batch,
        batch.generated_count,
        conversation=[
            Message(m["role"], m["content"].replace(CONTENT_MARK, content))  # type: ignore[arg-type]
            for m in request.messages
        ],
        refused=list(progress.get("refused", [])),
        calls=int(progress.get("attempt", 1)) - 1,
        json_fixes=int(progress.get("json_fixes", 0)),
        validation_fixes=int(progress.get("validation_fixes", 0)),
        top_ups=int(progress.get("top_ups", 0)),
    )
    return run, run.request(ctx)


def progress_of(run: BatchRun) -> dict[str, Any]:
    """What the next ask must carry of a batch's run: its counters and refused texts."""
    return {
        "attempt": run.calls,
        "json_fixes": run.json_fixes,
        "validation_fixes": run.validation_fixes,
        "top_ups": run.top_ups,
        "resends": 0,
        "refused": list(run.refused),
    }


def elide(messages: list[Message], content: str) -> list[dict[str, str]]:
    return [
        {
            "role": m.role,
            "content": m.content.replace(content, CONTENT_MARK) if content else m.content,
        }
        for m in messages
    ]


def first_asks(session: Session, batches: list[Batch]) -> list[NewApiRequest]:
    """One first ask per batch that has none open — generation's own first ask, avoiding the
    questions already kept."""
    store, quiz = session.store, session.quiz
    waiting = {r.batch_key for r in store.api_requests(quiz.id, open_only=True)}
    needed = [b for b in batches if b.key not in waiting and b.missing > 0]
    if not needed:
        return []  # the usual case on a collect: reading the quiz's context costs time
    ctx = session.context()
    asks = []
    for batch in needed:
        run = BatchRun.start(batch)
        ask = run.request(ctx)
        asks.append(
            NewApiRequest(
                custom_id=new_id(),
                batch_key=batch.key,
                round=1,
                messages=elide(list(ask.messages), ask.task.content),
                progress=progress_of(run),
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
    unsent = [
        j
        for j in store.api_jobs(quiz.id)
        if j.state in (ApiJobState.PREPARED, ApiJobState.UPLOADED)
    ]
    if not queued and not unsent:
        return []
    ctx = session.context()
    lines = [(r.custom_id, _line(session, ctx, batches[r.batch_key], r)) for r in queued]
    rounds = {r.custom_id: r.round for r in queued}
    limits = session.limits
    try:
        groups = split(
            lines,
            max_requests=limits.max_requests,
            max_bytes=limits.max_bytes,
            max_tokens=limits.max_tokens,
        )
    except OversizeRequestError as exc:
        raise ConfigError(str(exc)) from None
    groups = _room_in_queue(session, groups)
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
            pushed.append(push(session, job, batches, ctx))
    return pushed


def _room_in_queue(
    session: Session, groups: list[list[tuple[str, bytes]]]
) -> list[list[tuple[str, bytes]]]:
    """The groups that fit the Batch API queue beside the quiz's jobs still in flight; the
    rest stay queued for a later round."""
    limit = session.limits.max_tokens
    if limit is None:
        return groups
    jobs = session.store.api_jobs(session.quiz.id)
    busy = sum(estimated_tokens(j.bytes) for j in jobs if j.state != ApiJobState.COLLECTED)
    fitting = []
    for group in groups:
        need = estimated_tokens(sum(len(line) for _, line in group))
        if busy + need > limit:
            break
        fitting.append(group)
        busy += need
    waiting = sum(len(group) for group in groups[len(fitting) :])
    if waiting:
        session.note(
            f"{waiting} request(s) wait for room in the Batch API queue "
            f"(~{busy:,} of {limit:,} tokens in flight)"
        )
    return fitting


def _line(session: Session, ctx: RunContext, batch: Batch, request: ApiRequest) -> bytes:
    """A stored ask as an input-file line: the body the synchronous adapter would send."""
    _, ask = restore(ctx, batch, request)
    return request_line(request.custom_id, session.adapter.request_body(ask))


def push(session: Session, job: ApiJob, batches: dict[str, Batch], ctx: RunContext) -> ApiJob:
    """Upload a prepared job's file and create its remote batch, storing each id at once."""
    store, quiz, remote = session.store, session.quiz, session.remote
    file_id = job.input_file_id
    found = None
    if job.state == ApiJobState.PREPARED or file_id is None:
        requests = store.api_requests(quiz.id, job_id=job.id)
        data = b"".join(_line(session, ctx, batches[r.batch_key], r) for r in requests)
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
