"""A real `quizgen create` killed (SIGKILL) or interrupted (SIGINT) mid-run, then retried."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE


def start(args: list[str], db: Path, **env: str) -> subprocess.Popen[str]:
    environment = {
        **os.environ,
        "QUIZGEN_DB": str(db),
        "QUIZGEN_MOCK_LATENCY": "0.15",
        **env,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "quizgen", *args],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_questions(db: Path, at_least: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if db.exists():
            try:
                with sqlite3.connect(db, timeout=1) as conn:
                    (count,) = conn.execute("SELECT count(*) FROM questions").fetchone()
                if count >= at_least:
                    return
            except sqlite3.OperationalError:
                pass  # the schema is still being created
        time.sleep(0.01)
    raise AssertionError(f"no {at_least} questions appeared in {timeout} s")


def assert_consistent(db: Path) -> None:
    """Counters agree with the rows, and no batch holds a position twice."""
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        rows = conn.execute(
            "SELECT b.key, b.generated_count, count(q.id), count(DISTINCT q.position)"
            " FROM batches b LEFT JOIN questions q ON q.quiz_id = b.quiz_id"
            " AND q.batch_key = b.key AND q.review_status != 'rejected' GROUP BY b.key"
        ).fetchall()
    for key, counted, stored, positions in rows:
        assert counted == stored == positions, key


def assert_complete_without_duplicates(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT b.key, b.target_count, b.status, count(q.id) FROM batches b"
            " LEFT JOIN questions q ON q.quiz_id = b.quiz_id AND q.batch_key = b.key"
            " AND q.review_status != 'rejected' GROUP BY b.key"
        ).fetchall()
        texts = [
            row[0]
            for row in conn.execute(
                "SELECT lower(json_extract(data, '$.question_text')) FROM questions"
                " WHERE review_status != 'rejected'"
            )
        ]
    assert len(rows) == 6
    for key, target, status, stored in rows:
        assert (status, stored) == ("succeeded", target), key
    assert len(texts) == len(set(texts)) == 45


def quiz_id(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT id FROM quizzes").fetchone()[0]


@pytest.mark.parametrize("after_questions", [1, 15, 30])
def test_sigkill_mid_generation_then_retry_finishes_without_duplicates(
    tmp_path: Path, after_questions: int
) -> None:
    db = tmp_path / "killed.db"
    spec = str(EXAMPLE / "quiz.toml")
    process = start(["create", spec, "--json", "--concurrency", "2"], db)
    try:
        wait_for_questions(db, after_questions)
    finally:
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=20)
    assert process.returncode == -signal.SIGKILL
    assert_consistent(db)

    retried = start(["retry", quiz_id(db), "--json"], db, QUIZGEN_MOCK_LATENCY="0")
    _, err = retried.communicate(timeout=60)
    assert retried.returncode == 0, err
    assert_consistent(db)
    assert_complete_without_duplicates(db)


def test_ctrl_c_returns_batches_to_pending_exit_130_and_retry_finishes(tmp_path: Path) -> None:
    db = tmp_path / "interrupted.db"
    process = start(["create", str(EXAMPLE / "quiz.toml"), "--concurrency", "1"], db)
    try:
        wait_for_questions(db, 5)
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    assert process.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    assert "batches succeeded" in out, "a summary is printed"
    assert_consistent(db)
    with sqlite3.connect(db) as conn:
        statuses = {row[0] for row in conn.execute("SELECT status FROM batches")}
        leased = conn.execute("SELECT count(*) FROM batches WHERE run_id IS NOT NULL").fetchone()
        (pending,) = conn.execute(
            "SELECT count(*) FROM batches WHERE status = 'pending'"
        ).fetchone()
    assert "running" not in statuses and "pending" in statuses
    assert leased == (0,)
    assert f"interrupted: {pending} batch(es) back to pending" in err, err

    retried = start(["retry", quiz_id(db)], db, QUIZGEN_MOCK_LATENCY="0")
    _, err = retried.communicate(timeout=60)
    assert retried.returncode == 0, err
    assert_complete_without_duplicates(db)
