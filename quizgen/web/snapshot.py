"""The quiz as the page last read it, re-read only when the database changed.

Reading and parsing every question of a 1,000-question quiz costs tens of milliseconds; doing
it on every request would eat the page's 100 ms budget. So the server keeps one connection
and the parsed questions, and asks SQLite's `PRAGMA data_version` before each request: it
changes exactly when another connection (the CLI in another terminal, a second server) committed
something, and then everything is read again. The page's own writes do not change it, so every
action says which questions it changed and only those are read again.

Checking an edit for repeats needs every other kept question screened (`Screen.of`: about as
long as everything else an action does together). Opening the edit form starts that in a worker
thread, from the same cached questions, so it is ready when the reviewer saves; if the quiz
changed meanwhile, the save builds it again from the current questions.

The connection belongs to the thread that opened it (sqlite3's rule). Uvicorn runs every
request on its one event-loop thread; should a request come on another thread, that thread gets
its own connection and a fresh read.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from quizgen.checks.screen import Screen
from quizgen.content import ModuleContent, module_content
from quizgen.models import Batch, ModuleRecord, QuestionRecord, Quiz
from quizgen.review.rules import kept_rows
from quizgen.store import Store


@dataclass
class QuizState:
    """Everything the pages show, in quiz order."""

    quiz: Quiz
    records: list[QuestionRecord]
    modules: dict[str, ModuleRecord]
    batches: list[Batch]

    def record(self, question_id: str) -> QuestionRecord | None:
        for record in self.records:
            if record.id == question_id:
                return record
        return None


class Snapshot:
    def __init__(self, db: Path | None, quiz_id: str) -> None:
        self.db = db
        self.quiz_id = quiz_id
        self._store: Store | None = None
        self._thread: int | None = None
        self._version: int | None = None
        self._state: QuizState | None = None
        self._contents: dict[str, ModuleContent] = {}
        self._screens: dict[str, tuple[list[QuestionRecord], Future[Screen]]] = {}
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="quizgen-screen")

    def store(self) -> Store:
        """The connection for this thread (opened on first use)."""
        thread = threading.get_ident()
        if self._store is None or self._thread != thread:
            self._store = Store.open(self.db)
            self._thread = thread
            self._state = None
        return self._store

    def close(self) -> None:
        if self._store is not None and self._thread == threading.get_ident():
            self._store.close()
        self._store = None
        self._state = None
        self._pool.shutdown(wait=False, cancel_futures=True)

    def state(self) -> QuizState:
        """The current state: cached unless another connection changed the database."""
        store = self.store()
        version = store.data_version()
        if self._state is None or version != self._version:
            self._state = QuizState(
                store.quiz(self.quiz_id),
                store.questions(self.quiz_id, include_rejected=True),
                {m.module_id: m for m in store.modules(self.quiz_id)},
                store.batches(self.quiz_id),
            )
            self._version = version
        return self._state

    def changed(self, question_ids: Iterable[str]) -> None:
        """This server changed these questions: read just them again."""
        if self._state is None:
            return
        store = self.store()
        fresh = {qid: store.question(self.quiz_id, qid) for qid in question_ids}
        self._state.records = [fresh.get(r.id, r) for r in self._state.records]

    def content(self, module_id: str) -> ModuleContent | None:
        """The module's `ModuleContent` (built once per module and content hash)."""
        state = self.state()
        module = state.modules.get(module_id)
        if module is None:
            return None
        key = f"{module_id}:{module.sha256}"
        if key not in self._contents:
            self._contents[key] = module_content(module)
        return self._contents[key]

    def prepare_edit(self, question_id: str) -> None:
        """Start screening the quiz's other kept questions for an edit of this one."""
        records = self.state().records
        held = self._screens.get(question_id)
        if held is not None and held[0] is records:
            return
        for _records, earlier in self._screens.values():
            earlier.cancel()  # only the newest form's preparation is worth the time
        rows = kept_rows(records, question_id)
        self._screens = {question_id: (records, self._pool.submit(Screen.of, rows))}

    def edit_screen(self, question_id: str) -> Screen:
        """The screened kept questions for an edit of this one, from the current state."""
        records = self.state().records
        held = self._screens.get(question_id)
        if held is not None and held[0] is records:
            return held[1].result()
        return Screen.of(kept_rows(records, question_id))
