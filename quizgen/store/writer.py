"""The single writer of a generation run: one thread, one connection, many answers per commit.

Why a thread: SQLite calls block. On the event loop, a write lock held by another command (an
`approve` in a second shell) froze every batch and the progress display; here only the writer
waits, says that the database is busy, and the batches go on talking to the LLM.

Why one writer grouping jobs (group commit): every batch's answers queue up while a commit is
in flight, and the next commit takes all of them in one transaction. Each job runs inside its
own SAVEPOINT, so a job that raises (a lost lease) is rolled back alone and its caller gets the
exception; the others commit.

What a caller may rely on: `await writer.run(job)` returns once the transaction holding the job
has committed (or raises what the job raised, or `StoreError` if the commit failed). A process
killed at any instant therefore loses only answers whose `run` had not returned — exactly the
kill -9 promise of the store. Jobs run in submission order.
"""

from __future__ import annotations

import contextlib
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import anyio
import anyio.from_thread
import anyio.lowlevel
import anyio.to_thread

from quizgen.errors import StoreError

T = TypeVar("T")
Job = Callable[[sqlite3.Connection], T]

MAX_GROUP = 512
"""Jobs in one transaction at most: bounds how long one commit keeps others waiting."""
BUSY_POLL = 0.2
"""Seconds SQLite itself waits for a lock before the writer looks at the clock again."""
BUSY_NOTICE = 1.0
"""Seconds of waiting for another command's write lock before saying the database is busy."""
BUSY_LIMIT = 300.0
"""Seconds of waiting after which the jobs fail with a `StoreError` (batches end failed)."""


@dataclass
class _Pending:
    job: Job[Any]
    done: anyio.Event
    result: Any = None
    error: BaseException | None = None


@dataclass
class WriterStats:
    """Counters for benchmarks: how well commits were grouped."""

    jobs: int = 0
    commits: int = 0
    busy_seconds: float = 0.0
    notices: list[str] = field(default_factory=list)


class StoreWriter:
    """Use as `async with StoreWriter(path) as writer:`; then `await writer.run(job)`.

    `on_notice` is called on the event loop with a one-line message when the database has been
    busy for `busy_notice` seconds, and again when it is free."""

    def __init__(
        self,
        path: Path,
        *,
        on_notice: Callable[[str], None] | None = None,
        busy_notice: float = BUSY_NOTICE,
        busy_limit: float = BUSY_LIMIT,
    ) -> None:
        self.path = path
        self.on_notice = on_notice or (lambda message: None)
        self.busy_notice = busy_notice
        self.busy_limit = busy_limit
        self.stats = WriterStats()
        self._queue: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._token: anyio.lowlevel.EventLoopToken | None = None
        self._lock = threading.Lock()
        self._broken: StoreError | None = None
        """Set when the thread hit an error it cannot recover from: every job then fails
        with it at once, rather than waiting for a writer that is gone."""

    async def __aenter__(self) -> StoreWriter:
        self._token = anyio.lowlevel.current_token()
        self._thread = threading.Thread(target=self._serve, name="quizgen-writer", daemon=True)
        self._thread.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        with anyio.CancelScope(shield=True):
            await self.aclose()

    async def aclose(self) -> None:
        """Commit what is queued, then stop the thread."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._queue.put(None)
        await anyio.to_thread.run_sync(thread.join)

    async def run(self, job: Job[T]) -> T:
        """Run `job(conn)` in the writer's next transaction; return its result once committed."""
        if self._thread is None:
            raise RuntimeError("the store writer is not running")
        pending = _Pending(job, anyio.Event())
        with self._lock:
            if self._broken is not None:
                raise self._broken
            self._queue.put(pending)
        await pending.done.wait()
        if pending.error is not None:
            raise pending.error
        return pending.result  # type: ignore[no-any-return]  # job's T, erased by the queue

    # -- the thread --------------------------------------------------------------------------

    def _serve(self) -> None:
        group: list[_Pending] = []
        try:
            self._serve_jobs(group)
        except Exception as exc:  # the connection is unusable: fail every job, never hang one
            error = StoreError(f"{self.path}: cannot write ({' '.join(str(exc).split())})")
            with self._lock:
                self._broken = error
            waiting = [pending for pending in group if not pending.done.is_set()]
            while True:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is not None:
                    waiting.append(item)
            for pending in waiting:
                pending.result, pending.error = None, error
            self._call_loop(_wake, waiting)

    def _serve_jobs(self, group: list[_Pending]) -> None:
        """The writer's loop; `group` holds the jobs of the transaction in progress."""
        conn = sqlite3.connect(self.path, timeout=BUSY_POLL, isolation_level=None)
        try:
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            stop = False
            while not stop:
                first = self._queue.get()
                group.clear()
                if first is None:
                    stop = True
                else:
                    group.append(first)
                while not stop and len(group) < MAX_GROUP:
                    try:
                        item = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if item is None:
                        stop = True
                    else:
                        group.append(item)
                if group:
                    self._commit(conn, group)
                    self._call_loop(_wake, group)
        finally:
            conn.close()

    def _commit(self, conn: sqlite3.Connection, group: list[_Pending]) -> None:
        try:
            self._begin(conn)
        except StoreError as exc:
            for pending in group:
                pending.error = exc
            return
        for pending in group:
            conn.execute("SAVEPOINT job")
            try:
                pending.result = pending.job(conn)
            except Exception as exc:  # the job's own failure: its caller gets it
                conn.execute("ROLLBACK TO job")
                pending.error = exc
            conn.execute("RELEASE job")
        try:
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            error = StoreError(f"{self.path}: could not commit ({exc}); nothing of it was kept")
            for pending in group:
                pending.result, pending.error = None, error
            return
        self.stats.jobs += len(group)
        self.stats.commits += 1

    def _begin(self, conn: sqlite3.Connection) -> None:
        """BEGIN IMMEDIATE, waiting for another command's lock and saying so."""
        started = time.monotonic()
        told = False
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")
                break
            except sqlite3.OperationalError as exc:
                if exc.sqlite_errorcode not in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                    raise StoreError(f"{self.path}: {exc}") from None
                waited = time.monotonic() - started
                if waited >= self.busy_limit:
                    self.stats.busy_seconds += waited
                    raise StoreError(
                        f"the database {self.path} stayed busy for {waited:.0f} s (another "
                        "command holds its write lock); nothing of this answer was stored"
                    ) from None
                if not told and waited >= self.busy_notice:
                    told = True
                    self._notice(
                        f"the database {self.path} is busy: another command holds its write "
                        "lock; generation goes on and its answers wait to be stored"
                    )
        if told:
            waited = time.monotonic() - started
            self.stats.busy_seconds += waited
            self._notice(f"the database is free again after {waited:.1f} s; storing resumes")

    def _notice(self, message: str) -> None:
        self.stats.notices.append(message)
        self._call_loop(self.on_notice, message)

    def _call_loop(self, function: Callable[..., None], *args: Any) -> None:
        # RuntimeError: the event loop is gone (the run was torn down), so nobody waits.
        with contextlib.suppress(RuntimeError):
            anyio.from_thread.run_sync(function, *args, token=self._token)


def _wake(group: list[_Pending]) -> None:
    for pending in group:
        pending.done.set()
