"""The SQLite store: the only module that speaks SQL.

Why it looks like this:
- Schema changes are a list of named migration functions, applied in order and recorded in
  `_quizgen_migrations` (the simonw/llm pattern). A file without that table but with other
  tables is not ours and is refused rather than written into.
- Every write is one `BEGIN IMMEDIATE` transaction. A batch's accepted questions, its counters
  and its LLM call record are committed together, so after `kill -9` at any instant the store is
  consistent and a retry neither loses nor duplicates questions.
- A batch being generated is leased to one run: `run_id`, and the runner's pid, host and boot
  identity, with an expiry the run renews while it is alive (`LEASE_SECONDS`). Writes check the
  lease, so two runs can never both add questions to one batch. A lease is stale — and `retry`
  takes it over — when it has expired, when its host is this one but booted since, or when its
  process on this host is gone. A pid alone is not enough: pids are reused, and two containers
  sharing a database both run as pid 1. A Canvas publication being published is leased the
  same way (`claim_publication`, `renew_publication`).
- A batch waiting on an OpenAI Batch API job (`api_lease_id`, an open ask in a job that has
  not failed, expired or been cancelled, or queued for the next one) is not leased by time:
  its owner is the job, which may take 24 h, and no other run claims it (`owned_by_jobs_tx`).
- WAL mode so `quizgen status` can read while `create` writes, with `synchronous=NORMAL`: a
  commit is durable against a killed process (the promise of `retry`); a power cut or an OS
  crash can lose the last commits before the next checkpoint, never the database's consistency
  (docs/reliability.md).
- During generation every write goes through one writer thread (`quizgen.store.writer`) that groups
  many answers into one transaction; the functions it runs are the `*_tx` functions below,
  each taking the open connection. Outside generation, `Store` methods run them directly.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quizgen.content import ModuleContent
from quizgen.errors import InputError, StoreError
from quizgen.models import (
    ApiJob,
    ApiJobState,
    ApiRequest,
    Batch,
    BatchStatus,
    ItemStatus,
    ModuleRecord,
    PlannedBatch,
    Publication,
    PublicationItem,
    PublicationStatus,
    QuestionRecord,
    Quiz,
    QuizStatus,
    ReviewStatus,
)

if TYPE_CHECKING:
    from quizgen.llm.base import LLMAdapter, LLMRequest, LLMResponse

DEFAULT_DB = "quizgen.db"
MIGRATIONS_TABLE = "_quizgen_migrations"
LEASE_SECONDS = 60.0
"""How long a batch lease lasts unless renewed; a live run renews it every third of that."""
DEAD_JOB_STATUSES = ("failed", "expired", "cancelling", "cancelled")
"""Remote Batch API statuses after which a job answers nothing more it has not answered."""
BUSY_TIMEOUT = 30.0
"""Seconds a command waits for another's write lock before saying the database is busy."""


def default_db_path() -> Path:
    """`QUIZGEN_DB` if set, else ./quizgen.db — one overridable home for user data."""
    return Path(os.environ.get("QUIZGEN_DB") or DEFAULT_DB)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def new_id() -> str:
    return secrets.token_hex(6)


def stamp_after(seconds: float) -> str:
    """`now()` plus `seconds`, in the same sortable format."""
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Runner:
    """Who holds a lease: a process on a host since a boot. `current()` is this process."""

    pid: int
    host: str
    boot: str

    @classmethod
    def current(cls) -> Runner:
        return cls(os.getpid(), socket.gethostname(), _boot_id())


def _boot_id() -> str:
    """The kernel's boot id (Linux); "" elsewhere, where the expiry alone covers a reboot."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def api_lease_id(quiz_id: str) -> str:
    """The run id that holds a Batch API quiz's batches from submit to the last collect."""
    return f"batch-api-{quiz_id}"


def lease_alive(
    pid: int | None,
    host: str | None,
    boot: str | None,
    expires_at: str | None,
    *,
    me: Runner,
    at: str,
) -> bool:
    """Whether a lease (a batch's or a publication's) is held by a live run (see the module
    docstring).

    A lease without a host (written before leases had one) falls back to the pid check."""
    if pid is None:
        return False
    if expires_at is not None and expires_at <= at:
        return False
    if host is None:
        return _process_alive(pid)
    if host != me.host:
        return True  # another machine or container: only its renewals say it is alive
    if boot != me.boot:
        return False  # this host rebooted since: every process of that boot is gone
    if pid == me.pid:
        return expires_at is not None  # another run in this process, renewing its lease
    return _process_alive(pid)


# --- migrations ----------------------------------------------------------------------------

Migration = Callable[[sqlite3.Connection], None]
MIGRATIONS: list[tuple[str, Migration]] = []


def migration(function: Migration) -> Migration:
    MIGRATIONS.append((function.__name__, function))
    return function


def _run_script(conn: sqlite3.Connection, script: str) -> None:
    """Statement by statement: `executescript` would commit the surrounding transaction."""
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


@migration
def m001_initial(conn: sqlite3.Connection) -> None:
    _run_script(
        conn,
        """
        CREATE TABLE quizzes (
            id TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            status TEXT NOT NULL,
            failure_reason TEXT,
            language TEXT NOT NULL,
            provider TEXT NOT NULL,
            model TEXT NOT NULL,
            spec_path TEXT NOT NULL,
            spec TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE modules (
            quiz_id TEXT NOT NULL REFERENCES quizzes(id),
            module_id TEXT NOT NULL,
            name TEXT NOT NULL,
            content TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            chars INTEGER NOT NULL,
            spans TEXT NOT NULL,
            warnings TEXT NOT NULL,
            PRIMARY KEY (quiz_id, module_id)
        );
        CREATE TABLE batches (
            quiz_id TEXT NOT NULL REFERENCES quizzes(id),
            key TEXT NOT NULL,
            module_id TEXT NOT NULL,
            question_type TEXT NOT NULL,
            target_count INTEGER NOT NULL,
            generated_count INTEGER NOT NULL DEFAULT 0,
            rejected_count INTEGER NOT NULL DEFAULT 0,
            status TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            difficulty TEXT,
            run_id TEXT,
            runner_pid INTEGER,
            started_at TEXT,
            finished_at TEXT,
            updated_at TEXT NOT NULL,
            calls INTEGER NOT NULL DEFAULT 0,
            input_tokens INTEGER NOT NULL DEFAULT 0,
            output_tokens INTEGER NOT NULL DEFAULT 0,
            cached_tokens INTEGER NOT NULL DEFAULT 0,
            llm_seconds REAL NOT NULL DEFAULT 0,
            PRIMARY KEY (quiz_id, key)
        );
        CREATE TABLE questions (
            id TEXT PRIMARY KEY,
            quiz_id TEXT NOT NULL REFERENCES quizzes(id),
            module_id TEXT NOT NULL,
            batch_key TEXT NOT NULL,
            question_type TEXT NOT NULL,
            position INTEGER NOT NULL,
            data TEXT NOT NULL,
            review_status TEXT NOT NULL,
            rejection_reasons TEXT NOT NULL,
            rejection_note TEXT,
            citation TEXT,
            flags TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX questions_by_batch ON questions (quiz_id, batch_key, position);
        CREATE TABLE llm_calls (
            id INTEGER PRIMARY KEY,
            quiz_id TEXT NOT NULL,
            batch_key TEXT NOT NULL,
            attempt INTEGER NOT NULL,
            provider TEXT NOT NULL,
            model TEXT NOT NULL,
            prompt TEXT NOT NULL,
            response TEXT,
            finish_reason TEXT,
            input_tokens INTEGER NOT NULL DEFAULT 0,
            output_tokens INTEGER NOT NULL DEFAULT 0,
            cached_tokens INTEGER NOT NULL DEFAULT 0,
            seconds REAL NOT NULL DEFAULT 0,
            error TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX llm_calls_by_batch ON llm_calls (quiz_id, batch_key);
        """,
    )


@migration
def m002_review_history(conn: sqlite3.Connection) -> None:
    """One row per accepted edit of a question: what changed, and the whole before and after."""
    _run_script(
        conn,
        """
        CREATE TABLE question_edits (
            id INTEGER PRIMARY KEY,
            quiz_id TEXT NOT NULL,
            question_id TEXT NOT NULL REFERENCES questions(id),
            previous_status TEXT NOT NULL,
            changes TEXT NOT NULL,
            before TEXT NOT NULL,
            after TEXT NOT NULL,
            edited_at TEXT NOT NULL
        );
        CREATE INDEX question_edits_by_question ON question_edits (quiz_id, question_id)
        """,
    )


@migration
def m004_module_origin(conn: sqlite3.Connection) -> None:
    """Where each module's content came from: "local" files or "canvas"."""
    conn.execute("ALTER TABLE modules ADD COLUMN origin TEXT NOT NULL DEFAULT 'local'")


@migration
def m005_publications(conn: sqlite3.Connection) -> None:
    """Canvas publications: one row per remote copy of a quiz, one row per question in it."""
    _run_script(
        conn,
        """
        CREATE TABLE publications (
            id TEXT PRIMARY KEY,
            quiz_id TEXT NOT NULL REFERENCES quizzes(id),
            engine TEXT NOT NULL,
            base_url TEXT NOT NULL,
            course_id INTEGER NOT NULL,
            title TEXT NOT NULL,
            settings TEXT NOT NULL,
            status TEXT NOT NULL,
            remote_quiz_id TEXT,
            quiz_requested_at TEXT,
            remote_url TEXT,
            runner_pid INTEGER,
            last_error TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            finished_at TEXT
        );
        CREATE INDEX publications_by_quiz ON publications (quiz_id, created_at);
        CREATE TABLE publication_items (
            publication_id TEXT NOT NULL REFERENCES publications(id),
            question_id TEXT NOT NULL,
            position INTEGER NOT NULL,
            status TEXT NOT NULL,
            remote_item_id TEXT,
            last_error TEXT,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (publication_id, question_id)
        );
        """,
    )


@migration
def m006_batch_api(conn: sqlite3.Connection) -> None:
    """OpenAI Batch API jobs of a quiz, and every ask sent (or to be sent) through them."""
    _run_script(
        conn,
        """
        CREATE TABLE api_jobs (
            id TEXT PRIMARY KEY,
            quiz_id TEXT NOT NULL REFERENCES quizzes(id),
            round INTEGER NOT NULL,
            state TEXT NOT NULL,
            model TEXT NOT NULL,
            base_url TEXT,
            request_count INTEGER NOT NULL,
            bytes INTEGER NOT NULL,
            remote_id TEXT,
            input_file_id TEXT,
            output_file_id TEXT,
            error_file_id TEXT,
            remote_status TEXT,
            completed_count INTEGER NOT NULL DEFAULT 0,
            failed_count INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            submitted_at TEXT,
            finished_at TEXT
        );
        CREATE INDEX api_jobs_by_quiz ON api_jobs (quiz_id, created_at);
        CREATE TABLE api_requests (
            custom_id TEXT PRIMARY KEY,
            quiz_id TEXT NOT NULL REFERENCES quizzes(id),
            batch_key TEXT NOT NULL,
            job_id TEXT REFERENCES api_jobs(id),
            round INTEGER NOT NULL,
            open INTEGER NOT NULL,
            messages TEXT NOT NULL,
            progress TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX api_requests_by_quiz ON api_requests (quiz_id, open, job_id)
        """,
    )


@migration
def m007_batch_leases(conn: sqlite3.Connection) -> None:
    """A batch lease names its runner's host and boot and expires unless renewed."""
    for column in ("runner_host TEXT", "runner_boot TEXT", "lease_expires_at TEXT"):
        conn.execute(f"ALTER TABLE batches ADD COLUMN {column}")


@migration
def m008_publication_leases(conn: sqlite3.Connection) -> None:
    """A publication's lease names its publisher's host and boot and expires unless renewed,
    as a batch's does (m007): a pid alone may be another container's, or reused."""
    for column in ("runner_host TEXT", "runner_boot TEXT", "lease_expires_at TEXT"):
        conn.execute(f"ALTER TABLE publications ADD COLUMN {column}")


# --- what the generation loop hands the store ---------------------------------------------


@dataclass(frozen=True)
class NewQuestion:
    """A question about to be stored: accepted (no reasons) or rejected with reason codes."""

    data: dict[str, Any]
    rejection_reasons: tuple[str, ...] = ()
    rejection_note: str | None = None
    citation: dict[str, Any] | None = None
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class LLMCallRecord:
    attempt: int
    provider: str
    model: str
    prompt: str
    response: str | None
    finish_reason: str | None
    input_tokens: int
    output_tokens: int
    cached_tokens: int
    seconds: float
    error: str | None

    @classmethod
    def of(
        cls,
        adapter: LLMAdapter,
        request: LLMRequest,
        response: LLMResponse | None,
        seconds: float,
        error: str | None,
    ) -> LLMCallRecord:
        """The record of one call. The module content, stored once with its module, is elided
        from the prompt so a quiz's calls do not repeat it for every batch."""
        content = getattr(request.task, "content", "")
        marker = f"<module content: {len(content)} characters, stored with the module>"
        prompt = "\n\n".join(
            f"[{m.role}] {m.content.replace(content, marker) if content else m.content}"
            for m in request.messages
        )
        usage = response.usage if response else None
        return cls(
            attempt=request.attempt,
            provider=adapter.provider,
            model=response.model if response else adapter.model,
            prompt=prompt,
            response=response.text if response else None,
            finish_reason=response.finish_reason if response else None,
            input_tokens=usage.input_tokens if usage else 0,
            output_tokens=usage.output_tokens if usage else 0,
            cached_tokens=usage.cached_tokens if usage else 0,
            seconds=seconds,
            error=error,
        )


@dataclass(frozen=True)
class NewModule:
    module_id: str
    name: str
    content: str
    sha256: str
    spans: list[dict[str, Any]]
    warnings: list[str]
    origin: str = "local"

    @classmethod
    def from_content(
        cls, module_id: str, name: str, content: ModuleContent, origin: str = "local"
    ) -> NewModule:
        return cls(
            module_id=module_id,
            name=name,
            content=content.text,
            sha256=content.sha256,
            spans=[{"source": s.source, "start": s.start, "end": s.end} for s in content.spans],
            warnings=list(content.warnings),
            origin=origin,
        )


class Database:
    """The open connection. (sqlite-utils' `Database` served only this and `table_names`, and
    its import cost every command a tenth of a second of start-up.)"""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def table_names(self) -> list[str]:
        return [
            row[0]
            for row in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]


class Store:
    """quizgen's database. Open with `Store.open(path)`; close when done."""

    def __init__(self, db: Database, path: Path) -> None:
        self.db = db
        self.path = path

    @classmethod
    def open(cls, path: Path | None = None) -> Store:
        path = path or default_db_path()
        if path.is_dir():
            raise StoreError(f"{path}: is a directory, not a quizgen database")
        try:
            conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT, isolation_level=None)
            store = cls(Database(conn), path)
            store._prepare()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path}: not a quizgen database ({exc})") from None
        return store

    def close(self) -> None:
        self.db.conn.close()

    def _prepare(self) -> None:
        conn = self.db.conn
        tables = set(self.db.table_names())
        if tables and MIGRATIONS_TABLE not in tables:
            raise StoreError(
                f"{self.path}: not a quizgen database (it holds other tables: "
                f"{', '.join(sorted(tables)[:5])}); pass --db to choose another file"
            )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE}"
            " (name TEXT PRIMARY KEY, applied_at TEXT)"
        )
        applied = {row[0] for row in conn.execute(f"SELECT name FROM {MIGRATIONS_TABLE}")}
        known = {name for name, _ in MIGRATIONS}
        if applied - known:
            raise StoreError(
                f"{self.path}: made by a newer quizgen (unknown migrations: "
                f"{', '.join(sorted(applied - known))}); upgrade quizgen"
            )
        for name, step in MIGRATIONS:
            if name not in applied:
                with self._write() as tx:
                    step(tx)
                    tx.execute(
                        f"INSERT INTO {MIGRATIONS_TABLE} (name, applied_at) VALUES (?, ?)",
                        (name, now()),
                    )

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One immediate transaction: all of it lands, or none of it does.

        Waits up to `BUSY_TIMEOUT` seconds for another command's write lock, then says the
        database is busy (a `StoreError`) rather than failing with SQLite's words."""
        conn = self.db.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode not in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                raise
            raise StoreError(
                f"the database {self.path} is busy: another command has been writing it for "
                "longer than we waited; nothing was changed — try again in a moment"
            ) from None
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def _rows(self, sql: str, params: Iterable[Any] = ()) -> list[dict[str, Any]]:
        cursor = self.db.conn.execute(sql, tuple(params))
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    # --- quizzes ---------------------------------------------------------------------------

    def create_quiz(
        self,
        *,
        title: str,
        language: str,
        provider: str,
        model: str,
        spec_path: str,
        spec: dict[str, Any],
        modules: list[NewModule],
        batches: list[PlannedBatch],
    ) -> Quiz:
        """Store a quiz with its content and pending batches in one transaction."""
        quiz_id = new_id()
        stamp = now()
        with self._write() as tx:
            tx.execute(
                "INSERT INTO quizzes (id, title, status, language, provider, model, spec_path,"
                " spec, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    quiz_id,
                    title,
                    QuizStatus.CREATED,
                    language,
                    provider,
                    model,
                    spec_path,
                    json.dumps(spec),
                    stamp,
                    stamp,
                ),
            )
            tx.executemany(
                "INSERT INTO modules (quiz_id, module_id, name, content, sha256, chars, spans,"
                " warnings, origin) VALUES (?,?,?,?,?,?,?,?,?)",
                [
                    (
                        quiz_id,
                        m.module_id,
                        m.name,
                        m.content,
                        m.sha256,
                        len(m.content),
                        json.dumps(m.spans),
                        json.dumps(m.warnings),
                        m.origin,
                    )
                    for m in modules
                ],
            )
            tx.executemany(
                "INSERT INTO batches (quiz_id, key, module_id, question_type, target_count,"
                " status, difficulty, updated_at) VALUES (?,?,?,?,?,?,?,?)",
                [
                    (
                        quiz_id,
                        b.key,
                        b.module_id,
                        b.question_type,
                        b.target_count,
                        BatchStatus.PENDING,
                        b.difficulty,
                        stamp,
                    )
                    for b in batches
                ],
            )
        return self.quiz(quiz_id)

    def quiz(self, quiz_id: str) -> Quiz:
        rows = self._rows("SELECT * FROM quizzes WHERE id = ?", (quiz_id,))
        if not rows:
            raise InputError(f"no quiz with id {quiz_id!r} in {self.path}")
        return _quiz(rows[0])

    def resolve_quiz(self, reference: str) -> Quiz:
        """The quiz whose id is `reference` or starts with it; unknown or ambiguous → exit 2."""
        reference = reference.strip()
        rows = self._rows(
            "SELECT * FROM quizzes WHERE id = ? OR id LIKE ? ESCAPE '\\' ORDER BY created_at",
            (reference, _like_prefix(reference)),
        )
        exact = [row for row in rows if row["id"] == reference]
        if exact:
            return _quiz(exact[0])
        if not rows or not reference:
            raise InputError(
                f"no quiz {reference!r} in {self.path}; `quizgen list` shows the quizzes there"
            )
        if len(rows) > 1:
            ids = ", ".join(row["id"] for row in rows[:5])
            raise InputError(f"quiz id prefix {reference!r} is ambiguous: {ids}; give more of it")
        return _quiz(rows[0])

    def quizzes(self) -> list[Quiz]:
        return [_quiz(row) for row in self._rows("SELECT * FROM quizzes ORDER BY created_at")]

    def set_quiz_status(
        self, quiz_id: str, status: QuizStatus, failure_reason: str | None = None
    ) -> None:
        with self._write() as tx:
            set_quiz_status_tx(tx, quiz_id, status, failure_reason)

    def modules(self, quiz_id: str) -> list[ModuleRecord]:
        rows = self._rows("SELECT * FROM modules WHERE quiz_id = ? ORDER BY rowid", (quiz_id,))
        return [
            ModuleRecord(
                quiz_id=row["quiz_id"],
                module_id=row["module_id"],
                name=row["name"],
                content=row["content"],
                sha256=row["sha256"],
                spans=json.loads(row["spans"]),
                warnings=json.loads(row["warnings"]),
                origin=row.get("origin", "local"),
            )
            for row in rows
        ]

    # --- batches ---------------------------------------------------------------------------

    def batches(self, quiz_id: str) -> list[Batch]:
        return batches_tx(self.db.conn, quiz_id)

    def claim_batches(
        self,
        quiz_id: str,
        run_id: str,
        *,
        force: bool = False,
        lease_seconds: float = LEASE_SECONDS,
    ) -> tuple[list[Batch], list[Batch]]:
        """Lease every unfinished batch of the quiz to `run_id`; see `claim_batches_tx`."""
        with self._write() as tx:
            return claim_batches_tx(tx, quiz_id, run_id, force=force, lease_seconds=lease_seconds)

    def record_progress(
        self,
        quiz_id: str,
        key: str,
        run_id: str,
        *,
        accepted: list[NewQuestion],
        rejected: list[NewQuestion],
        call: LLMCallRecord | None,
        module_id: str,
        question_type: str,
    ) -> list[str]:
        """Commit one LLM answer's outcome for a leased batch; see `record_progress_tx`."""
        with self._write() as tx:
            return record_progress_tx(
                tx,
                quiz_id,
                key,
                run_id,
                accepted=accepted,
                rejected=rejected,
                call=call,
                module_id=module_id,
                question_type=question_type,
            )

    def release_batches(self, quiz_id: str, run_id: str) -> int:
        """Put this run's unfinished batches back to pending (Ctrl-C); their questions stay."""
        with self._write() as tx:
            return release_batches_tx(tx, quiz_id, run_id)

    # --- questions -------------------------------------------------------------------------

    def questions(
        self,
        quiz_id: str,
        *,
        module_id: str | None = None,
        question_type: str | None = None,
        review_status: ReviewStatus | None = None,
        include_rejected: bool = False,
    ) -> list[QuestionRecord]:
        """Questions in quiz order: module order, then batch order, then position."""
        where = ["q.quiz_id = ?"]
        params: list[Any] = [quiz_id]
        if module_id is not None:
            where.append("q.module_id = ?")
            params.append(module_id)
        if question_type is not None:
            where.append("q.question_type = ?")
            params.append(question_type)
        if review_status is not None:
            where.append("q.review_status = ?")
            params.append(review_status)
        elif not include_rejected:
            where.append("q.review_status != 'rejected'")
        rows = self._rows(
            "SELECT q.* FROM questions q LEFT JOIN batches b ON b.quiz_id = q.quiz_id"
            " AND b.key = q.batch_key WHERE "
            + " AND ".join(where)
            + " ORDER BY b.rowid IS NULL, b.rowid, q.position = 0, q.position, q.created_at",
            params,
        )
        return [_question(row) for row in rows]

    def question(self, quiz_id: str, reference: str) -> QuestionRecord:
        """The question whose id is `reference` or starts with it (unique prefix)."""
        rows = self._rows(
            "SELECT * FROM questions WHERE quiz_id = ? AND id LIKE ? ESCAPE '\\'",
            (quiz_id, _like_prefix(reference.strip())),
        )
        exact = [row for row in rows if row["id"] == reference.strip()]
        if exact or len(rows) == 1:
            return _question((exact or rows)[0])
        if not rows:
            raise InputError(f"no question {reference!r} in quiz {quiz_id}")
        raise InputError(f"question id prefix {reference!r} is ambiguous; give more of it")

    def set_review_status(
        self,
        quiz_id: str,
        question_ids: list[str],
        status: ReviewStatus,
        *,
        reasons: tuple[str, ...] = (),
        note: str | None = None,
    ) -> int:
        """Set the review status of questions (all in one transaction); return how many."""
        stamp = now()
        with self._write() as tx:
            cursor = tx.executemany(
                "UPDATE questions SET review_status = ?, rejection_reasons = ?,"
                " rejection_note = ?, updated_at = ? WHERE quiz_id = ? AND id = ?",
                [
                    (status, json.dumps(list(reasons)), note, stamp, quiz_id, question_id)
                    for question_id in question_ids
                ],
            )
            return cursor.rowcount

    def set_review_verdicts(
        self, quiz_id: str, verdicts: list[tuple[str, ReviewStatus, tuple[str, ...], str | None]]
    ) -> int:
        """(question id, status, reasons, note) for several questions in one transaction."""
        stamp = now()
        with self._write() as tx:
            cursor = tx.executemany(
                "UPDATE questions SET review_status = ?, rejection_reasons = ?,"
                " rejection_note = ?, updated_at = ? WHERE quiz_id = ? AND id = ?",
                [
                    (status, json.dumps(list(reasons)), note, stamp, quiz_id, question_id)
                    for question_id, status, reasons, note in verdicts
                ],
            )
            return cursor.rowcount

    def update_question_data(
        self,
        quiz_id: str,
        question_id: str,
        *,
        data: dict[str, Any],
        citation: dict[str, Any] | None,
        changes: list[dict[str, Any]],
        expected_updated_at: str,
        flags: Iterable[str] | None = None,
    ) -> QuestionRecord:
        """Store an edited (already validated) question and its history entry, atomically.

        The question goes back to pending review and loses its rejection reasons: what was
        approved or rejected is no longer what is stored. `flags`, when given, replace the
        question's flags (the checks judged the new version). Raises `InputError` when the
        question changed since `expected_updated_at` (someone else reviewed or edited it).
        """
        stamp = now()
        with self._write() as tx:
            row = tx.execute(
                "SELECT data, review_status, updated_at FROM questions"
                " WHERE quiz_id = ? AND id = ?",
                (quiz_id, question_id),
            ).fetchone()
            if row is None:
                raise InputError(f"no question {question_id!r} in quiz {quiz_id}")
            if row[2] != expected_updated_at:
                raise InputError(
                    f"question {question_id} changed while you were editing it; nothing was "
                    "saved — run the edit again"
                )
            tx.execute(
                "UPDATE questions SET data = ?, citation = ?, review_status = ?,"
                " rejection_reasons = '[]', rejection_note = NULL, updated_at = ?"
                " WHERE quiz_id = ? AND id = ?",
                (
                    json.dumps(data),
                    json.dumps(citation) if citation else None,
                    ReviewStatus.PENDING,
                    stamp,
                    quiz_id,
                    question_id,
                ),
            )
            if flags is not None:
                tx.execute(
                    "UPDATE questions SET flags = ? WHERE quiz_id = ? AND id = ?",
                    (json.dumps(list(dict.fromkeys(flags))), quiz_id, question_id),
                )
            tx.execute(
                "INSERT INTO question_edits (quiz_id, question_id, previous_status, changes,"
                " before, after, edited_at) VALUES (?,?,?,?,?,?,?)",
                (
                    quiz_id,
                    question_id,
                    row[1],
                    json.dumps(changes),
                    row[0],
                    json.dumps(data),
                    stamp,
                ),
            )
        return self.question(quiz_id, question_id)

    def question_edits(self, quiz_id: str, question_id: str | None = None) -> list[dict[str, Any]]:
        """The edit history, oldest first: {question_id, previous_status, changes, before,
        after, edited_at} with the JSON columns decoded."""
        sql = "SELECT * FROM question_edits WHERE quiz_id = ?"
        params: list[Any] = [quiz_id]
        if question_id is not None:
            sql += " AND question_id = ?"
            params.append(question_id)
        rows = self._rows(sql + " ORDER BY id", params)
        for row in rows:
            for column in ("changes", "before", "after"):
                row[column] = json.loads(row[column])
        return rows

    def kept_questions(self, quiz_id: str) -> list[tuple[str, str, dict[str, Any]]]:
        """(batch key, question type, data) of every kept question, to seed repeat detection."""
        rows = self.db.conn.execute(
            "SELECT batch_key, question_type, data FROM questions"
            " WHERE quiz_id = ? AND review_status != 'rejected' ORDER BY created_at, rowid",
            (quiz_id,),
        ).fetchall()
        return [(row[0], row[1], json.loads(row[2])) for row in rows]

    def question_counts(self, quiz_id: str) -> dict[str, dict[str, Any]]:
        """Per batch key: kept questions, rejections by reason code and flags by code.

        Covers every batch key questions were stored under, including imports (no batch row)."""
        counts: dict[str, dict[str, Any]] = {}

        def entry(key: str) -> dict[str, Any]:
            return counts.setdefault(key, {"kept": 0, "rejections": {}, "flags": {}})

        for key, kept in self.db.conn.execute(
            "SELECT batch_key, count(*) FROM questions WHERE quiz_id = ?"
            " AND review_status != 'rejected' GROUP BY batch_key",
            (quiz_id,),
        ):
            entry(key)["kept"] = kept
        for column, status, name in (
            ("rejection_reasons", "=", "rejections"),
            ("flags", "!=", "flags"),
        ):
            for key, code, number in self.db.conn.execute(
                f"SELECT q.batch_key, j.value, count(*) FROM questions q, json_each(q.{column}) j"
                f" WHERE q.quiz_id = ? AND q.review_status {status} 'rejected'"
                " GROUP BY q.batch_key, j.value ORDER BY q.batch_key, j.value",
                (quiz_id,),
            ):
                entry(key)[name][code] = number
        return counts

    def add_questions(
        self, quiz_id: str, batch_key: str, questions: list[tuple[str, str, NewQuestion]]
    ) -> list[str]:
        """Store (module id, question type, question) rows under one batch key that has no
        batch row (an import), in one transaction; kept ones are numbered 1..n. Returns ids."""
        stamp = now()
        ids: list[str] = []
        records = []
        position = 0
        for module_id, question_type, question in questions:
            ids.append(new_id())
            kept = not question.rejection_reasons
            position += kept
            records.append(
                _question_row(
                    ids[-1],
                    quiz_id,
                    module_id,
                    batch_key,
                    question_type,
                    position if kept else 0,
                    question,
                    stamp,
                )
            )
        with self._write() as tx:
            tx.executemany(INSERT_QUESTION, records)
        return ids

    def llm_calls(self, quiz_id: str, batch_key: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT * FROM llm_calls WHERE quiz_id = ?"
        params: list[Any] = [quiz_id]
        if batch_key is not None:
            sql += " AND batch_key = ?"
            params.append(batch_key)
        return self._rows(sql + " ORDER BY id", params)

    def usage_by_model(self, quiz_id: str) -> list[dict[str, Any]]:
        """Tokens per (batch, provider, model) summed over the recorded calls: what costs use."""
        return self._rows(
            "SELECT batch_key, provider, model, SUM(input_tokens) AS input_tokens,"
            " SUM(cached_tokens) AS cached_tokens, SUM(output_tokens) AS output_tokens"
            " FROM llm_calls WHERE quiz_id = ? GROUP BY batch_key, provider, model"
            " ORDER BY MIN(id)",
            (quiz_id,),
        )

    # --- OpenAI Batch API jobs -------------------------------------------------------------

    def queue_api_requests(self, quiz_id: str, requests: list[NewApiRequest]) -> None:
        """Store asks waiting for a Batch API job, all or none."""
        with self._write() as tx:
            insert_api_requests_tx(tx, quiz_id, requests)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One immediate transaction for a caller composing `*_tx` functions: the Batch API's
        collect commits an answer, the ask that follows it and its request's closing together,
        so a killed collect neither loses nor repeats an answer."""
        with self._write() as tx:
            yield tx

    def create_api_jobs(self, quiz_id: str, jobs: list[NewApiJob]) -> None:
        """Store new jobs and give each its (queued) requests, in one transaction — before
        anything is uploaded, so a killed process finds every job and carries on."""
        stamp = now()
        with self._write() as tx:
            for job in jobs:
                tx.execute(
                    "INSERT INTO api_jobs (id, quiz_id, round, state, model, base_url,"
                    " request_count, bytes, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (
                        job.id,
                        quiz_id,
                        job.round,
                        ApiJobState.PREPARED,
                        job.model,
                        job.base_url,
                        len(job.custom_ids),
                        job.bytes,
                        stamp,
                        stamp,
                    ),
                )
                tx.executemany(
                    "UPDATE api_requests SET job_id = ?, updated_at = ?"
                    " WHERE quiz_id = ? AND custom_id = ? AND job_id IS NULL",
                    [(job.id, stamp, quiz_id, custom_id) for custom_id in job.custom_ids],
                )

    def update_api_job(self, job_id: str, **fields: Any) -> None:
        """Record what is known about a job as soon as it is known (ids, remote status)."""
        unknown = set(fields) - API_JOB_FIELDS
        if unknown:
            raise ValueError(f"not api_jobs fields: {sorted(unknown)}")
        fields["updated_at"] = now()
        columns = ", ".join(f"{name} = ?" for name in fields)
        with self._write() as tx:
            tx.execute(f"UPDATE api_jobs SET {columns} WHERE id = ?", (*fields.values(), job_id))

    def api_jobs(self, quiz_id: str) -> list[ApiJob]:
        rows = self._rows(
            "SELECT * FROM api_jobs WHERE quiz_id = ? ORDER BY created_at, rowid", (quiz_id,)
        )
        return [_api_job(row) for row in rows]

    def api_requests(
        self, quiz_id: str, *, job_id: str | None = None, open_only: bool = False
    ) -> list[ApiRequest]:
        sql = "SELECT * FROM api_requests WHERE quiz_id = ?"
        params: list[Any] = [quiz_id]
        if job_id is not None:
            sql += " AND job_id = ?"
            params.append(job_id)
        if open_only:
            sql += " AND open = 1"
        return [_api_request(row) for row in self._rows(sql + " ORDER BY rowid", params)]

    # --- publications ----------------------------------------------------------------------

    def create_publication(
        self,
        *,
        quiz_id: str,
        engine: str,
        base_url: str,
        course_id: int,
        title: str,
        settings: dict[str, Any],
        question_ids: list[str],
    ) -> Publication:
        """Store a publication and its items (positions 1..n, all pending) before any request."""
        publication_id = new_id()
        stamp = now()
        with self._write() as tx:
            tx.execute(
                "INSERT INTO publications (id, quiz_id, engine, base_url, course_id, title,"
                " settings, status, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    publication_id,
                    quiz_id,
                    engine,
                    base_url,
                    course_id,
                    title,
                    json.dumps(settings),
                    PublicationStatus.IN_PROGRESS,
                    stamp,
                    stamp,
                ),
            )
            tx.executemany(
                "INSERT INTO publication_items (publication_id, question_id, position, status,"
                " updated_at) VALUES (?,?,?,?,?)",
                [
                    (publication_id, question_id, position, ItemStatus.PENDING, stamp)
                    for position, question_id in enumerate(question_ids, start=1)
                ],
            )
        return self.publication(publication_id)

    def publication(self, publication_id: str) -> Publication:
        rows = self._rows("SELECT * FROM publications WHERE id = ?", (publication_id,))
        if not rows:
            raise InputError(f"no publication {publication_id!r} in {self.path}")
        items = self._rows(
            "SELECT * FROM publication_items WHERE publication_id = ? ORDER BY position",
            (publication_id,),
        )
        return _publication(rows[0], items)

    def publications(self, quiz_id: str) -> list[Publication]:
        """Every publication of a quiz, oldest first."""
        rows = self._rows(
            "SELECT id FROM publications WHERE quiz_id = ? ORDER BY created_at, rowid", (quiz_id,)
        )
        return [self.publication(row["id"]) for row in rows]

    def claim_publication(
        self,
        publication_id: str,
        *,
        lease_seconds: float = LEASE_SECONDS,
        runner: Runner | None = None,
    ) -> Runner | None:
        """Lease a publication to this process until renewed (`renew_publication`); return its
        holder instead when that lease is alive (`lease_alive`, as for batches: nothing changed
        then). A holder that was killed, rebooted or stopped renewing is taken over."""
        me = runner or Runner.current()
        with self._write() as tx:
            row = tx.execute(
                "SELECT runner_pid, runner_host, runner_boot, lease_expires_at FROM publications"
                " WHERE id = ?",
                (publication_id,),
            ).fetchone()
            stamp = now()
            if row is not None and lease_alive(*row, me=me, at=stamp):
                return Runner(int(row[0]), row[1] or me.host, row[2] or "")
            tx.execute(
                "UPDATE publications SET runner_pid = ?, runner_host = ?, runner_boot = ?,"
                " lease_expires_at = ?, updated_at = ? WHERE id = ?",
                (me.pid, me.host, me.boot, stamp_after(lease_seconds), stamp, publication_id),
            )
        return None

    def renew_publication(
        self,
        publication_id: str,
        *,
        lease_seconds: float = LEASE_SECONDS,
        runner: Runner | None = None,
    ) -> bool:
        """Push this process's lease on a publication `lease_seconds` ahead; False if it no
        longer holds it."""
        me = runner or Runner.current()
        with self._write() as tx:
            cursor = tx.execute(
                "UPDATE publications SET lease_expires_at = ? WHERE id = ? AND runner_pid = ?"
                " AND runner_host = ? AND runner_boot = ?",
                (stamp_after(lease_seconds), publication_id, me.pid, me.host, me.boot),
            )
        return cursor.rowcount == 1

    def release_publication(self, publication_id: str, *, runner: Runner | None = None) -> None:
        me = runner or Runner.current()
        with self._write() as tx:
            tx.execute(
                "UPDATE publications SET runner_pid = NULL, runner_host = NULL,"
                " runner_boot = NULL, lease_expires_at = NULL WHERE id = ? AND runner_pid = ?"
                " AND runner_host = ? AND runner_boot = ?",
                (publication_id, me.pid, me.host, me.boot),
            )

    def mark_quiz_requested(self, publication_id: str) -> None:
        """Written just before the quiz POST: from now on its outcome must be looked up."""
        stamp = now()
        with self._write() as tx:
            tx.execute(
                "UPDATE publications SET quiz_requested_at = ?, updated_at = ? WHERE id = ?",
                (stamp, stamp, publication_id),
            )

    def set_remote_quiz(self, publication_id: str, remote_quiz_id: str, remote_url: str) -> None:
        with self._write() as tx:
            tx.execute(
                "UPDATE publications SET remote_quiz_id = ?, remote_url = ?, updated_at = ?"
                " WHERE id = ?",
                (remote_quiz_id, remote_url, now(), publication_id),
            )

    def remote_quiz_ids(self, base_url: str, course_id: int) -> set[str]:
        """Remote quizzes some publication already owns (never adopted by another)."""
        rows = self.db.conn.execute(
            "SELECT remote_quiz_id FROM publications WHERE base_url = ? AND course_id = ?"
            " AND remote_quiz_id IS NOT NULL",
            (base_url, course_id),
        ).fetchall()
        return {row[0] for row in rows}

    def record_item(
        self,
        publication_id: str,
        question_id: str,
        status: ItemStatus,
        *,
        remote_item_id: str | None = None,
        error: str | None = None,
    ) -> None:
        """One item's outcome, in its own transaction, the moment it is known."""
        with self._write() as tx:
            tx.execute(
                "UPDATE publication_items SET status = ?, remote_item_id = ?, last_error = ?,"
                " updated_at = ? WHERE publication_id = ? AND question_id = ?",
                (status, remote_item_id, error, now(), publication_id, question_id),
            )

    def finish_publication(
        self, publication_id: str, status: PublicationStatus, last_error: str | None
    ) -> None:
        stamp = now()
        with self._write() as tx:
            tx.execute(
                "UPDATE publications SET status = ?, last_error = ?, updated_at = ?,"
                " finished_at = ? WHERE id = ?",
                (status, last_error, stamp, stamp, publication_id),
            )


# --- batch writes: functions of an open transaction ---------------------------------------
# `Store` methods run them in their own transaction; a generation run hands them to its single
# writer (`quizgen.store.writer`), which runs many in one transaction (group commit).


def batches_tx(conn: sqlite3.Connection, quiz_id: str) -> list[Batch]:
    """The quiz's batches in plan order, read through `conn`."""
    cursor = conn.execute("SELECT * FROM batches WHERE quiz_id = ? ORDER BY rowid", (quiz_id,))
    names = [column[0] for column in cursor.description]
    return [_batch(dict(zip(names, row, strict=True))) for row in cursor.fetchall()]


def claim_batches_tx(
    conn: sqlite3.Connection,
    quiz_id: str,
    run_id: str,
    *,
    force: bool = False,
    lease_seconds: float = LEASE_SECONDS,
    runner: Runner | None = None,
) -> tuple[list[Batch], list[Batch]]:
    """Lease every unfinished batch of the quiz to `run_id` (this process) until renewed.

    Unfinished: pending, failed, partial, and running whose lease is stale (`lease_alive`).
    A batch running under a live lease, or waiting on a Batch API job for another run id
    (`owned_by_jobs_tx`), is left alone (returned second) unless `force`.
    Succeeded batches are never touched.
    """
    me = runner or Runner.current()
    stamp = now()
    expires = stamp_after(lease_seconds)
    claimed: list[str] = []
    busy: list[Batch] = []
    api_lease = api_lease_id(quiz_id)
    owned = owned_by_jobs_tx(conn, quiz_id) if run_id != api_lease else set()
    for batch in batches_tx(conn, quiz_id):
        if batch.status == BatchStatus.SUCCEEDED:
            continue
        if (
            batch.status == BatchStatus.RUNNING
            and not force
            and (
                (batch.run_id == api_lease and batch.key in owned)
                or lease_alive(
                    batch.runner_pid,
                    batch.runner_host,
                    batch.runner_boot,
                    batch.lease_expires_at,
                    me=me,
                    at=stamp,
                )
            )
        ):
            busy.append(batch)
            continue
        conn.execute(
            "UPDATE batches SET status = ?, run_id = ?, runner_pid = ?, runner_host = ?,"
            " runner_boot = ?, lease_expires_at = ?, started_at = ?, updated_at = ?"
            " WHERE quiz_id = ? AND key = ?",
            (
                BatchStatus.RUNNING,
                run_id,
                me.pid,
                me.host,
                me.boot,
                expires,
                stamp,
                stamp,
                quiz_id,
                batch.key,
            ),
        )
        claimed.append(batch.key)
    by_key = {b.key: b for b in batches_tx(conn, quiz_id)}
    return [by_key[key] for key in claimed], busy


def owned_by_jobs_tx(conn: sqlite3.Connection, quiz_id: str) -> set[str]:
    """Keys of the batches a Batch API job still answers for: an open ask queued for the next
    job, or in a job not collected whose remote status is not one of `DEAD_JOB_STATUSES`."""
    marks = ", ".join("?" for _ in DEAD_JOB_STATUSES)
    rows = conn.execute(
        "SELECT DISTINCT r.batch_key FROM api_requests r LEFT JOIN api_jobs j ON j.id = r.job_id"
        " WHERE r.quiz_id = ? AND r.open = 1 AND (r.job_id IS NULL OR (j.state != ?"
        f" AND COALESCE(j.remote_status, '') NOT IN ({marks})))",
        (quiz_id, ApiJobState.COLLECTED, *DEAD_JOB_STATUSES),
    ).fetchall()
    return {row[0] for row in rows}


def renew_leases_tx(
    conn: sqlite3.Connection, quiz_id: str, run_id: str, lease_seconds: float = LEASE_SECONDS
) -> int:
    """Push the expiry of this run's leases `lease_seconds` ahead; return how many it holds."""
    cursor = conn.execute(
        "UPDATE batches SET lease_expires_at = ? WHERE quiz_id = ? AND run_id = ?",
        (stamp_after(lease_seconds), quiz_id, run_id),
    )
    return cursor.rowcount


def record_progress_tx(
    conn: sqlite3.Connection,
    quiz_id: str,
    key: str,
    run_id: str,
    *,
    accepted: list[NewQuestion],
    rejected: list[NewQuestion],
    call: LLMCallRecord | None,
    module_id: str,
    question_type: str,
) -> list[str]:
    """Write one LLM answer's outcome for a leased batch: its questions (accepted ones numbered
    after the batch's last), counters and call record; return the new ids.

    Raises `StoreError` when the lease was lost (another run took the batch over); the caller's
    transaction (or savepoint) must then be rolled back, so nothing is written.
    """
    stamp = now()
    ids: list[str] = []
    row = conn.execute(
        "SELECT generated_count FROM batches WHERE quiz_id = ? AND key = ? AND run_id = ?",
        (quiz_id, key, run_id),
    ).fetchone()
    if row is None:
        raise StoreError(f"batch {key} was taken over by another run; stopped writing it")
    position = row[0]
    records = []
    for question in accepted:
        position += 1
        ids.append(new_id())
        row = _question_row(
            ids[-1], quiz_id, module_id, key, question_type, position, question, stamp
        )
        records.append(row)
    for question in rejected:
        records.append(
            _question_row(new_id(), quiz_id, module_id, key, question_type, 0, question, stamp)
        )
    if records:
        conn.executemany(INSERT_QUESTION, records)
    usage = (
        (0, 0, 0, 0.0, 0)
        if call is None
        else (call.input_tokens, call.output_tokens, call.cached_tokens, call.seconds, 1)
    )
    conn.execute(
        "UPDATE batches SET generated_count = ?, rejected_count = rejected_count + ?,"
        " input_tokens = input_tokens + ?, output_tokens = output_tokens + ?,"
        " cached_tokens = cached_tokens + ?, llm_seconds = llm_seconds + ?,"
        " calls = calls + ?, updated_at = ? WHERE quiz_id = ? AND key = ?",
        (position, len(rejected), *usage, stamp, quiz_id, key),
    )
    if call is not None:
        _insert_call(conn, quiz_id, key, call, stamp)
    return ids


def finish_batch_tx(
    conn: sqlite3.Connection,
    quiz_id: str,
    key: str,
    run_id: str,
    status: BatchStatus,
    last_error: str | None,
) -> None:
    """End a run of a batch: final status, one more attempt, lease released."""
    stamp = now()
    conn.execute(
        "UPDATE batches SET status = ?, last_error = ?, attempts = attempts + 1,"
        " run_id = NULL, runner_pid = NULL, runner_host = NULL, runner_boot = NULL,"
        " lease_expires_at = NULL, finished_at = ?, updated_at = ?"
        " WHERE quiz_id = ? AND key = ? AND run_id = ?",
        (status, last_error, stamp, stamp, quiz_id, key, run_id),
    )


def release_batches_tx(conn: sqlite3.Connection, quiz_id: str, run_id: str) -> int:
    """Put this run's unfinished batches back to pending (Ctrl-C); their questions stay.
    Returns how many went back."""
    cursor = conn.execute(
        "UPDATE batches SET status = ?, run_id = NULL, runner_pid = NULL, runner_host = NULL,"
        " runner_boot = NULL, lease_expires_at = NULL, updated_at = ?"
        " WHERE quiz_id = ? AND run_id = ?",
        (BatchStatus.PENDING, now(), quiz_id, run_id),
    )
    return cursor.rowcount


def set_quiz_status_tx(
    conn: sqlite3.Connection, quiz_id: str, status: QuizStatus, failure_reason: str | None = None
) -> None:
    conn.execute(
        "UPDATE quizzes SET status = ?, failure_reason = ?, updated_at = ? WHERE id = ?",
        (status, failure_reason, now(), quiz_id),
    )


def record_verification_tx(
    conn: sqlite3.Connection,
    quiz_id: str,
    batch_key: str,
    call: LLMCallRecord,
    disputed: list[str],
    flag: str,
) -> None:
    """Store a verification call (counted in its batch's calls and tokens) and add `flag` to
    the disputed questions."""
    stamp = now()
    conn.execute(
        "UPDATE batches SET input_tokens = input_tokens + ?,"
        " output_tokens = output_tokens + ?, cached_tokens = cached_tokens + ?,"
        " llm_seconds = llm_seconds + ?, calls = calls + 1, updated_at = ?"
        " WHERE quiz_id = ? AND key = ?",
        (
            call.input_tokens,
            call.output_tokens,
            call.cached_tokens,
            call.seconds,
            stamp,
            quiz_id,
            batch_key,
        ),
    )
    _insert_call(conn, quiz_id, batch_key, call, stamp)
    for question_id in disputed:
        row = conn.execute(
            "SELECT flags FROM questions WHERE quiz_id = ? AND id = ?", (quiz_id, question_id)
        ).fetchone()
        if row is None:
            continue
        flags = json.loads(row[0])
        if flag not in flags:
            conn.execute(
                "UPDATE questions SET flags = ?, updated_at = ? WHERE quiz_id = ? AND id = ?",
                (json.dumps([*flags, flag]), stamp, quiz_id, question_id),
            )


def _insert_call(
    conn: sqlite3.Connection, quiz_id: str, batch_key: str, call: LLMCallRecord, stamp: str
) -> None:
    conn.execute(
        "INSERT INTO llm_calls (quiz_id, batch_key, attempt, provider, model, prompt,"
        " response, finish_reason, input_tokens, output_tokens, cached_tokens,"
        " seconds, error, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            quiz_id,
            batch_key,
            call.attempt,
            call.provider,
            call.model,
            call.prompt,
            call.response,
            call.finish_reason,
            call.input_tokens,
            call.output_tokens,
            call.cached_tokens,
            call.seconds,
            call.error,
            stamp,
        ),
    )


QUESTION_COLUMNS = (
    "id",
    "quiz_id",
    "module_id",
    "batch_key",
    "question_type",
    "position",
    "data",
    "review_status",
    "rejection_reasons",
    "rejection_note",
    "citation",
    "flags",
    "created_at",
    "updated_at",
)
"""The columns `_question_row` fills, in its order: INSERTs name them, so a column added by a
later migration (with a default) breaks nothing."""
INSERT_QUESTION = (
    f"INSERT INTO questions ({', '.join(QUESTION_COLUMNS)})"
    f" VALUES ({', '.join('?' * len(QUESTION_COLUMNS))})"
)


# --- rows → records ------------------------------------------------------------------------


def _like_prefix(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _process_alive(pid: int | None) -> bool:
    if pid is None:
        return False
    if pid == os.getpid():
        return False  # our own earlier run in this process is over by definition
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _question_row(
    question_id: str,
    quiz_id: str,
    module_id: str,
    key: str,
    question_type: str,
    position: int,
    question: NewQuestion,
    stamp: str,
) -> tuple[Any, ...]:
    status = ReviewStatus.REJECTED if question.rejection_reasons else ReviewStatus.PENDING
    return (
        question_id,
        quiz_id,
        module_id,
        key,
        question_type,
        position,
        json.dumps(question.data),
        status,
        json.dumps(list(question.rejection_reasons)),
        question.rejection_note,
        json.dumps(question.citation) if question.citation else None,
        json.dumps(list(question.flags)),
        stamp,
        stamp,
    )


def _quiz(row: dict[str, Any]) -> Quiz:
    return Quiz(
        id=row["id"],
        title=row["title"],
        status=QuizStatus(row["status"]),
        language=row["language"],
        provider=row["provider"],
        model=row["model"],
        spec_path=row["spec_path"],
        spec=json.loads(row["spec"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        failure_reason=row["failure_reason"],
    )


def _batch(row: dict[str, Any]) -> Batch:
    return Batch(
        quiz_id=row["quiz_id"],
        key=row["key"],
        module_id=row["module_id"],
        question_type=row["question_type"],
        target_count=row["target_count"],
        generated_count=row["generated_count"],
        status=BatchStatus(row["status"]),
        attempts=row["attempts"],
        last_error=row["last_error"],
        difficulty=row["difficulty"],
        run_id=row["run_id"],
        runner_pid=row["runner_pid"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        updated_at=row["updated_at"],
        input_tokens=row["input_tokens"],
        output_tokens=row["output_tokens"],
        cached_tokens=row["cached_tokens"],
        llm_seconds=row["llm_seconds"],
        calls=row["calls"],
        rejected_count=row["rejected_count"],
        runner_host=row.get("runner_host"),
        runner_boot=row.get("runner_boot"),
        lease_expires_at=row.get("lease_expires_at"),
    )


def _question(row: dict[str, Any]) -> QuestionRecord:
    return QuestionRecord(
        id=row["id"],
        quiz_id=row["quiz_id"],
        module_id=row["module_id"],
        batch_key=row["batch_key"],
        question_type=row["question_type"],
        position=row["position"],
        data=json.loads(row["data"]),
        review_status=ReviewStatus(row["review_status"]),
        rejection_reasons=json.loads(row["rejection_reasons"]),
        rejection_note=row["rejection_note"],
        citation=json.loads(row["citation"]) if row["citation"] else None,
        flags=json.loads(row["flags"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _publication(row: dict[str, Any], items: list[dict[str, Any]]) -> Publication:
    return Publication(
        id=row["id"],
        quiz_id=row["quiz_id"],
        engine=row["engine"],
        base_url=row["base_url"],
        course_id=row["course_id"],
        title=row["title"],
        settings=json.loads(row["settings"]),
        status=PublicationStatus(row["status"]),
        remote_quiz_id=row["remote_quiz_id"],
        quiz_requested_at=row["quiz_requested_at"],
        remote_url=row["remote_url"],
        runner_pid=row["runner_pid"],
        last_error=row["last_error"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        finished_at=row["finished_at"],
        items=[
            PublicationItem(
                publication_id=item["publication_id"],
                question_id=item["question_id"],
                position=item["position"],
                status=ItemStatus(item["status"]),
                remote_item_id=item["remote_item_id"],
                last_error=item["last_error"],
                updated_at=item["updated_at"],
            )
            for item in items
        ],
    )


API_JOB_FIELDS = frozenset(
    {
        "state",
        "remote_id",
        "input_file_id",
        "output_file_id",
        "error_file_id",
        "remote_status",
        "completed_count",
        "failed_count",
        "last_error",
        "submitted_at",
        "finished_at",
    }
)


@dataclass(frozen=True)
class NewApiRequest:
    """An ask to send through the Batch API (see `ApiRequest`)."""

    custom_id: str
    batch_key: str
    round: int
    messages: list[dict[str, str]]
    progress: dict[str, Any]


@dataclass(frozen=True)
class NewApiJob:
    id: str
    round: int
    model: str
    base_url: str | None
    custom_ids: list[str]
    bytes: int


def insert_api_requests_tx(
    tx: sqlite3.Connection, quiz_id: str, requests: list[NewApiRequest]
) -> None:
    """Queue asks for the next Batch API job (no job yet)."""
    stamp = now()
    tx.executemany(
        "INSERT INTO api_requests (custom_id, quiz_id, batch_key, job_id, round, open, messages,"
        " progress, created_at, updated_at) VALUES (?,?,?,NULL,?,1,?,?,?,?)",
        [
            (
                r.custom_id,
                quiz_id,
                r.batch_key,
                r.round,
                json.dumps(r.messages, ensure_ascii=False),
                json.dumps(r.progress, ensure_ascii=False),
                stamp,
                stamp,
            )
            for r in requests
        ],
    )


def close_api_request_tx(tx: sqlite3.Connection, quiz_id: str, custom_id: str) -> bool:
    """Mark an ask's answer as consumed; False if it already was (by an earlier collect whose
    transaction committed), in which case the caller must not record the answer again."""
    cursor = tx.execute(
        "UPDATE api_requests SET open = 0, updated_at = ?"
        " WHERE quiz_id = ? AND custom_id = ? AND open = 1",
        (now(), quiz_id, custom_id),
    )
    return cursor.rowcount == 1


def _api_job(row: dict[str, Any]) -> ApiJob:
    return ApiJob(**{**row, "state": ApiJobState(row["state"])})


def _api_request(row: dict[str, Any]) -> ApiRequest:
    return ApiRequest(
        custom_id=row["custom_id"],
        quiz_id=row["quiz_id"],
        batch_key=row["batch_key"],
        job_id=row["job_id"],
        round=row["round"],
        open=bool(row["open"]),
        messages=json.loads(row["messages"]),
        progress=json.loads(row["progress"]),
    )
