"""One batch's run: its conversation with the model, its counters and its correction budget.

Each answer is screened and stored in one commit through the run's writer, then the batch asks
again only for what is still missing — fixing malformed JSON (≤ 3 times), invalid questions
(≤ 3 times) and short answers (≤ 3 times) with the reason sent back."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from functools import partial

from quizgen.errors import StoreError
from quizgen.generation import prompts
from quizgen.generation.context import BatchEvent, BatchOutcome, RunContext
from quizgen.generation.status import batch_status
from quizgen.llm.base import GenerationTask, LLMRequest, LLMResponse, Message
from quizgen.models import Batch, BatchStatus
from quizgen.questions import question_type
from quizgen.store import LLMCallRecord, NewQuestion, finish_batch_tx, record_progress_tx

MAX_JSON_CORRECTIONS = 3

MAX_VALIDATION_CORRECTIONS = 3

MAX_TOP_UPS = 3


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
        return batch_status(self.generated, self.batch.target_count)

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
        # Here, not at the top: loaded while the first asks are out (see `generation.run`).
        from quizgen.generation.answers import AnswerFormatError, answer_items, screen_items

        batch, language = self.batch, ctx.quiz.language
        try:
            items = answer_items(response)
        except AnswerFormatError as exc:
            await record_call(ctx, batch, request, response, seconds, f"malformed answer: {exc}")
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
        accepted, rejected, problems = screen_items(
            ctx.screen, batch.key, qtype, items, content, missing, self.refused
        )
        call = LLMCallRecord.of(ctx.adapter, request, response, seconds, None)
        try:
            self.new_ids += await record_progress(
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
        await record_call(ctx, self.batch, request, None, seconds, error)
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


async def record_call(
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
        await record_progress(ctx, batch, accepted=[], rejected=[], call=call)


async def record_progress(
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
