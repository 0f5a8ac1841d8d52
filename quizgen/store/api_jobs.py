"""The api_jobs and api_requests tables: OpenAI Batch API jobs and every ask sent (or queued to
be sent) through them.

A batch waiting on a Batch API job (`api_lease_id`, an open ask in a job that has not failed,
expired or been cancelled, or queued for the next one) is not leased by time: its owner is the
job, which may take 24 h, and no other run claims it (`owned_by_jobs_tx`).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from quizgen.models import ApiJob, ApiJobState, ApiRequest
from quizgen.store.db import StoreBase, now

DEAD_JOB_STATUSES = ("failed", "expired", "cancelling", "cancelled")
"""Remote Batch API statuses after which a job answers nothing more it has not answered."""

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
"""The columns `update_api_job` may set."""


def api_lease_id(quiz_id: str) -> str:
    """The run id that holds a Batch API quiz's batches from submit to the last collect."""
    return f"batch-api-{quiz_id}"


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


class ApiJobStore(StoreBase):
    """Queueing asks, storing jobs and what is learnt about them, reading both back."""

    def queue_api_requests(self, quiz_id: str, requests: list[NewApiRequest]) -> None:
        """Store asks waiting for a Batch API job, all or none."""
        with self._write() as tx:
            insert_api_requests_tx(tx, quiz_id, requests)

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
