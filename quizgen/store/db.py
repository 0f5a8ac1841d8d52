"""Opening a quizgen database, and the one way to write to it.

Why it looks like this:
- A file without `_quizgen_migrations` but with other tables is not ours and is refused rather
  than written into; one that recorded migrations this quizgen does not know was made by a newer
  quizgen and is refused too. The migrations themselves are `quizgen.store.migrations`.
- Every write is one `BEGIN IMMEDIATE` transaction (`StoreBase._write`): all of it lands or
  none of it does, so after `kill -9` at any instant the store is consistent.
- WAL mode so `quizgen status` can read while `create` writes, with `synchronous=NORMAL`: a
  commit is durable against a killed process (the promise of `retry`); a power cut or an OS
  crash can lose the last commits before the next checkpoint, never the database's consistency
  (docs/reliability.md).
"""

from __future__ import annotations

import os
import secrets
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Self

from quizgen.errors import StoreError
from quizgen.store.migrations import MIGRATIONS

DEFAULT_DB = "quizgen.db"
MIGRATIONS_TABLE = "_quizgen_migrations"
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


def like_prefix(prefix: str) -> str:
    """A LIKE pattern for ids starting with `prefix`, its wildcards escaped (`ESCAPE '\\'`)."""
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


@contextmanager
def savepoint(conn: sqlite3.Connection, name: str) -> Iterator[sqlite3.Connection]:
    """A part of the open transaction that can fail alone: what raises inside is rolled back
    to the savepoint (the rest of the transaction stays) and the exception goes on."""
    conn.execute(f"SAVEPOINT {name}")
    try:
        yield conn
    except BaseException:
        conn.execute(f"ROLLBACK TO {name}")
        conn.execute(f"RELEASE {name}")
        raise
    conn.execute(f"RELEASE {name}")


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


class StoreBase:
    """The open database that every table family's methods share (`quizgen.store.Store` is
    their composition): the connection, the write transaction and row reading."""

    def __init__(self, db: Database, path: Path) -> None:
        self.db = db
        self.path = path

    @classmethod
    def open(cls, path: Path | None = None) -> Self:
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

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One immediate transaction for a caller composing `*_tx` functions: the Batch API's
        collect commits an answer, the ask that follows it and its request's closing together,
        so a killed collect neither loses nor repeats an answer."""
        with self._write() as tx:
            yield tx

    def data_version(self) -> int:
        """A number that changes when another connection commits to the database (SQLite's
        `PRAGMA data_version`): a reader's cache is stale when it differs from last time."""
        return int(self.db.conn.execute("PRAGMA data_version").fetchone()[0])
