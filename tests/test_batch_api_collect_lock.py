"""One process at a time sends and collects a quiz's Batch API jobs (the per-quiz collect lease).

Without it two `quizgen collect` runs of one quiz could both upload its queued asks: two remote
jobs for the same requests, paid twice. Real processes against the fake OpenAI server; the
lease rules themselves (dead, expired, other host) on the store."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from quizgen.store import Runner, Store, stamp_after
from quizgen.store.quiz_leases import (
    COLLECT,
    claim_quiz_lease,
    release_quiz_lease,
    renew_quiz_lease,
)
from tests.fakes.openai_batches import JobPlan
from tests.fakes.openai_server import FakeOpenAI
from tests.test_batch_api import kill, openai_args, openai_env, start, wait_until

__all__ = ["openai_env"]  # the fixture, used by name

IN_PROGRESS = "SELECT count(*) FROM api_jobs WHERE remote_status = 'in_progress'"


def submitted_quiz(example: Path, fake: FakeOpenAI, db: Path, tmp: Path) -> str:
    created = start(["create", str(example), *openai_args(fake), "--batch-api", "--json"], db, tmp)
    out, err = created.communicate(timeout=30)
    assert created.returncode == 0, err
    return json.loads(out)["quiz"]["id"]


def test_a_second_collect_of_a_quiz_being_collected_is_refused_and_sends_nothing(
    example, openai_env, db_path, tmp_path
) -> None:
    with FakeOpenAI(batch_plans=[JobPlan(hold=True)]) as fake:
        quiz = submitted_quiz(example, fake, db_path, tmp_path)
        first = start(["collect", quiz, "--wait"], db_path, tmp_path)
        try:
            wait_until(db_path, IN_PROGRESS)
            second = start(["collect", quiz], db_path, tmp_path)
            _, err = second.communicate(timeout=30)
            assert second.returncode == 1
            assert f"pid {first.pid}" in err and "another quizgen process" in err
            assert "Traceback" not in err and len(err.strip().splitlines()) == 1
            also = start(["retry", quiz], db_path, tmp_path)  # retry collects too: same lease
            _, err = also.communicate(timeout=30)
            assert also.returncode == 1 and f"pid {first.pid}" in err
            assert len(fake.batch_service.order) == 1, "nothing more was sent"
            fake.batch_service.release()
            _, err = first.communicate(timeout=60)
            assert first.returncode == 0, err
        finally:
            if first.poll() is None:
                kill(first)
        after = start(["collect", quiz, "--json"], db_path, tmp_path)  # the lease was released
        out, err = after.communicate(timeout=30)
        assert after.returncode == 0, err
        assert all(b["status"] == "succeeded" for b in json.loads(out)["batches"])
        assert len(fake.batch_service.order) == 1


def test_a_collector_killed_with_minus_9_does_not_block_the_next(
    example, openai_env, db_path, tmp_path
) -> None:
    with FakeOpenAI(batch_plans=[JobPlan(hold=True)]) as fake:
        quiz = submitted_quiz(example, fake, db_path, tmp_path)
        first = start(["collect", quiz, "--wait"], db_path, tmp_path)
        wait_until(db_path, IN_PROGRESS)
        kill(first)
        with sqlite3.connect(db_path) as conn:  # it held the lease when it died
            assert conn.execute("SELECT runner_pid FROM quiz_leases").fetchall() == [(first.pid,)]
        fake.batch_service.release()
        finishing = start(["collect", quiz, "--wait", "--json"], db_path, tmp_path)
        _, err = finishing.communicate(timeout=60)
        assert finishing.returncode == 0, err
        assert len(fake.batch_service.order) == 1
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT count(*) FROM quiz_leases").fetchone()[0] == 0


def _quiz_store(tmp_path: Path, example: Path):
    from quizgen.spec import load_spec, plan_batches

    store = Store.open(tmp_path / "q.db")
    loaded = load_spec(example)
    quiz = store.create_quiz(
        title="t",
        language="en",
        provider="openai",
        model="gpt-4o",
        spec_path=str(example),
        spec=loaded.spec.model_dump(mode="json"),
        modules=[],
        batches=plan_batches(loaded.spec),
    )
    return store, quiz


def test_the_lease_rules(tmp_path: Path, example: Path) -> None:
    store, quiz = _quiz_store(tmp_path, example)
    me = Runner.current()
    away = Runner(1, "another-host", "b")
    assert claim_quiz_lease(store, quiz.id, COLLECT, runner=away) is None
    assert claim_quiz_lease(store, quiz.id, COLLECT, runner=me) == away  # alive elsewhere
    assert renew_quiz_lease(store, quiz.id, COLLECT, runner=away)
    assert not renew_quiz_lease(store, quiz.id, COLLECT, runner=me)  # not mine to renew
    release_quiz_lease(store, quiz.id, COLLECT, runner=me)  # not mine to release either
    assert claim_quiz_lease(store, quiz.id, COLLECT, runner=me) == away
    with store.transaction() as tx:  # the other host stopped renewing: its lease expired
        tx.execute("UPDATE quiz_leases SET lease_expires_at = ?", (stamp_after(-1),))
    assert claim_quiz_lease(store, quiz.id, COLLECT, runner=me) is None
    release_quiz_lease(store, quiz.id, COLLECT, runner=me)
    alive_here = Runner(1, me.host, me.boot)  # this host and boot, a running pid
    assert claim_quiz_lease(store, quiz.id, COLLECT, runner=alive_here) is None
    assert claim_quiz_lease(store, quiz.id, COLLECT, runner=me) == alive_here
    release_quiz_lease(store, quiz.id, COLLECT, runner=alive_here)
    dead = Runner(2**22 + 7, me.host, me.boot)  # this host and boot, a pid not running
    assert claim_quiz_lease(store, quiz.id, COLLECT, runner=dead) is None
    assert claim_quiz_lease(store, quiz.id, COLLECT, runner=me) is None  # taken over at once
    rebooted = Runner(1, me.host, "an earlier boot")
    release_quiz_lease(store, quiz.id, COLLECT, runner=me)
    assert claim_quiz_lease(store, quiz.id, COLLECT, runner=rebooted) is None
    assert claim_quiz_lease(store, quiz.id, COLLECT, runner=me) is None  # host rebooted since
    store.close()


def test_the_collect_lease_is_renewed_while_it_is_held_and_released_after(
    tmp_path: Path, example: Path
) -> None:
    """A `collect --wait` sleeps between looks: the thread must push the expiry forward."""
    import time

    from quizgen.batch_api.lease import collecting

    store, quiz = _quiz_store(tmp_path, example)

    def expiry() -> str | None:
        with sqlite3.connect(store.path) as conn:
            row = conn.execute("SELECT lease_expires_at FROM quiz_leases").fetchone()
        return row[0] if row else None

    with collecting(store, quiz.id, lease_seconds=0.6):
        with store.transaction() as tx:
            tx.execute("UPDATE quiz_leases SET lease_expires_at = ?", (stamp_after(-60),))
        deadline = time.monotonic() + 10
        while expiry() < stamp_after(0) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert expiry() >= stamp_after(0)  # renewed by the thread, not by this test
    assert expiry() is None  # released at the end of the block
