"""Collecting Batch API jobs: every answer recorded exactly as a synchronous run records it.

One round (`collect_round`): finish submitting any job a killed process left half-sent; read
the state of every submitted job; for each finished one, download its output and error files
and, per ask:
- an answer (HTTP 200) goes through generation's own `BatchRun.store_answer` — parsed,
  screened, stored with its call record — and the correction or top-up it calls for is queued
  as the batch's next ask, or the batch is finished (`BatchRun.finish`);
- an ask that did not run (expired, a 5xx, a line that could not be read, no line at all) is
  queued again unchanged, at most `MAX_RESENDS` times: a failed or expired job is resubmitted
  only for its unfinished asks;
- an ask the API refused (a 4xx) ends its batch with the API's message, as synchronously;
- an ask of a cancelled job ends its batch where it stands.
Each ask's outcome — questions, call record, follow-up, the ask marked consumed — is one
transaction, so a collect killed at any instant neither loses nor repeats an answer. Then the
queued asks go out as the next job(s).
"""

from __future__ import annotations

from typing import Any

import anyio
import openai.types.chat
import pydantic

from quizgen.batch_api.jsonl import Result, parse_results
from quizgen.batch_api.remote import TERMINAL
from quizgen.batch_api.submit import (
    Session,
    TxWriter,
    elide,
    first_asks,
    lease_id,
    progress_of,
    restore,
    send_queued,
)
from quizgen.generation.batch import BatchRun
from quizgen.generation.context import RunContext
from quizgen.generation.status import quiz_status_for
from quizgen.models import ApiJob, ApiJobState, ApiRequest, Batch, BatchStatus, QuizStatus
from quizgen.store import (
    NewApiRequest,
    close_api_request_tx,
    finish_batch_tx,
    insert_api_requests_tx,
    new_id,
    now,
)

MAX_RESENDS = 3
"""Times one ask is sent again after it did not run (expiry, 5xx, unreadable line)."""


def in_flight(session: Session) -> bool:
    """Whether anything is still out: a job not collected, or an ask not yet answered."""
    store, quiz = session.store, session.quiz
    if any(job.state != ApiJobState.COLLECTED for job in store.api_jobs(quiz.id)):
        return True
    return bool(store.api_requests(quiz.id, open_only=True))


def collect_round(session: Session, *, cancel: bool = False, retry: bool = False) -> None:
    """One pass over the quiz's jobs; see the module docstring."""
    store, quiz, remote = session.store, session.quiz, session.remote
    if retry:
        claimed, _ = store.claim_batches(quiz.id, lease_id(quiz.id))
        store.queue_api_requests(quiz.id, first_asks(session, claimed))
    else:
        _requeue_orphans(session)
    if not cancel:
        send_queued(session)
    for job in store.api_jobs(quiz.id):
        if job.state != ApiJobState.SUBMITTED or job.remote_id is None:
            continue
        remote_batch = remote.retrieve(job.remote_id)
        if cancel and remote_batch.status not in TERMINAL | {"cancelling"}:
            remote_batch = remote.cancel(job.remote_id)
            session.note(f"job {job.id}: cancelling batch {job.remote_id}")
        counts = remote_batch.request_counts
        store.update_api_job(
            job.id,
            remote_status=remote_batch.status,
            completed_count=counts.completed if counts else 0,
            failed_count=counts.failed if counts else 0,
            output_file_id=remote_batch.output_file_id,
            error_file_id=remote_batch.error_file_id,
        )
        if remote_batch.status in TERMINAL:
            _collect_job(session, job, remote_batch)
    if cancel:
        _drop_queued(session)
    else:
        send_queued(session)
    settle(session)


def settle(session: Session) -> None:
    """The quiz's status from its batches, as a synchronous run leaves it."""
    batches = session.store.batches(session.quiz.id)
    status = quiz_status_for(batches)
    reason = "no_questions_generated" if status == QuizStatus.FAILED else None
    session.store.set_quiz_status(session.quiz.id, status, reason)


def _requeue_orphans(session: Session) -> None:
    """Batches this quiz's lease holds with no ask open (a kill between lease and queue) get
    their next ask again."""
    store, quiz = session.store, session.quiz
    lease = lease_id(quiz.id)
    held = [
        b for b in store.batches(quiz.id) if b.status == BatchStatus.RUNNING and b.run_id == lease
    ]
    if held:
        store.queue_api_requests(quiz.id, first_asks(session, held))


def _collect_job(session: Session, job: ApiJob, remote_batch: Any) -> None:
    remote = session.remote
    results: dict[str, Result] = {}
    problems: list[str] = []
    for file_id, kind in (
        (remote_batch.output_file_id, "output"),
        (remote_batch.error_file_id, "error"),
    ):
        if file_id:
            found, bad = parse_results(remote.content(file_id), f"batch {job.remote_id} {kind}")
            results.update(found)
            problems += bad
    for problem in problems:
        session.note(f"error: {problem}; its request is sent again")
    status = remote_batch.status
    note = None
    if status == "expired":
        note = (
            f"batch {job.remote_id} expired with {job.request_count - _answered(results)} of "
            f"{job.request_count} request(s) unfinished; they are sent again"
        )
    elif status == "failed":
        note = f"batch {job.remote_id} failed: {_validation_errors(remote_batch)}"
    elif status == "cancelled":
        note = f"batch {job.remote_id} was cancelled; its batches keep what they have"
    if note:
        session.note(f"error: {note}")
    missing = f"the job failed: {_validation_errors(remote_batch)}" if status == "failed" else ""
    anyio.run(_record_job, session, job, results, status, missing or "no result line")
    session.store.update_api_job(
        job.id, state=ApiJobState.COLLECTED, finished_at=now(), last_error=note
    )


def _answered(results: dict[str, Result]) -> int:
    return sum(result.ok for result in results.values())


def _validation_errors(remote_batch: Any) -> str:
    errors = getattr(getattr(remote_batch, "errors", None), "data", None) or []
    parts = [
        f"line {e.line}: {e.message}" if getattr(e, "line", None) else str(e.message)
        for e in errors[:3]
    ]
    return "; ".join(parts) or "no reason given"


async def _record_job(
    session: Session, job: ApiJob, results: dict[str, Result], status: str, missing: str
) -> None:
    """Record every open ask of a finished job; `missing` says why an ask has no result."""
    store, quiz = session.store, session.quiz
    ctx = session.context()
    batches = {b.key: b for b in store.batches(quiz.id)}
    stopped = status in ("cancelled", "cancelling")
    for request in store.api_requests(quiz.id, job_id=job.id, open_only=True):
        result = results.get(request.custom_id)
        await _record_one(
            session, ctx, batches[request.batch_key], request, result, stopped, missing
        )


async def _record_one(
    session: Session,
    ctx: RunContext,
    batch: Batch,
    request: ApiRequest,
    result: Result | None,
    stopped: bool,
    missing: str,
) -> None:
    """One ask's outcome, its follow-up and its closing, in one transaction."""
    store, quiz = session.store, session.quiz
    run, asked = restore(ctx, batch, request)
    response = _response(session, result) if result is not None and result.ok else None
    resends = int(request.progress.get("resends", 0))
    with store.transaction() as tx:
        if not close_api_request_tx(tx, quiz.id, request.custom_id):
            return  # an earlier collect recorded it
        if batch.run_id != lease_id(quiz.id):
            return  # another run took the batch over; it records its own answers
        ctx.writer = TxWriter(tx)  # type: ignore[assignment]
        if response is not None:
            await run.store_answer(ctx, asked, response, 0.0)
        elif stopped:
            run.error, run.done = f"batch job {request.job_id} was cancelled", True
        elif result is not None and not result.ok and not result.transient:
            await run.store_failure(ctx, asked, f"the Batch API refused it: {result.describe()}", 0)
        elif resends < MAX_RESENDS:
            again = {**request.progress, "resends": resends + 1}
            insert_api_requests_tx(
                tx, quiz.id, [_ask(request.batch_key, request.round + 1, request.messages, again)]
            )
            return
        else:
            why = result.describe() if result is not None else missing
            await run.store_failure(
                ctx, asked, f"no answer after {MAX_RESENDS + 1} sends ({why})", 0
            )
        if stopped and not run.done:
            run.error, run.done = f"batch job {request.job_id} was cancelled", True
        if run.done:
            await run.finish(ctx)
            return
        follow_up = run.request(ctx)
        messages = elide(list(follow_up.messages), follow_up.task.content)
        insert_api_requests_tx(
            tx, quiz.id, [_ask(request.batch_key, request.round + 1, messages, progress_of(run))]
        )


def _response(session: Session, result: Result) -> Any:
    """The answer as the synchronous adapter reads a completion; None if it is not one."""
    try:
        completion = openai.types.chat.ChatCompletion.model_validate(result.body)
    except pydantic.ValidationError:
        session.note(f"error: request {result.custom_id}: the response body is not a completion")
        return None
    return session.adapter.read_completion(completion)


def _ask(
    key: str, round_: int, messages: list[dict[str, str]], progress: dict[str, Any]
) -> NewApiRequest:
    return NewApiRequest(new_id(), key, round_, messages, progress)


def _drop_queued(session: Session) -> None:
    """After a cancel: asks not yet sent are not sent; their batches end where they stand."""
    store, quiz = session.store, session.quiz
    queued = [r for r in store.api_requests(quiz.id, open_only=True) if r.job_id is None]
    for request in queued:
        with store.transaction() as tx:
            if close_api_request_tx(tx, quiz.id, request.custom_id):
                batch = next(b for b in store.batches(quiz.id) if b.key == request.batch_key)
                status = BatchRun.start(batch).status
                error = None if status == BatchStatus.SUCCEEDED else "cancelled before it was sent"
                finish_batch_tx(tx, quiz.id, batch.key, lease_id(quiz.id), status, error)
