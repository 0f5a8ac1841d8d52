"""The schema, as the ordered list of migrations that build it.

Each migration is a function named `m00N_what`, appended to `MIGRATIONS` by `@migration` in
the order they are defined; `quizgen.store.db` applies those a database has not recorded in
`_quizgen_migrations`, each in its own transaction (the simonw/llm pattern). A released
migration is never edited: a change of schema is a new migration at the end. The recorded
names are what count, so the numbers need not be contiguous.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

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


@migration
def m009_quiz_leases(conn: sqlite3.Connection) -> None:
    """Leases on a whole quiz for one purpose (`quizgen.store.quiz_leases`): sending and
    collecting its Batch API jobs is one process's work at a time."""
    _run_script(
        conn,
        """
        CREATE TABLE quiz_leases (
            quiz_id TEXT NOT NULL REFERENCES quizzes(id),
            purpose TEXT NOT NULL,
            runner_pid INTEGER NOT NULL,
            runner_host TEXT NOT NULL,
            runner_boot TEXT NOT NULL,
            lease_expires_at TEXT NOT NULL,
            PRIMARY KEY (quiz_id, purpose)
        );
        """,
    )


@migration
def m010_publication_groups(conn: sqlite3.Connection) -> None:
    """One Classic question group per pool of a publication (`pick`; canvas/groups.py)."""
    _run_script(
        conn,
        """
        CREATE TABLE publication_groups (
            publication_id TEXT NOT NULL REFERENCES publications(id),
            batch_key TEXT NOT NULL,
            ordinal INTEGER NOT NULL,
            pick_count INTEGER NOT NULL,
            question_points REAL NOT NULL,
            size INTEGER NOT NULL,
            status TEXT NOT NULL,
            remote_group_id TEXT,
            last_error TEXT,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (publication_id, batch_key)
        )
        """,
    )
