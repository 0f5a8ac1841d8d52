"""Leases on a whole quiz for one purpose: one process at a time does that work for the quiz.

Batch API collection is the purpose today (`COLLECT`): two `quizgen collect` runs of one quiz
would both upload its queued asks as two remote jobs, paid twice. A lease is a row per (quiz,
purpose) naming its holder's pid, host and boot, and expiring unless renewed — the same rules
as a batch's or a publication's lease (`lease_alive`), so a killed holder never blocks anyone
for longer than the expiry, and on one host not at all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from quizgen.store.db import now, stamp_after
from quizgen.store.leases import LEASE_SECONDS, Runner, lease_alive

if TYPE_CHECKING:
    from quizgen.store import Store

COLLECT = "batch_api_collect"
"""Sending a quiz's Batch API jobs and recording their answers (`create --batch-api`,
`collect`, and `retry` on a batch-mode quiz)."""


def claim_quiz_lease(
    store: Store,
    quiz_id: str,
    purpose: str,
    *,
    lease_seconds: float = LEASE_SECONDS,
    runner: Runner | None = None,
) -> Runner | None:
    """Lease (quiz, purpose) to this process until renewed; return the holder instead when its
    lease is alive (nothing changed then). A dead or expired holder is taken over."""
    me = runner or Runner.current()
    with store.transaction() as tx:
        row = tx.execute(
            "SELECT runner_pid, runner_host, runner_boot, lease_expires_at FROM quiz_leases"
            " WHERE quiz_id = ? AND purpose = ?",
            (quiz_id, purpose),
        ).fetchone()
        if row is not None and lease_alive(*row, me=me, at=now()):
            return Runner(int(row[0]), row[1], row[2])
        tx.execute(
            "INSERT OR REPLACE INTO quiz_leases (quiz_id, purpose, runner_pid, runner_host,"
            " runner_boot, lease_expires_at) VALUES (?, ?, ?, ?, ?, ?)",
            (quiz_id, purpose, me.pid, me.host, me.boot, stamp_after(lease_seconds)),
        )
    return None


def renew_quiz_lease(
    store: Store,
    quiz_id: str,
    purpose: str,
    *,
    lease_seconds: float = LEASE_SECONDS,
    runner: Runner | None = None,
) -> bool:
    """Push this process's lease `lease_seconds` ahead; False if it no longer holds it."""
    me = runner or Runner.current()
    with store.transaction() as tx:
        cursor = tx.execute(
            "UPDATE quiz_leases SET lease_expires_at = ? WHERE quiz_id = ? AND purpose = ?"
            " AND runner_pid = ? AND runner_host = ? AND runner_boot = ?",
            (stamp_after(lease_seconds), quiz_id, purpose, me.pid, me.host, me.boot),
        )
    return cursor.rowcount == 1


def release_quiz_lease(
    store: Store, quiz_id: str, purpose: str, *, runner: Runner | None = None
) -> None:
    """Give the lease up, if this process holds it."""
    me = runner or Runner.current()
    with store.transaction() as tx:
        tx.execute(
            "DELETE FROM quiz_leases WHERE quiz_id = ? AND purpose = ? AND runner_pid = ?"
            " AND runner_host = ? AND runner_boot = ?",
            (quiz_id, purpose, me.pid, me.host, me.boot),
        )
