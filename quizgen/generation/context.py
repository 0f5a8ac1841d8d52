"""What every batch of one run shares (`RunContext`), and the events and outcomes a run reports."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import anyio

from quizgen.content import ModuleContent, module_content
from quizgen.errors import ProviderError
from quizgen.llm.base import LLMAdapter
from quizgen.models import BatchStatus, ModuleRecord, Quiz
from quizgen.spec import QuizSpec, stored_spec
from quizgen.store import Store
from quizgen.store.writer import StoreWriter

if TYPE_CHECKING:
    from quizgen.checks.screen import Screen
    from quizgen.generation.batch import BatchRun

DEFAULT_CONCURRENCY = 8


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
    kept: list[tuple[str, str, dict]]
    """(batch key, question type, data) of the questions the quiz kept before this run, until
    `screen` is built from them (then empty: the screen holds what it needs of them)."""
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
    _screen: Screen | None = field(default=None, repr=False)

    @property
    def screen(self) -> Screen:
        """The checks compiled for the quiz, seeded with what it kept. Built at the first
        answer, not before the first ask: the checks' modules then load while the first asks
        are out (`generation.run` imports them in a worker thread meanwhile), which is most of
        a run's start-up beyond the interpreter, typer and Pydantic."""
        if self._screen is None:
            from quizgen.checks.screen import Screen

            self._screen = Screen.of(self.kept)
            self.kept = []  # a retry's stored rows would otherwise be held for the whole run
        return self._screen

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
            kept=kept,
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
