"""Generating a quiz's batches: all of them at once, bounded, each one correcting itself.

Shape of a run:
- every unfinished batch of the quiz is leased to this run (`claim_batches_tx`, run by its writer);
- one anyio task group runs them all; a `CapacityLimiter` bounds LLM calls in flight, so
  batches wait for a slot, not for each other;
- a batch asks for what it is missing, screens every answer (type rules, citation, repeats),
  commits the accepted questions and its counters in one transaction, and asks again only for
  what is still missing — fixing malformed JSON (≤ 3 times), invalid questions (≤ 3 times) and
  short answers (≤ 3 times) with the reason sent back (`BatchRun`, in `batch.py`);
- every write goes through the run's single writer thread (`quizgen.store.writer`), which groups the
  answers of many batches into one commit and keeps SQLite off the event loop; a batch goes on
  only once its answer is committed, so a killed run loses only answers not yet stored;
- the run renews its batch leases while it is alive, so another process can tell a live run
  from a dead one (`quizgen.store.lease_alive`);
- a batch's failure is data (status + one-line `last_error`) for any exception, never one that
  cancels its siblings;
- if the run is cancelled (Ctrl-C), its end puts this run's batches back to pending (counted in
  `RunReport.released`); the questions they had committed stay.

Reuse (the Batch API mode): `RunContext.load` (`context.py`) gathers what a run shares,
`BatchRun.request` builds the next ask and `BatchRun.store_answer` screens, stores and follows
up one answer, however it was fetched.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import anyio

from quizgen import errors
from quizgen.errors import StoreError
from quizgen.generation.batch import BatchRun
from quizgen.generation.context import (
    DEFAULT_CONCURRENCY,
    BatchEvent,
    BatchOutcome,
    EventSink,
    RunContext,
)
from quizgen.generation.status import quiz_status_for
from quizgen.llm.base import LLMAdapter
from quizgen.models import Batch, BatchStatus, Quiz, QuizStatus
from quizgen.spec import stored_spec
from quizgen.store import (
    LEASE_SECONDS,
    Store,
    claim_batches_tx,
    new_id,
    renew_leases_tx,
    set_quiz_status_tx,
    settle_run_tx,
)
from quizgen.store.writer import StoreWriter


@dataclass
class RunReport:
    quiz_id: str
    run_id: str
    outcomes: list[BatchOutcome] = field(default_factory=list)
    busy: list[str] = field(default_factory=list)
    """Batches another live process is generating; this run left them alone."""
    interrupted: bool = False
    released: int = 0
    """Batches the end of the run put back to pending: those a cancelled run was still on."""

    @property
    def complete(self) -> bool:
        return not self.busy and all(o.status == BatchStatus.SUCCEEDED for o in self.outcomes)


def one_line(exc: BaseException) -> str:
    """An unexpected exception as a batch's `last_error`: one line, its type named, and
    anything shaped like an API key masked (`errors.one_line`), since the line is stored."""
    text = str(exc).strip()
    return errors.one_line(f"{type(exc).__name__}: {text}" if text else type(exc).__name__)


def load_answer_checks() -> None:
    """Import what screening an answer needs, in a worker thread while the first asks are out.

    The checks and the answer parsing are ~40 ms of imports that no ask needs; loaded before
    the first call they would add to every run's wall time, loaded at the first answer they
    would delay it. Run beside the asks they cost nothing a user waits for. The batches import
    the same module when they first screen (waiting for this import if it is still running)."""
    import quizgen.generation.answers  # noqa: F401


def stderr_notice(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr, flush=True)


async def generate(
    store: Store,
    quiz: Quiz,
    adapter: LLMAdapter,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    on_event: EventSink | None = None,
    on_notice: Callable[[str], None] | None = None,
    force: bool = False,
    run_id: str | None = None,
    verify: bool = False,
    report: RunReport | None = None,
    lease_seconds: float = LEASE_SECONDS,
) -> RunReport:
    """Run every unfinished batch of `quiz` to an end; see the module docstring.

    With `verify`, each batch's new questions are then answered from their quotes by an
    independent call and disagreements flagged (`quizgen.checks.verify`). `on_notice` hears
    one-line notices (the database is busy); the default prints them to stderr. Pass a
    `report` to read it also when the run is cancelled (`released` counts the batches the
    cancelled run put back to pending)."""
    stored_spec(quiz)  # before any claim: an unreadable snapshot changes nothing
    report = report or RunReport(quiz.id, run_id or new_id())
    async with StoreWriter(store.path, on_notice=on_notice or stderr_notice) as writer:
        claimed, busy = await writer.run(
            partial(
                claim_batches_tx,
                quiz_id=quiz.id,
                run_id=report.run_id,
                force=force,
                lease_seconds=lease_seconds,
            )
        )
        report.busy = [b.key for b in busy]
        try:
            ctx = RunContext.load(
                store,
                writer,
                quiz,
                adapter,
                report.run_id,
                concurrency=concurrency,
                emit=on_event,
                verify=verify,
            )
            ctx.outcomes = report.outcomes
            await writer.run(
                partial(set_quiz_status_tx, quiz_id=quiz.id, status=QuizStatus.GENERATING_QUESTIONS)
            )
            async with anyio.create_task_group() as leases:
                leases.start_soon(_renew_leases, ctx, lease_seconds)
                async with anyio.create_task_group() as group:
                    for batch in claimed:
                        group.start_soon(_run_batch, ctx, batch)
                    if claimed:
                        group.start_soon(_preload_answer_checks)
                leases.cancel_scope.cancel()
        finally:
            with anyio.CancelScope(shield=True):
                report.released = await writer.run(
                    partial(
                        settle_run_tx,
                        quiz_id=quiz.id,
                        run_id=report.run_id,
                        status_of=quiz_status_for,
                    )
                )
    return report


async def _preload_answer_checks() -> None:
    """`load_answer_checks` beside the first asks. Its failure is nobody's: the first answer
    imports the same module and meets the same error there, where it ends that batch failed
    with a one-line error instead of cancelling the whole run from this helper task."""
    with contextlib.suppress(Exception):
        await anyio.to_thread.run_sync(load_answer_checks)


async def _renew_leases(ctx: RunContext, lease_seconds: float) -> None:
    """Keep this run's leases alive while it runs; a killed run stops renewing, and its
    batches become takeable once the lease expires."""
    while True:
        await anyio.sleep(lease_seconds / 3)
        with contextlib.suppress(StoreError):  # busy for long: the next renewal tries again
            await ctx.writer.run(
                partial(
                    renew_leases_tx,
                    quiz_id=ctx.quiz.id,
                    run_id=ctx.run_id,
                    lease_seconds=lease_seconds,
                )
            )


async def _run_batch(ctx: RunContext, batch: Batch) -> None:
    """One batch to its end. Whatever goes wrong inside ends this batch failed (or partial)
    with a one-line error; it never cancels the siblings."""
    state = BatchRun.start(batch)
    ctx.emit(BatchEvent(batch.key, BatchStatus.RUNNING, state.generated, batch.target_count))
    try:
        while not state.done:
            await ctx.step(state)
    except Exception as exc:  # a bug or an unforeseen failure: this batch's data, not a crash
        state.error = one_line(exc)
    try:
        await state.finish(ctx)
    except Exception as exc:  # finishing failed too: the end of the run releases the lease
        error = one_line(exc)
        ctx.outcomes.append(
            BatchOutcome(batch.key, state.status, state.generated, batch.target_count, error)
        )
        return
    if ctx.verify and state.new_ids:
        try:
            await _verify(ctx, batch, state.new_ids)
        except Exception as exc:  # verification never changes the batch's outcome
            ctx.emit(
                BatchEvent(
                    batch.key,
                    state.status,
                    state.generated,
                    batch.target_count,
                    f"verification failed: {one_line(exc)}",
                )
            )


async def _verify(ctx: RunContext, batch: Batch, ids: list[str]) -> None:
    from quizgen.checks.verify import verify_batch

    wanted = set(ids)
    records = [
        q for q in ctx.store.questions(ctx.quiz.id, module_id=batch.module_id) if q.id in wanted
    ]
    await verify_batch(
        ctx.writer,
        ctx.adapter,
        ctx.limiter,
        quiz_id=ctx.quiz.id,
        language=ctx.quiz.language,
        batch_key=batch.key,
        module_id=batch.module_id,
        records=records,
    )
