"""The batches table: a quiz's planned batches, their leases, counters and outcomes.

The writes are functions of an open transaction (`*_tx`). `BatchStore` methods run them in a
transaction of their own; a generation run hands them to its single writer thread
(`quizgen.store.writer`), which runs many in one transaction (group commit). A batch's accepted
questions, its counters and its LLM call record are committed together, so a retry after
`kill -9` neither loses nor duplicates questions. Leases: quizgen.store.leases.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from quizgen.errors import StoreError
from quizgen.models import Batch, BatchStatus, QuizStatus
from quizgen.store.api_jobs import api_lease_id, owned_by_jobs_tx
from quizgen.store.calls import LLMCallRecord, insert_call
from quizgen.store.db import StoreBase, new_id, now, stamp_after
from quizgen.store.leases import LEASE_SECONDS, Runner, lease_alive
from quizgen.store.questions import INSERT_QUESTION, NewQuestion, question_row
from quizgen.store.quizzes import set_quiz_status_tx


class BatchStore(StoreBase):
    """Reading batches; claiming, progressing and releasing them outside a generation run."""

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
        row = question_row(
            ids[-1], quiz_id, module_id, key, question_type, position, question, stamp
        )
        records.append(row)
    for question in rejected:
        records.append(
            question_row(new_id(), quiz_id, module_id, key, question_type, 0, question, stamp)
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
        insert_call(conn, quiz_id, key, call, stamp)
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


def settle_run_tx(
    conn: sqlite3.Connection,
    quiz_id: str,
    run_id: str,
    status_of: Callable[[list[Batch]], QuizStatus],
) -> int:
    """The end of a run, in one transaction: what it still holds goes back to pending (a
    cancelled run), and the quiz's status is derived again from its batches by `status_of`
    (generation's rule). Returns how many went back."""
    released = release_batches_tx(conn, quiz_id, run_id)
    status = status_of(batches_tx(conn, quiz_id))
    reason = "no_questions_generated" if status == QuizStatus.FAILED else None
    set_quiz_status_tx(conn, quiz_id, status, reason)
    return released


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
