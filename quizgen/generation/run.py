"""Generating a quiz's batches: all of them at once, bounded, each one correcting itself.

Shape of a run:
- every unfinished batch of the quiz is leased to this run (`Store.claim_batches`);
- one anyio task group runs them all; a `CapacityLimiter` bounds LLM calls in flight, so
  batches wait for a slot, not for each other;
- a batch asks for what it is missing, screens every answer (type rules, citation, repeats),
  commits the accepted questions and its counters in one transaction, and asks again only for
  what is still missing — fixing malformed JSON (≤ 3 times), invalid questions (≤ 3 times) and
  short answers (≤ 3 times) with the reason sent back (`BatchRun`);
- every write goes through the run's single writer thread (`quizgen.store.writer`), which groups the
  answers of many batches into one commit and keeps SQLite off the event loop; a batch goes on
  only once its answer is committed, so a killed run loses only answers not yet stored;
- the run renews its batch leases while it is alive, so another process can tell a live run
  from a dead one (`quizgen.store.lease_alive`);
- a batch's failure is data (status + one-line `last_error`) for any exception, never one that
  cancels its siblings;
- if the run is cancelled (Ctrl-C), its end puts this run's batches back to pending (counted in
  `RunReport.released`); the questions they had committed stay.

Reuse (the Batch API mode): `RunContext.load` gathers what a run shares, `BatchRun.request`
builds the next ask and `BatchRun.store_answer` screens, stores and follows up one answer,
however it was fetched.
"""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import anyio

from quizgen.checks.screen import Screen
from quizgen.content import ModuleContent, SectionSpan
from quizgen.errors import ProviderError, StoreError
from quizgen.generation import prompts
from quizgen.llm.base import GenerationTask, LLMAdapter, LLMRequest, LLMResponse, Message
from quizgen.models import Batch, BatchStatus, ModuleRecord, Quiz, QuizStatus
from quizgen.questions import question_type
from quizgen.questions.base import Problem
from quizgen.spec import QuizSpec, stored_spec
from quizgen.store import (
    LEASE_SECONDS,
    LLMCallRecord,
    NewQuestion,
    Store,
    batches_tx,
    claim_batches_tx,
    finish_batch_tx,
    new_id,
    record_progress_tx,
    release_batches_tx,
    renew_leases_tx,
    set_quiz_status_tx,
)
from quizgen.store.writer import StoreWriter

DEFAULT_CONCURRENCY = 8
MAX_JSON_CORRECTIONS = 3
MAX_VALIDATION_CORRECTIONS = 3
MAX_TOP_UPS = 3
SURPLUS = "surplus"


@dataclass(frozen=True)
class BatchEvent:
    """Progress of one batch, for a display: sent when it starts, gains questions, ends."""

    key: str
    status: BatchStatus
    generated: int
    target: int
    note: str = ""


EventSink = Callable[[BatchEvent], None]


@dataclass(frozen=True)
class BatchOutcome:
    key: str
    status: BatchStatus
    generated: int
    target: int
    error: str | None


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


class AnswerFormatError(ValueError):
    """An LLM answer that is not JSON holding a list of questions."""


def parse_answer(text: str) -> list[Any]:
    """The question objects in an answer: `{"questions": [...]}` or a bare list, fences allowed."""
    stripped = text.strip()
    fenced = re.fullmatch(r"```[a-zA-Z]*\s*(.*?)\s*```", stripped, flags=re.DOTALL)
    if fenced:
        stripped = fenced.group(1)
    if not stripped:
        raise AnswerFormatError("the answer was empty")
    try:
        data = json.loads(stripped)
    except json.JSONDecodeError as exc:
        raise AnswerFormatError(f"{exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    if isinstance(data, dict) and isinstance(data.get("questions"), list):
        return data["questions"]
    if isinstance(data, list):
        return data
    raise AnswerFormatError('expected an object {"questions": [...]}')


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


def module_content(record: ModuleRecord) -> ModuleContent:
    spans = tuple(SectionSpan(s["source"], s["start"], s["end"]) for s in record.spans)
    return ModuleContent(record.content, spans, record.sha256, tuple(record.warnings))


def one_line(exc: BaseException) -> str:
    """An unexpected exception as a batch's `last_error`: one line, its type named."""
    text = " ".join(str(exc).split())
    line = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return line if len(line) <= 300 else line[:297] + "..."


def stderr_notice(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr, flush=True)


@dataclass
class RunContext:
    """What every batch of one run shares: the store and its writer, the adapter and the slot
    limiter, the screen (checks compiled for the quiz) and the texts already kept."""

    store: Store
    writer: StoreWriter
    quiz: Quiz
    spec: QuizSpec
    """The spec snapshot stored at create, validated again (never the spec file)."""
    adapter: LLMAdapter
    limiter: anyio.CapacityLimiter
    screen: Screen
    modules: dict[str, ModuleRecord]
    contents: dict[str, ModuleContent]
    module_texts: dict[str, list[str]]
    text_module: dict[str, str]
    """Which module holds a kept question text: where a batch's repeats came from."""
    run_id: str
    emit: EventSink = field(default=lambda event: None)
    outcomes: list[BatchOutcome] = field(default_factory=list)
    verify: bool = False
    module_batches: dict[str, tuple[tuple[str, str, int], ...]] = field(default_factory=dict)
    """Every batch of each module (key, type, target count), for `GenerationTask.module_batches`."""

    @classmethod
    def load(
        cls,
        store: Store,
        writer: StoreWriter,
        quiz: Quiz,
        adapter: LLMAdapter,
        run_id: str,
        *,
        concurrency: int = DEFAULT_CONCURRENCY,
        emit: EventSink | None = None,
        verify: bool = False,
    ) -> RunContext:
        """Read what a run needs from the store: the spec snapshot, modules, kept questions
        (seeding the repeat checks and the avoid lists)."""
        modules = {m.module_id: m for m in store.modules(quiz.id)}
        kept = store.kept_questions(quiz.id)
        batches = store.batches(quiz.id)
        module_of = {b.key: b.module_id for b in batches}
        module_batches: dict[str, tuple[tuple[str, str, int], ...]] = {}
        for b in batches:
            module_batches[b.module_id] = (
                *module_batches.get(b.module_id, ()),
                (b.key, b.question_type, b.target_count),
            )
        module_texts: dict[str, list[str]] = {module_id: [] for module_id in modules}
        for key, _, data in kept:
            module_texts.setdefault(module_of.get(key, ""), []).append(
                data.get("question_text", "")
            )
        return cls(
            store=store,
            writer=writer,
            quiz=quiz,
            spec=stored_spec(quiz),
            adapter=adapter,
            limiter=anyio.CapacityLimiter(max(1, concurrency)),
            screen=Screen.of(kept),
            modules=modules,
            contents={m.module_id: module_content(m) for m in modules.values()},
            module_texts=module_texts,
            text_module={t: m for m, texts in module_texts.items() for t in texts},
            run_id=run_id,
            emit=emit or (lambda event: None),
            verify=verify,
            module_batches=module_batches,
        )

    async def step(self, state: BatchRun) -> None:
        """One round of a batch in a concurrency slot: build the next request, call the LLM,
        store the answer (or the failure). `llm_seconds` count the call, not the wait for the
        slot.

        The request is built once the slot is free, so its avoid list holds what other batches
        kept meanwhile and a thousand waiting batches hold no prompts; the slot is kept until
        the answer is stored, so answers waiting for the writer are bounded by the
        concurrency too."""
        async with self.limiter:
            request = state.request(self)
            started = time.perf_counter()
            try:
                response = await self.adapter.complete(request)
            except ProviderError as exc:
                await state.store_failure(self, request, exc.message, time.perf_counter() - started)
                return
            await state.store_answer(self, request, response, time.perf_counter() - started)


@dataclass
class BatchRun:
    """One batch's run in progress: its conversation, counters and correction budget.

    The loop is `request()` → an answer → `store_answer()` until `done` (`RunContext.step`
    does one round in a slot); then `finish()`.
    `store_answer` is the one place an answer is parsed, screened, stored and followed up
    (a correction or a top-up appended to the conversation), whoever fetched it."""

    batch: Batch
    generated: int
    conversation: list[Message] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    """Texts rejected as repeats: the next ask must avoid them too."""
    new_ids: list[str] = field(default_factory=list)
    calls: int = 0
    json_fixes: int = 0
    validation_fixes: int = 0
    top_ups: int = 0
    error: str | None = None
    done: bool = False

    @classmethod
    def start(cls, batch: Batch) -> BatchRun:
        return cls(batch, batch.generated_count, done=batch.generated_count >= batch.target_count)

    @property
    def missing(self) -> int:
        return max(0, self.batch.target_count - self.generated)

    @property
    def status(self) -> BatchStatus:
        return _batch_status(self.generated, self.batch.target_count)

    def request(self, ctx: RunContext) -> LLMRequest:
        """The next ask: the conversation so far, for the questions still missing."""
        batch, module = self.batch, ctx.modules[self.batch.module_id]
        task = GenerationTask(
            quiz_id=ctx.quiz.id,
            batch_key=batch.key,
            module_id=batch.module_id,
            module_name=module.name,
            question_type=batch.question_type,
            count=self.missing,
            language=ctx.quiz.language,
            content=module.content,
            difficulty=batch.difficulty or ctx.spec.difficulty,
            instructions=ctx.spec.instructions,
            avoid=_avoid(ctx, batch.module_id, self.refused),
            module_batches=ctx.module_batches.get(batch.module_id, ()),
        )
        if not self.conversation:
            self.conversation = prompts.build_messages(task)
        self.calls += 1
        schema = question_type(batch.question_type).batch_schema()
        return LLMRequest(task, tuple(self.conversation), schema, attempt=self.calls)

    async def store_answer(
        self, ctx: RunContext, request: LLMRequest, response: LLMResponse, seconds: float
    ) -> None:
        """Parse, screen and store one answer (accepted questions, rejections, the call, in one
        commit), then plan what comes next: done, or a correction / top-up to ask."""
        batch, language = self.batch, ctx.quiz.language
        try:
            items = _answer_items(response)
        except AnswerFormatError as exc:
            await _record_call(ctx, batch, request, response, seconds, f"malformed answer: {exc}")
            if response.finish_reason == "refusal":
                self._end(f"the model refused: {response.refusal or exc}")
            elif response.finish_reason == "content_filter":
                self._end(str(exc))
            elif self.json_fixes >= MAX_JSON_CORRECTIONS:
                self._end(f"malformed answer after {self.json_fixes} corrections: {exc}")
            else:
                self.json_fixes += 1
                self.conversation += [
                    Message("assistant", response.text),
                    prompts.json_correction(str(exc), language),
                ]
            return
        missing = self.missing
        qtype = question_type(batch.question_type)
        content = ctx.contents[batch.module_id]
        accepted, rejected, problems = _screen_items(
            ctx, batch, qtype, items, content, missing, self.refused
        )
        call = LLMCallRecord.of(ctx.adapter, request, response, seconds, None)
        try:
            self.new_ids += await _record_progress(
                ctx, batch, accepted=accepted, rejected=rejected, call=call
            )
        except StoreError as exc:
            self._end(exc.message)
            return
        self.generated += len(accepted)
        texts = [q.data["question_text"] for q in accepted]
        ctx.module_texts.setdefault(batch.module_id, []).extend(texts)
        ctx.text_module.update(dict.fromkeys(texts, batch.module_id))
        ctx.emit(BatchEvent(batch.key, BatchStatus.RUNNING, self.generated, batch.target_count))
        if self.missing == 0:
            self._end(None)
            return
        still = self.missing
        self.conversation.append(Message("assistant", response.text))
        if problems:
            if self.validation_fixes >= MAX_VALIDATION_CORRECTIONS:
                first = problems[0][1][0]
                self._end(
                    f"{still} question(s) still invalid after {self.validation_fixes} "
                    f"corrections ({first})"
                )
                return
            self.validation_fixes += 1
            self.conversation.append(prompts.validation_correction(problems, still, language))
        else:
            if self.top_ups >= MAX_TOP_UPS:
                self._end(f"the model gave {self.generated} of {batch.target_count} questions")
                return
            self.top_ups += 1
            self.conversation.append(prompts.top_up(still, language))

    async def store_failure(
        self, ctx: RunContext, request: LLMRequest, error: str, seconds: float
    ) -> None:
        """A call the provider gave up on: recorded, and the batch's run ends."""
        await _record_call(ctx, self.batch, request, None, seconds, error)
        self._end(error)

    async def finish(self, ctx: RunContext) -> BatchOutcome:
        """Store the batch's final status (releasing its lease) and report it."""
        status = self.status
        error = None if status == BatchStatus.SUCCEEDED else self.error
        batch = self.batch
        try:
            await ctx.writer.run(
                partial(
                    finish_batch_tx,
                    quiz_id=ctx.quiz.id,
                    key=batch.key,
                    run_id=ctx.run_id,
                    status=status,
                    last_error=error,
                )
            )
        except StoreError as exc:
            error = exc.message  # the lease stays; the end of the run puts it back to pending
        outcome = BatchOutcome(batch.key, status, self.generated, batch.target_count, error)
        ctx.outcomes.append(outcome)
        ctx.emit(BatchEvent(batch.key, status, self.generated, batch.target_count, error or ""))
        return outcome

    def _end(self, error: str | None) -> None:
        self.error = error
        self.done = True


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
                leases.cancel_scope.cancel()
        finally:
            with anyio.CancelScope(shield=True):
                report.released = await writer.run(
                    partial(_settle, quiz_id=quiz.id, run_id=report.run_id)
                )
    return report


def _settle(conn: sqlite3.Connection, *, quiz_id: str, run_id: str) -> int:
    """The end of a run, in one transaction: what it still holds goes back to pending (a
    cancelled run), and the quiz's status is derived again. Returns how many went back."""
    released = release_batches_tx(conn, quiz_id, run_id)
    status = quiz_status_for(batches_tx(conn, quiz_id))
    reason = "no_questions_generated" if status == QuizStatus.FAILED else None
    set_quiz_status_tx(conn, quiz_id, status, reason)
    return released


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


def _avoid(run: RunContext, module_id: str, refused: list[str]) -> tuple[str, ...]:
    """Question texts the next ask must not repeat: the module's own, then what this batch had
    rejected as repeats; once it has hit a repeat of another module (overlapping content), that
    module's questions too — only the modules it collided with, so the list stays short."""
    own = (*run.module_texts.get(module_id, ()), *refused)
    if not refused:
        return own
    collided = {run.text_module.get(text) for text in refused} - {module_id, None}
    others = (t for m in sorted(collided) for t in run.module_texts.get(m, ()))
    return (*own, *others)


def _answer_items(response: LLMResponse) -> list[Any]:
    if response.finish_reason == "refusal":
        raise AnswerFormatError(response.refusal or "no reason given")
    if response.finish_reason == "content_filter":
        raise AnswerFormatError("the provider's content filter stopped the answer")
    if response.finish_reason == "length":
        raise AnswerFormatError(
            "the answer was cut off at the output limit; write fewer or shorter questions"
        )
    return parse_answer(response.text)


def _screen_items(
    run: RunContext,
    batch: Batch,
    qtype: Any,
    items: list[Any],
    content: ModuleContent,
    missing: int,
    refused: list[str],
) -> tuple[list[NewQuestion], list[NewQuestion], list[tuple[int, list[Problem]]]]:
    """Screen one answer's items. A repeat's text and the text it repeats go to `refused`, so
    the next ask of this batch avoids both."""
    accepted: list[NewQuestion] = []
    rejected: list[NewQuestion] = []
    problems: list[tuple[int, list[Problem]]] = []
    for index, raw in enumerate(items, start=1):
        verdict = run.screen.screen(qtype, raw, content)
        data = raw if isinstance(raw, dict) else {"raw": raw}
        if not verdict.accepted:
            if verdict.repeats is not None:
                refused += [str(data.get("question_text", "")), verdict.repeats]
            problems.append((index, verdict.problems))
            rejected.append(
                NewQuestion(
                    data=data,
                    rejection_reasons=tuple(dict.fromkeys(p.code for p in verdict.problems)),
                    rejection_note="; ".join(p.message for p in verdict.problems)[:1000],
                    citation=verdict.citation.as_dict() if verdict.citation else None,
                )
            )
            continue
        assert verdict.question is not None
        stored = verdict.question.model_dump(mode="json")
        citation = verdict.citation.as_dict() if verdict.citation else None
        if len(accepted) >= missing:
            rejected.append(
                NewQuestion(stored, (SURPLUS,), "more questions than the batch asked for", citation)
            )
            continue
        run.screen.admit(verdict.question, batch.key)
        accepted.append(NewQuestion(stored, citation=citation, flags=verdict.flags))
    return accepted, rejected, problems


def _batch_status(generated: int, target: int) -> BatchStatus:
    if generated >= target:
        return BatchStatus.SUCCEEDED
    return BatchStatus.PARTIAL if generated > 0 else BatchStatus.FAILED


async def _record_call(
    ctx: RunContext,
    batch: Batch,
    request: LLMRequest,
    response: LLMResponse | None,
    seconds: float,
    error: str,
) -> None:
    """Store a call that produced no questions (a failure or a malformed answer)."""
    # A lost lease means another run holds the batch and records its own calls.
    with contextlib.suppress(StoreError):
        call = LLMCallRecord.of(ctx.adapter, request, response, seconds, error)
        await _record_progress(ctx, batch, accepted=[], rejected=[], call=call)


async def _record_progress(
    ctx: RunContext,
    batch: Batch,
    *,
    accepted: list[NewQuestion],
    rejected: list[NewQuestion],
    call: LLMCallRecord,
) -> list[str]:
    """One call's outcome for `batch`, written through the run's writer under its lease (see
    `record_progress_tx`); the new question ids. Both answers and failed calls come here."""
    return await ctx.writer.run(
        partial(
            record_progress_tx,
            quiz_id=ctx.quiz.id,
            key=batch.key,
            run_id=ctx.run_id,
            accepted=accepted,
            rejected=rejected,
            call=call,
            module_id=batch.module_id,
            question_type=batch.question_type,
        )
    )
