"""How a generation run behaves around its batches: failures as data, timing, leases, the
single writer and a busy database, cancellation."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import anyio
import pytest

from quizgen.generation.run import RunReport, generate
from quizgen.models import BatchStatus, QuizStatus
from quizgen.store import (
    NewQuestion,
    Runner,
    Store,
    claim_batches_tx,
    lease_alive,
    now,
    stamp_after,
)
from tests.fakes.scripted_llm import ScriptedAdapter, numbered_true_false
from tests.test_generation import make_quiz

pytestmark = pytest.mark.anyio


@pytest.fixture
def store(tmp_path: Path):
    opened = Store.open(tmp_path / "runtime.db")
    yield opened
    opened.close()


def modules(count: int) -> tuple[str, ...]:
    return tuple(f"m{i}" for i in range(count))


async def test_any_exception_in_one_batch_fails_that_batch_alone(store: Store) -> None:
    quiz = make_quiz(store, {"tf": 2}, modules=("a", "b", "c"))
    adapter = ScriptedAdapter(
        {"b_true_false_2": [KeyError("the adapter\nbroke")]},
        fallback=numbered_true_false(1),
        delay=0.01,
    )
    report = await generate(store, quiz, adapter)
    statuses = {b.key: (b.status, b.last_error) for b in store.batches(quiz.id)}
    assert statuses["a_true_false_2"] == (BatchStatus.SUCCEEDED, None)
    assert statuses["c_true_false_2"] == (BatchStatus.SUCCEEDED, None)
    assert statuses["b_true_false_2"] == (BatchStatus.FAILED, "KeyError: 'the adapter\\nbroke'")
    assert "\n" not in statuses["b_true_false_2"][1]
    assert not report.complete and len(report.outcomes) == 3
    assert store.quiz(quiz.id).status == QuizStatus.READY_FOR_REVIEW_PARTIAL


async def test_llm_seconds_count_the_call_not_the_wait_for_a_slot(store: Store) -> None:
    quiz = make_quiz(store, {"tf": 1}, modules=modules(12))
    adapter = ScriptedAdapter(fallback=numbered_true_false(1), delay=0.05)
    await generate(store, quiz, adapter, concurrency=1)
    seconds = [b.llm_seconds for b in store.batches(quiz.id)]
    # Timed with the wait, the last batch would count ~0.6 s and the calls ~3.9 s in all.
    assert all(0.04 <= s < 0.25 for s in seconds), seconds
    calls = [c["seconds"] for c in store.llm_calls(quiz.id)]
    assert 0.55 <= sum(calls) < 1.5, calls


def hold_leases(store: Store, quiz_id: str, runner: Runner, seconds: float = 60) -> None:
    with store._write() as tx:
        claim_batches_tx(tx, quiz_id, "elsewhere", lease_seconds=seconds, runner=runner)


async def test_a_retry_finding_every_batch_busy_says_generating(store: Store) -> None:
    quiz = make_quiz(store, {"tf": 2}, modules=("a", "b"))
    me = Runner.current()
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"]) as other:
        try:
            hold_leases(store, quiz.id, Runner(other.pid, me.host, me.boot))
            adapter = ScriptedAdapter(fallback=numbered_true_false(1))
            report = await generate(store, quiz, adapter)
        finally:
            other.kill()
    assert sorted(report.busy) == ["a_true_false_2", "b_true_false_2"]
    assert report.outcomes == [] and adapter.requests == []
    stored = store.quiz(quiz.id)
    assert (stored.status, stored.failure_reason) == (QuizStatus.GENERATING_QUESTIONS, None)


def test_a_lease_names_host_and_boot_and_expires() -> None:
    me = Runner(4242, "host-b", "boot-1")
    at = now()
    later, earlier = stamp_after(60), stamp_after(-1)
    # Two containers sharing a database, both pid 1: the other one is alive while it renews.
    assert lease_alive(1, "host-a", "boot-1", later, me=Runner(1, "host-b", "boot-1"), at=at)
    assert not lease_alive(1, "host-a", "boot-1", earlier, me=Runner(1, "host-b", "boot-1"), at=at)
    # This host booted since: whatever the pid is now, the lease's process is gone.
    import os

    assert not lease_alive(os.getppid(), "host-b", "boot-0", later, me=me, at=at)
    # A reused pid (alive, but the lease stopped being renewed) does not hold a batch.
    assert not lease_alive(os.getppid(), "host-b", "boot-1", earlier, me=me, at=at)
    assert lease_alive(os.getppid(), "host-b", "boot-1", later, me=me, at=at)


async def test_a_lease_from_another_container_blocks_until_it_expires(store: Store) -> None:
    quiz = make_quiz(store, {"tf": 2})
    me = Runner.current()
    hold_leases(store, quiz.id, Runner(me.pid, "another-container", me.boot), seconds=1.0)
    adapter = ScriptedAdapter(fallback=numbered_true_false(1))
    report = await generate(store, quiz, adapter)
    assert report.busy == ["cells_true_false_2"] and adapter.requests == []
    await anyio.sleep(1.1)
    report = await generate(store, quiz, adapter)
    assert report.complete and report.busy == []


async def test_a_live_run_renews_its_leases(store: Store) -> None:
    quiz = make_quiz(store, {"tf": 2})
    adapter = ScriptedAdapter(fallback=numbered_true_false(1), delay=1.6)
    seen: list[list] = []

    async def other_process_looks() -> None:
        for _ in range(2):
            await anyio.sleep(0.7)
            [batch] = store.batches(quiz.id)
            with store._write() as tx:
                claimed, busy = claim_batches_tx(
                    tx, quiz.id, "intruder", runner=Runner(1, "other-host", "x")
                )
            seen.append([batch.lease_expires_at, claimed, [b.key for b in busy]])

    async with anyio.create_task_group() as group:
        group.start_soon(other_process_looks)
        report = await generate(store, quiz, adapter, lease_seconds=0.6)
    assert report.complete
    (first, claimed_1, busy_1), (second, claimed_2, busy_2) = seen
    assert claimed_1 == claimed_2 == [] and busy_1 == busy_2 == ["cells_true_false_2"]
    assert second > first, "the expiry moved forward while the run was alive"


async def test_a_locked_database_neither_freezes_the_run_nor_goes_unsaid(store: Store) -> None:
    quiz = make_quiz(store, {"tf": 2}, modules=("a", "b"))
    blocker = sqlite3.connect(store.path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another command (an `approve`) holds the write lock
    notices: list[str] = []
    ticks = 0

    async def display() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await anyio.sleep(0.01)

    async def other_command_finishes() -> None:
        await anyio.sleep(1.6)
        blocker.execute("COMMIT")

    started = time.monotonic()
    async with anyio.create_task_group() as group:
        group.start_soon(display)
        group.start_soon(other_command_finishes)
        adapter = ScriptedAdapter(fallback=numbered_true_false(1))
        report = await generate(store, quiz, adapter, on_notice=notices.append)
        group.cancel_scope.cancel()
    blocker.close()
    assert report.complete
    assert time.monotonic() - started < 10
    # A loop blocked by SQLite would tick about once in the 1.6 s; a free one ~160 times.
    assert ticks >= 30, "the event loop kept running while the database was locked"
    assert any("busy" in notice for notice in notices), notices
    assert any("free again" in notice for notice in notices), notices


async def test_a_cancelled_run_counts_the_batches_it_put_back(store: Store) -> None:
    quiz = make_quiz(store, {"tf": 1}, modules=modules(6))
    adapter = ScriptedAdapter(fallback=numbered_true_false(1), delay=0.3)
    report = RunReport(quiz.id, "run-1")
    with anyio.move_on_after(0.45):
        await generate(store, quiz, adapter, concurrency=2, report=report)
    batches = store.batches(quiz.id)
    pending = [b for b in batches if b.status == BatchStatus.PENDING]
    assert [b for b in batches if b.run_id is not None] == []
    succeeded = [b for b in batches if b.status == BatchStatus.SUCCEEDED]
    assert len(pending) + len(succeeded) == 6 and pending
    assert report.released == len(pending)


async def test_a_column_added_to_questions_breaks_no_insert(store: Store) -> None:
    store.db.conn.execute("ALTER TABLE questions ADD COLUMN reviewer_note TEXT")
    quiz = make_quiz(store, {"tf": 2})
    report = await generate(store, quiz, ScriptedAdapter(fallback=numbered_true_false(1)))
    assert report.complete
    store.add_questions(quiz.id, "imported", [("cells", "true_false", NewQuestion({"x": 1}))])
    assert len(store.questions(quiz.id)) == 3


async def test_answers_of_many_batches_share_commits(store: Store) -> None:
    from quizgen.store.writer import StoreWriter

    quiz = make_quiz(store, {"tf": 1}, modules=modules(40))
    created: list[StoreWriter] = []
    original = StoreWriter.__aenter__

    async def spy(self: StoreWriter) -> StoreWriter:
        created.append(self)
        return await original(self)

    StoreWriter.__aenter__ = spy  # type: ignore[method-assign]  # observe the run's writer
    try:
        report = await generate(
            store, quiz, ScriptedAdapter(fallback=numbered_true_false(1)), concurrency=40
        )
    finally:
        StoreWriter.__aenter__ = original  # type: ignore[method-assign]
    assert report.complete
    [writer] = created
    assert writer.stats.jobs >= 80  # 40 answers and 40 batch ends, at least
    assert writer.stats.commits < writer.stats.jobs / 2


async def test_a_batch_waiting_for_a_slot_asks_to_avoid_what_others_kept_meanwhile(
    store: Store,
) -> None:
    quiz = make_quiz(store, {"tf": 2, "tf3": 3})
    adapter = ScriptedAdapter(fallback=numbered_true_false(1))
    await generate(store, quiz, adapter, concurrency=1)
    first, second = adapter.requests
    assert first.task.avoid == ()
    kept_by_first = {q.data["question_text"] for q in store.questions(quiz.id)[:2]}
    assert kept_by_first <= set(second.task.avoid)


async def test_a_writer_that_cannot_open_the_database_fails_jobs_instead_of_hanging(
    tmp_path: Path,
) -> None:
    from quizgen.errors import StoreError
    from quizgen.store.writer import StoreWriter

    with anyio.fail_after(10):
        async with StoreWriter(tmp_path / "no" / "such" / "folder.db") as writer:
            with pytest.raises(StoreError, match="cannot write"):
                await writer.run(lambda conn: conn.execute("SELECT 1"))
            with pytest.raises(StoreError, match="cannot write"):
                await writer.run(lambda conn: conn.execute("SELECT 1"))


def test_a_command_finding_the_database_locked_says_it_is_busy(store: Store) -> None:
    from quizgen.errors import StoreError

    quiz = make_quiz(store, {"tf": 2})
    store.db.conn.execute("PRAGMA busy_timeout = 100")  # instead of waiting BUSY_TIMEOUT
    blocker = sqlite3.connect(store.path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreError, match="is busy: another command"):
            store.set_quiz_status(quiz.id, QuizStatus.FAILED)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert store.quiz(quiz.id).status == QuizStatus.CREATED
