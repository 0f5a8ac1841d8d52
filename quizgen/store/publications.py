"""The publications and publication_items tables: remote copies of a quiz in Canvas, and the
outcome of each of their questions.

A publication and its items are stored before any request, and each item's outcome the moment
it is known, so a killed publish resumes where it stopped. A publication being published is
leased to one process as a batch is (quizgen.store.leases).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from quizgen.errors import InputError
from quizgen.models import (
    ItemStatus,
    PlannedGroup,
    Publication,
    PublicationGroup,
    PublicationItem,
    PublicationStatus,
)
from quizgen.store.db import StoreBase, new_id, now, stamp_after
from quizgen.store.leases import LEASE_SECONDS, Runner, lease_alive


class PublicationStore(StoreBase):
    """Publications: create, lease, record progress, finish."""

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
        groups: Iterable[PlannedGroup] = (),
    ) -> Publication:
        """Store a publication, its items (positions 1..n, all pending) and its pools' groups
        (all pending) before any request."""
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
            tx.executemany(
                "INSERT INTO publication_groups (publication_id, batch_key, ordinal, pick_count,"
                " question_points, size, status, updated_at) VALUES (?,?,?,?,?,?,?,?)",
                [
                    (
                        publication_id,
                        group.batch_key,
                        ordinal,
                        group.pick_count,
                        group.question_points,
                        group.size,
                        ItemStatus.PENDING,
                        stamp,
                    )
                    for ordinal, group in enumerate(groups, start=1)
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
        groups = self._rows(
            "SELECT * FROM publication_groups WHERE publication_id = ? ORDER BY ordinal",
            (publication_id,),
        )
        return _publication(rows[0], items, groups)

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

    def record_group(
        self,
        publication_id: str,
        batch_key: str,
        status: ItemStatus,
        *,
        remote_group_id: str | None = None,
        error: str | None = None,
    ) -> None:
        """One question group's outcome, in its own transaction, the moment it is known."""
        with self._write() as tx:
            tx.execute(
                "UPDATE publication_groups SET status = ?, remote_group_id = ?, last_error = ?,"
                " updated_at = ? WHERE publication_id = ? AND batch_key = ?",
                (status, remote_group_id, error, now(), publication_id, batch_key),
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


def _publication(
    row: dict[str, Any], items: list[dict[str, Any]], groups: list[dict[str, Any]]
) -> Publication:
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
        groups=[
            PublicationGroup(
                publication_id=group["publication_id"],
                batch_key=group["batch_key"],
                pick_count=group["pick_count"],
                question_points=group["question_points"],
                size=group["size"],
                status=ItemStatus(group["status"]),
                remote_group_id=group["remote_group_id"],
                last_error=group["last_error"],
                updated_at=group["updated_at"],
            )
            for group in groups
        ],
    )
