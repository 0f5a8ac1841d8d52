"""Store benchmark: 20,000 questions (1,000 answers of 20) written one commit per answer on the
event loop, and through the single writer with group commit.

    python bench/bench_store.py [--answers 1000] [--runs 3]

Both write the same rows with the same function (`record_progress_tx`): 20 questions, the
batch's counters and the call record per answer. Printed per run: wall seconds, CPU seconds
of the process, commits, and how long the event loop was blocked at most (what a progress
display would feel). No LLM and no checks: the store's own cost.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import anyio

from quizgen.models import PlannedBatch
from quizgen.store import LLMCallRecord, NewModule, NewQuestion, Store, record_progress_tx
from quizgen.store.writer import StoreWriter

PER_ANSWER = 20
CONCURRENCY = 64


def question(batch: int, index: int) -> NewQuestion:
    return NewQuestion(
        data={
            "question_text": f"Organelle {batch}-{index} keeps the cell alive.",
            "correct_answer": True,
            "explanation": "The notes say so in the second paragraph of the module.",
            "source_quote": f"Organelle {batch}-{index} keeps the cell alive.",
        },
        citation={"source": "notes.md", "start": index * 40, "end": index * 40 + 39},
    )


def call(batch: int) -> LLMCallRecord:
    return LLMCallRecord(
        1, "bench", "bench-1", "[user] " + "x" * 2000, "y" * 6000, "stop", 900, 700, 0, 0.01, None
    )


def prepared(folder: Path, answers: int) -> tuple[Store, str, list[str]]:
    store = Store.open(folder / "store.db")
    keys = [f"m{i}_true_false_{PER_ANSWER}" for i in range(answers)]
    quiz = store.create_quiz(
        title="bench",
        language="en",
        provider="bench",
        model="bench-1",
        spec_path="spec.toml",
        spec={},
        modules=[NewModule("m", "M", "text", "0" * 64, [], [])],
        batches=[PlannedBatch(key, "m", "true_false", PER_ANSWER, None) for key in keys],
    )
    store.claim_batches(quiz.id, "bench-run")
    return store, quiz.id, keys


TICK = 0.005


async def watch_loop(stop: anyio.Event, worst: list[float]) -> None:
    """The longest lateness of a 5 ms tick of the event loop: how long it was blocked."""
    while not stop.is_set():
        before = time.perf_counter()
        await anyio.sleep(TICK)
        worst[0] = max(worst[0], time.perf_counter() - before - TICK)


async def per_answer(store: Store, quiz_id: str, keys: list[str]) -> int:
    """The old way: each answer commits on the event loop, in its own transaction."""
    limiter = anyio.CapacityLimiter(CONCURRENCY)

    async def one(number: int, key: str) -> None:
        async with limiter:
            await anyio.sleep(0)
            store.record_progress(
                quiz_id,
                key,
                "bench-run",
                accepted=[question(number, i) for i in range(PER_ANSWER)],
                rejected=[],
                call=call(number),
                module_id="m",
                question_type="true_false",
            )

    async with anyio.create_task_group() as group:
        for number, key in enumerate(keys):
            group.start_soon(one, number, key)
    return len(keys)


async def grouped(store: Store, quiz_id: str, keys: list[str]) -> int:
    """The single writer: answers of many batches share a commit, off the event loop."""
    limiter = anyio.CapacityLimiter(CONCURRENCY)
    async with StoreWriter(store.path) as writer:

        async def one(number: int, key: str) -> None:
            async with limiter:
                await writer.run(
                    partial(
                        record_progress_tx,
                        quiz_id=quiz_id,
                        key=key,
                        run_id="bench-run",
                        accepted=[question(number, i) for i in range(PER_ANSWER)],
                        rejected=[],
                        call=call(number),
                        module_id="m",
                        question_type="true_false",
                    )
                )

        async with anyio.create_task_group() as group:
            for number, key in enumerate(keys):
                group.start_soon(one, number, key)
    return writer.stats.commits


def measure(way: str, answers: int) -> str:
    with tempfile.TemporaryDirectory() as folder:
        store, quiz_id, keys = prepared(Path(folder), answers)
        worst = [0.0]

        async def main() -> int:
            stop = anyio.Event()
            async with anyio.create_task_group() as group:
                group.start_soon(watch_loop, stop, worst)
                run = per_answer if way == "per-answer" else grouped
                commits = await run(store, quiz_id, keys)
                stop.set()
            return commits

        started, cpu = time.perf_counter(), time.process_time()
        commits = anyio.run(main)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        stored = len(store.questions(quiz_id))
        store.close()
    return (
        f"{way:>10}: {wall:.2f} s wall, {cpu:.2f} s CPU, {commits} commits, "
        f"{stored} questions, event loop blocked ≤ {worst[0] * 1000:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"{args.answers} answers × {PER_ANSWER} questions, {CONCURRENCY} tasks")
    for _ in range(args.runs):
        for way in ("per-answer", "grouped"):
            print(measure(way, args.answers), flush=True)


if __name__ == "__main__":
    main()
