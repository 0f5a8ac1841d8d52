"""Generating a quiz's batches: all of them at once, bounded, each one correcting itself.

Shape of a run:
- every unfinished batch of the quiz is leased to this run (`Store.claim_batches`);
- one anyio task group runs them all; a `CapacityLimiter` bounds LLM calls in flight, so
  batches wait for a slot, not for each other;
- a batch asks for what it is missing, screens every answer (type rules, citation, repeats),
  commits the accepted questions and its counters in one transaction, and asks again only for
  what is still missing — fixing malformed JSON (≤ 3 times), invalid questions (≤ 3 times) and
  short answers (≤ 3 times) with the reason sent back;
- a batch's failure is data (status + one-line `last_error`), never an exception that cancels
  its siblings;
- if the run is cancelled (Ctrl-C), the `finally` puts this run's batches back to pending; the
  questions they had committed stay.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import anyio

from quizgen import prompts
from quizgen.content import ModuleContent, SectionSpan
from quizgen.errors import ProviderError, StoreError
from quizgen.integrity import Screen
from quizgen.llm.base import GenerationTask, LLMAdapter, LLMRequest, LLMResponse, Message
from quizgen.models import Batch, BatchStatus, ModuleRecord, Quiz, QuizStatus
from quizgen.questions import question_type
from quizgen.questions.base import Problem
from quizgen.spec import QuizSpec, stored_spec
from quizgen.store import LLMCallRecord, NewQuestion, Store, new_id

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
    """Derive the quiz's status from its batches; the batches table is the truth."""
    if batches and all(b.status == BatchStatus.SUCCEEDED for b in batches):
        return QuizStatus.READY_FOR_REVIEW
    if any(b.generated_count > 0 for b in batches):
        return QuizStatus.READY_FOR_REVIEW_PARTIAL
    if all(b.status == BatchStatus.PENDING and b.attempts == 0 for b in batches):
        return QuizStatus.CREATED
    return QuizStatus.FAILED


def module_content(record: ModuleRecord) -> ModuleContent:
    spans = tuple(SectionSpan(s["source"], s["start"], s["end"]) for s in record.spans)
    return ModuleContent(record.content, spans, record.sha256, tuple(record.warnings))


@dataclass
class _Run:
    store: Store
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
    emit: EventSink
    outcomes: list[BatchOutcome]
    verify: bool = False


async def generate(
    store: Store,
    quiz: Quiz,
    adapter: LLMAdapter,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    on_event: EventSink | None = None,
    force: bool = False,
    run_id: str | None = None,
    verify: bool = False,
) -> RunReport:
    """Run every unfinished batch of `quiz` to an end; see the module docstring.

    With `verify`, each batch's new questions are then answered from their quotes by an
    independent call and disagreements flagged (`quizgen.verification`)."""
    spec = stored_spec(quiz)  # before any claim: an unreadable snapshot changes nothing
    report = RunReport(quiz.id, run_id or new_id())
    claimed, busy = store.claim_batches(quiz.id, report.run_id, force=force)
    report.busy = [b.key for b in busy]
    modules = {m.module_id: m for m in store.modules(quiz.id)}
    kept = store.kept_questions(quiz.id)
    module_of = {b.key: b.module_id for b in store.batches(quiz.id)}
    module_texts: dict[str, list[str]] = {module_id: [] for module_id in modules}
    for key, _, data in kept:
        module_texts.setdefault(module_of.get(key, ""), []).append(data.get("question_text", ""))
    run = _Run(
        store=store,
        quiz=quiz,
        spec=spec,
        adapter=adapter,
        limiter=anyio.CapacityLimiter(max(1, concurrency)),
        screen=Screen.of(kept),
        modules=modules,
        contents={m.module_id: module_content(m) for m in modules.values()},
        module_texts=module_texts,
        text_module={t: m for m, texts in module_texts.items() for t in texts},
        run_id=report.run_id,
        emit=on_event or (lambda event: None),
        outcomes=report.outcomes,
        verify=verify,
    )
    store.set_quiz_status(quiz.id, QuizStatus.GENERATING_QUESTIONS)
    try:
        async with anyio.create_task_group() as group:
            for batch in claimed:
                group.start_soon(_run_batch, run, batch)
    finally:
        with anyio.CancelScope(shield=True):
            store.release_batches(quiz.id, report.run_id)
            batches = store.batches(quiz.id)
            status = quiz_status_for(batches)
            reason = "no_questions_generated" if status == QuizStatus.FAILED else None
            store.set_quiz_status(quiz.id, status, reason)
    return report


async def _run_batch(run: _Run, batch: Batch) -> None:
    qtype = question_type(batch.question_type)
    module = run.modules[batch.module_id]
    content = run.contents[batch.module_id]
    spec = run.spec
    generated = batch.generated_count
    run.emit(BatchEvent(batch.key, BatchStatus.RUNNING, generated, batch.target_count))
    conversation: list[Message] = []
    refused: list[str] = []  # texts rejected as repeats: the next ask must avoid them too
    new_ids: list[str] = []
    calls = json_fixes = validation_fixes = top_ups = 0
    error: str | None = None
    while generated < batch.target_count:
        missing = batch.target_count - generated
        task = GenerationTask(
            quiz_id=run.quiz.id,
            batch_key=batch.key,
            module_id=batch.module_id,
            module_name=module.name,
            question_type=batch.question_type,
            count=missing,
            language=run.quiz.language,
            content=module.content,
            difficulty=batch.difficulty or spec.difficulty,
            instructions=spec.instructions,
            avoid=_avoid(run, batch.module_id, refused),
        )
        if not conversation:
            conversation = prompts.build_messages(task)
        calls += 1
        request = LLMRequest(task, tuple(conversation), qtype.batch_schema(), attempt=calls)
        started = time.perf_counter()
        try:
            async with run.limiter:
                response = await run.adapter.complete(request)
        except ProviderError as exc:
            error = exc.message
            _record(run, batch, request, None, time.perf_counter() - started, error=error)
            break
        seconds = time.perf_counter() - started

        try:
            items = _answer_items(response)
        except AnswerFormatError as exc:
            _record(run, batch, request, response, seconds, error=f"malformed answer: {exc}")
            if response.finish_reason == "refusal":
                error = f"the model refused: {response.refusal or exc}"
                break
            if response.finish_reason == "content_filter":
                error = str(exc)
                break
            if json_fixes >= MAX_JSON_CORRECTIONS:
                error = f"malformed answer after {json_fixes} corrections: {exc}"
                break
            json_fixes += 1
            conversation += [
                Message("assistant", response.text),
                prompts.json_correction(str(exc), run.quiz.language),
            ]
            continue

        accepted, rejected, problems = _screen_items(
            run, batch, qtype, items, content, missing, refused
        )
        try:
            new_ids += run.store.record_progress(
                run.quiz.id,
                batch.key,
                run.run_id,
                accepted=accepted,
                rejected=rejected,
                call=LLMCallRecord.of(run.adapter, request, response, seconds, None),
                module_id=batch.module_id,
                question_type=batch.question_type,
            )
        except StoreError as exc:
            error = exc.message
            break
        generated += len(accepted)
        texts = [q.data["question_text"] for q in accepted]
        run.module_texts.setdefault(batch.module_id, []).extend(texts)
        run.text_module.update(dict.fromkeys(texts, batch.module_id))
        run.emit(BatchEvent(batch.key, BatchStatus.RUNNING, generated, batch.target_count))
        if generated >= batch.target_count:
            break
        still = batch.target_count - generated
        conversation.append(Message("assistant", response.text))
        if problems:
            if validation_fixes >= MAX_VALIDATION_CORRECTIONS:
                first = problems[0][1][0]
                error = (
                    f"{still} question(s) still invalid after {validation_fixes} corrections"
                    f" ({first})"
                )
                break
            validation_fixes += 1
            conversation.append(prompts.validation_correction(problems, still, run.quiz.language))
        else:
            if top_ups >= MAX_TOP_UPS:
                error = f"the model gave {generated} of {batch.target_count} questions"
                break
            top_ups += 1
            conversation.append(prompts.top_up(still, run.quiz.language))

    status = _batch_status(generated, batch.target_count)
    if status == BatchStatus.SUCCEEDED:
        error = None
    with anyio.CancelScope(shield=True):
        run.store.finish_batch(run.quiz.id, batch.key, run.run_id, status, error)
    run.outcomes.append(BatchOutcome(batch.key, status, generated, batch.target_count, error))
    run.emit(BatchEvent(batch.key, status, generated, batch.target_count, error or ""))
    if run.verify and new_ids:
        await _verify(run, batch, new_ids)


async def _verify(run: _Run, batch: Batch, ids: list[str]) -> None:
    from quizgen.verification import verify_batch

    wanted = set(ids)
    records = [
        q for q in run.store.questions(run.quiz.id, module_id=batch.module_id) if q.id in wanted
    ]
    await verify_batch(
        run.store,
        run.adapter,
        run.limiter,
        quiz_id=run.quiz.id,
        language=run.quiz.language,
        batch_key=batch.key,
        module_id=batch.module_id,
        records=records,
    )


def _avoid(run: _Run, module_id: str, refused: list[str]) -> tuple[str, ...]:
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
    run: _Run,
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


def _record(
    run: _Run,
    batch: Batch,
    request: LLMRequest,
    response: LLMResponse | None,
    seconds: float,
    *,
    error: str,
) -> None:
    """Store a call that produced no questions (a failure or a malformed answer)."""
    # A lost lease means another run holds the batch and records its own calls.
    with contextlib.suppress(StoreError):
        run.store.record_progress(
            run.quiz.id,
            batch.key,
            run.run_id,
            accepted=[],
            rejected=[],
            call=LLMCallRecord.of(run.adapter, request, response, seconds, error),
            module_id=batch.module_id,
            question_type=batch.question_type,
        )
